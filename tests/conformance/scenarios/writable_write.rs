//! Writable `write()`: return values at the high-water mark, `'drain'`, write callbacks,
//! write errors: w01-w14, w17, w18, w41-w43, x01-x12, x44.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

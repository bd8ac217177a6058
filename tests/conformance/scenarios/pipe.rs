//! `'pipe'` / `'unpipe'`, Readable#pipe and the legacy Stream#pipe: p01-p11.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

//! Property snapshots through the lifecycle: w39, w40, x64-x67.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

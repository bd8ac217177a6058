//! `cork()` / `uncork()` and `_writev` batching: w28-w31, x13-x20.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

//! `_construct`: writes queued before it completes, its errors, destroy while
//! pending: x49-x53.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

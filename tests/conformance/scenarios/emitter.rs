//! EventEmitter: order, once, prepend, removal during emit, meta events, errors:
//! e01-e17.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

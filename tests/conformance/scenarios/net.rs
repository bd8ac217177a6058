//! Unix-socket streams: event order, backpressure, `destroy_soon()`: n01-n03.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

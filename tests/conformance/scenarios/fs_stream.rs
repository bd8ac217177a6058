//! File write streams: `'open'` / `'ready'`, early writes, open errors: f01-f03.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

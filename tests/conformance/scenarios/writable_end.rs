//! `end()`, `_final`, `'prefinish'` / `'finish'` / `'close'` order, write after end,
//! listeners added in listeners: w19-w27, w44, w45, x21-x30, x45-x47.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

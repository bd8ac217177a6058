//! `destroy()` with and without errors, from inside callbacks and listeners,
//! `destroy_soon()`, `emit_close` / `auto_destroy`: w32-w38, x31-x43, x48, x61-x63.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

//! Chunk types and encodings: argument errors, every encoding, `decode_strings`,
//! `set_default_encoding`, object mode: w15, w16, x54-x60.

use super::Scenario;

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[];

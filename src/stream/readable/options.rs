//! [`ReadableOptions`]: Node's `new Readable(options)`.

use super::Encoding;
#[cfg(doc)]
use super::{Chunk, Readable};

/// How to make a [`Readable`]: Node's `new Readable(options)`.
#[derive(Clone, Debug)]
pub struct ReadableOptions {
    /// Buffer level past which `push` returns `false` and the source is not asked for more.
    /// `None` is Node's default, which the loop's
    /// [`NodeCompat`](crate::compat::NodeCompat) decides: 65536 bytes (v26, the default) or
    /// 16384 (v20), and 16 objects in object mode under both.
    pub high_water_mark: Option<usize>,
    /// Carry any value ([`Chunk::Object`]); lengths count chunks, not bytes. A typed
    /// `Readable<T>` is in object mode whatever this says.
    pub object_mode: bool,
    /// Decode bytes into text ([`Chunk::Text`]) with this encoding.
    pub encoding: Option<Encoding>,
    /// Emit `'close'` after destruction (default `true`).
    pub emit_close: bool,
    /// Destroy the stream after `'end'` and on error (default `true`).
    pub auto_destroy: bool,
}

impl Default for ReadableOptions {
    fn default() -> Self {
        ReadableOptions {
            high_water_mark: None,
            object_mode: false,
            encoding: None,
            emit_close: true,
            auto_destroy: true,
        }
    }
}

impl ReadableOptions {
    /// Node's defaults (the same as [`Default`]), to chain the setters on.
    pub fn new() -> Self {
        Self::default()
    }

    /// Options with this high-water mark.
    pub fn high_water_mark(mut self, hwm: usize) -> Self {
        self.high_water_mark = Some(hwm);
        self
    }

    /// Options for an object-mode stream.
    pub fn object_mode(mut self, on: bool) -> Self {
        self.object_mode = on;
        self
    }

    /// Options with an encoding.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// Options with `emitClose` set.
    pub fn emit_close(mut self, on: bool) -> Self {
        self.emit_close = on;
        self
    }

    /// Options with `autoDestroy` set.
    pub fn auto_destroy(mut self, on: bool) -> Self {
        self.auto_destroy = on;
        self
    }
}

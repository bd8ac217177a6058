//! The options of a Writable (Node's `new Writable(options)`).

use crate::compat::NodeCompat;
use crate::stream::encoding::Encoding;

pub use crate::compat::{DEFAULT_HIGH_WATER_MARK, DEFAULT_OBJECT_HIGH_WATER_MARK};

/// How a Writable behaves; Node's constructor options, with Node's defaults.
///
/// # Examples
///
/// ```
/// use nodestream::stream::writable::WritableOptions;
///
/// let opts = WritableOptions::new().high_water_mark(1024).emit_close(false);
/// assert_eq!(opts.high_water_mark, Some(1024));
/// assert!(opts.auto_destroy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WritableOptions {
    /// The `writable_length` at which `write` starts returning `false`. `None` is Node's
    /// default, which the loop's [`NodeCompat`] decides: 64 KiB (v26, the default) or
    /// 16 KiB (v20), and 16 chunks in object mode under both. Zero is allowed (every non-empty
    /// write returns `false`).
    pub high_water_mark: Option<usize>,
    /// Encode string chunks to bytes before the sink sees them (default `true`).
    pub decode_strings: bool,
    /// The encoding of strings written without one (default `utf8`).
    ///
    /// [`Encoding::Buffer`] is not a string encoding; it is taken as `utf8`.
    pub default_encoding: Encoding,
    /// Emit `'close'` once destroyed (default `true`).
    pub emit_close: bool,
    /// Destroy the stream after `'finish'` and on the first error (default `true`).
    pub auto_destroy: bool,
    /// Count chunks instead of bytes. Streams of a user type (made with
    /// [`Writable::new_object`](super::Writable::new_object)) are always in object mode.
    pub object_mode: bool,
}

impl Default for WritableOptions {
    fn default() -> Self {
        WritableOptions {
            high_water_mark: None,
            decode_strings: true,
            default_encoding: Encoding::Utf8,
            emit_close: true,
            auto_destroy: true,
            object_mode: false,
        }
    }
}

impl WritableOptions {
    /// Node's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`high_water_mark`](WritableOptions::high_water_mark).
    pub fn high_water_mark(mut self, hwm: usize) -> Self {
        self.high_water_mark = Some(hwm);
        self
    }

    /// Sets [`decode_strings`](WritableOptions::decode_strings).
    pub fn decode_strings(mut self, on: bool) -> Self {
        self.decode_strings = on;
        self
    }

    /// Sets [`default_encoding`](WritableOptions::default_encoding).
    pub fn default_encoding(mut self, encoding: Encoding) -> Self {
        self.default_encoding = encoding;
        self
    }

    /// Sets [`emit_close`](WritableOptions::emit_close).
    pub fn emit_close(mut self, on: bool) -> Self {
        self.emit_close = on;
        self
    }

    /// Sets [`auto_destroy`](WritableOptions::auto_destroy).
    pub fn auto_destroy(mut self, on: bool) -> Self {
        self.auto_destroy = on;
        self
    }

    /// Sets [`object_mode`](WritableOptions::object_mode).
    pub fn object_mode(mut self, on: bool) -> Self {
        self.object_mode = on;
        self
    }

    /// The high-water mark in force on a loop following `compat`: the one given, or
    /// that release's default for the mode.
    ///
    /// ```
    /// use nodestream::compat::NodeCompat;
    /// use nodestream::WritableOptions;
    ///
    /// let opts = WritableOptions::new();
    /// assert_eq!(opts.effective_high_water_mark(NodeCompat::V26), 65536);
    /// assert_eq!(opts.effective_high_water_mark(NodeCompat::V20), 16384);
    /// assert_eq!(opts.high_water_mark(10).effective_high_water_mark(NodeCompat::V20), 10);
    /// ```
    pub fn effective_high_water_mark(&self, compat: NodeCompat) -> usize {
        self.high_water_mark
            .unwrap_or_else(|| compat.default_high_water_mark(self.object_mode))
    }
}

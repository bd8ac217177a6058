//! [`DuplexOptions`]: Node's `new Duplex(options)`.

use crate::stream::encoding::Encoding;
use crate::stream::readable::ReadableOptions;
use crate::stream::writable::WritableOptions;

/// How to make a [`Duplex`](super::Duplex) (and a [`Transform`](crate::stream::Transform)):
/// Node's `new Duplex(options)`, with Node's defaults.
///
/// The options of both sides, and Node's Duplex-only ones: `allowHalfOpen`, `readable` and
/// `writable`. As in Node, `high_water_mark` and `object_mode` set both sides, and the
/// `readable_*`/`writable_*` setters one side; a `high_water_mark` given for both wins over
/// a side's own, as Node's `highWaterMark` does.
///
/// # Examples
///
/// ```
/// use nodestream::stream::DuplexOptions;
///
/// let opts = DuplexOptions::new().allow_half_open(false).writable_high_water_mark(1024);
/// assert!(!opts.allow_half_open);
/// assert_eq!(opts.writable_options().high_water_mark, Some(1024));
/// assert_eq!(opts.readable_options().high_water_mark, None);
/// ```
#[derive(Clone, Debug)]
pub struct DuplexOptions {
    /// Keep the writable side open after the readable side ends (default `true`); with
    /// `false`, the end of the readable side ends the writable side, as a socket without
    /// half-open does.
    pub allow_half_open: bool,
    /// Whether the stream has a readable side (Node's `readable`, default `true`); without
    /// one it starts ended.
    pub readable: bool,
    /// Whether the stream has a writable side (Node's `writable`, default `true`); without
    /// one it starts finished.
    pub writable: bool,
    /// Node's `highWaterMark`, for both sides; wins over the sides' own.
    pub high_water_mark: Option<usize>,
    /// Node's `objectMode`, for both sides.
    pub object_mode: bool,
    readable_options: ReadableOptions,
    writable_options: WritableOptions,
}

impl Default for DuplexOptions {
    fn default() -> Self {
        DuplexOptions {
            allow_half_open: true,
            readable: true,
            writable: true,
            high_water_mark: None,
            object_mode: false,
            readable_options: ReadableOptions::default(),
            writable_options: WritableOptions::default(),
        }
    }
}

impl DuplexOptions {
    /// Node's defaults (the same as [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`allow_half_open`](Self::allow_half_open).
    pub fn allow_half_open(mut self, on: bool) -> Self {
        self.allow_half_open = on;
        self
    }

    /// Sets [`readable`](Self::readable).
    pub fn readable(mut self, on: bool) -> Self {
        self.readable = on;
        self
    }

    /// Sets [`writable`](Self::writable).
    pub fn writable(mut self, on: bool) -> Self {
        self.writable = on;
        self
    }

    /// Node's `highWaterMark`: both sides.
    pub fn high_water_mark(mut self, hwm: usize) -> Self {
        self.high_water_mark = Some(hwm);
        self
    }

    /// Node's `readableHighWaterMark`.
    pub fn readable_high_water_mark(mut self, hwm: usize) -> Self {
        self.readable_options.high_water_mark = Some(hwm);
        self
    }

    /// Node's `writableHighWaterMark`.
    pub fn writable_high_water_mark(mut self, hwm: usize) -> Self {
        self.writable_options.high_water_mark = Some(hwm);
        self
    }

    /// Node's `objectMode`: both sides.
    pub fn object_mode(mut self, on: bool) -> Self {
        self.object_mode = on;
        self
    }

    /// Node's `readableObjectMode`.
    pub fn readable_object_mode(mut self, on: bool) -> Self {
        self.readable_options.object_mode = on;
        self
    }

    /// Node's `writableObjectMode`.
    pub fn writable_object_mode(mut self, on: bool) -> Self {
        self.writable_options.object_mode = on;
        self
    }

    /// Node's `encoding`: the readable side decodes its bytes as text.
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.readable_options.encoding = Some(encoding);
        self
    }

    /// Node's `decodeStrings` (the writable side).
    pub fn decode_strings(mut self, on: bool) -> Self {
        self.writable_options.decode_strings = on;
        self
    }

    /// Node's `defaultEncoding` (the writable side).
    pub fn default_encoding(mut self, encoding: Encoding) -> Self {
        self.writable_options.default_encoding = encoding;
        self
    }

    /// Node's `emitClose`: both sides (one `'close'` is emitted if either wants it).
    pub fn emit_close(mut self, on: bool) -> Self {
        self.readable_options.emit_close = on;
        self.writable_options.emit_close = on;
        self
    }

    /// Node's `autoDestroy`: both sides.
    pub fn auto_destroy(mut self, on: bool) -> Self {
        self.readable_options.auto_destroy = on;
        self.writable_options.auto_destroy = on;
        self
    }

    /// The readable side's options, as the Duplex resolves them.
    pub fn readable_options(&self) -> ReadableOptions {
        let mut o = self.readable_options.clone();
        o.object_mode |= self.object_mode;
        if self.high_water_mark.is_some() {
            o.high_water_mark = self.high_water_mark;
        }
        o
    }

    /// The writable side's options, as the Duplex resolves them.
    pub fn writable_options(&self) -> WritableOptions {
        let mut o = self.writable_options.clone();
        o.object_mode |= self.object_mode;
        if self.high_water_mark.is_some() {
            o.high_water_mark = self.high_water_mark;
        }
        o
    }

    /// A Transform's writable side: a readable high-water mark of 0 turns the writable
    /// side's buffering off too, unless it was given (Node's Transform constructor), so
    /// that the stream buffers once.
    pub(crate) fn for_transform(mut self) -> DuplexOptions {
        if self.readable_options().high_water_mark == Some(0) {
            let w = self.writable_options.high_water_mark.unwrap_or(0);
            self.readable_options.high_water_mark = Some(0);
            self.writable_options.high_water_mark = Some(w);
            self.high_water_mark = None;
        }
        self
    }
}

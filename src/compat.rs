//! Which Node release the streams behave as: the current LTS line (v26) by default, or v20.
//!
//! Node changed a few observable stream behaviours between v20 and v26. nodestream follows
//! v26 and keeps v20's behaviour behind one switch, [`NodeCompat`], chosen per
//! [`EventLoop`](crate::EventLoop) with [`EventLoopBuilder::compat`](crate::reactor::EventLoopBuilder::compat)
//! and read back from any [`LoopHandle`](crate::LoopHandle) with
//! [`LoopHandle::compat`](crate::LoopHandle::compat). Every stream made on the loop takes
//! its defaults from it when it is made; options given explicitly (a `high_water_mark`)
//! are never changed by it.
//!
//! | behaviour | [`NodeCompat::V26`] (default) | [`NodeCompat::V20`] |
//! |---|---|---|
//! | default high-water mark of a byte stream (Writable, Readable, fd streams, file write streams, sockets, child stdio, stdout) | 64 KiB (`65536`) | 16 KiB (`16384`) |
//! | default high-water mark in object mode | 16 | 16 |
//! | `Readable::read()` without a size, no decoding encoding set | the first buffered chunk | the whole buffer, joined |
//! | `Readable::read()` without a size, with an encoding | the whole buffer, joined | the whole buffer, joined |
//! | the end pushed inside a synchronous `_read` while nobody observes the stream | no `'readable'` (a later `'readable'` listener gets it) | `'readable'` on the next tick |
//! | `set_encoding` after the end, half a character buffered | U+FFFD | dropped |
//! | a destination's `write()` panics inside `pipe()` | the destination is destroyed with the panic's error | the panic goes on (an uncaught throw) |
//!
//! The 64 KiB default came with Node v22.0.0 (nodejs/node#52037), the one-chunk `read()`
//! with v26.0.0 (nodejs/node#60441); v24.22.3 and v26.12.1 skip the unobserved end's
//! `'readable'` (conformance scenarios `wr28`, `wr29`) and end a decoder set after the end
//! (nodejs/node#63973, scenario `wr03`). `docs/conformance.md` lists what the conformance
//! suite checks under each setting.
//!
//! # Examples
//!
//! ```
//! use nodestream::compat::NodeCompat;
//! use nodestream::stream::readable::{Readable, ReadableOptions};
//! use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
//! use nodestream::EventLoop;
//!
//! struct Discard;
//! impl Sink for Discard {
//!     fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
//!         cb.ok();
//!     }
//! }
//!
//! // The default: Node v26.
//! let v26 = EventLoop::new()?;
//! assert_eq!(v26.handle().compat(), NodeCompat::V26);
//! let r = Readable::new(&v26.handle(), ReadableOptions::default(), |_: &Readable, _: usize| {});
//! assert_eq!(r.readable_high_water_mark(), 65536);
//! r.push("ab");
//! r.push("cd");
//! assert_eq!(r.read().unwrap().as_bytes(), Some(&b"ab"[..])); // one chunk
//!
//! // Node v20's behaviour, for the whole loop.
//! let v20 = EventLoop::builder().compat(NodeCompat::V20).build()?;
//! let r = Readable::new(&v20.handle(), ReadableOptions::default(), |_: &Readable, _: usize| {});
//! assert_eq!(r.readable_high_water_mark(), 16384);
//! r.push("ab");
//! r.push("cd");
//! assert_eq!(r.read().unwrap().as_bytes(), Some(&b"abcd"[..])); // the whole buffer
//!
//! // An explicit high-water mark is kept under either setting.
//! let w = Writable::new(&v20.handle(), Discard, WritableOptions::new().high_water_mark(100));
//! assert_eq!(w.writable_high_water_mark(), 100);
//! # Ok::<(), nodestream::Error>(())
//! ```

/// Node's default high-water mark of byte streams from v22 on: 64 KiB.
pub const DEFAULT_HIGH_WATER_MARK: usize = 64 * 1024;

/// Node v20's default high-water mark of byte streams: 16 KiB.
pub const V20_DEFAULT_HIGH_WATER_MARK: usize = 16 * 1024;

/// The default high-water mark of object streams, in every release: 16 chunks.
pub const DEFAULT_OBJECT_HIGH_WATER_MARK: usize = 16;

/// The Node release whose stream behaviour an [`EventLoop`](crate::EventLoop) follows.
///
/// One switch for every difference the crate reproduces (see the [module](self) docs for
/// the list). Chosen when the loop is built; the default is [`V26`](NodeCompat::V26).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeCompat {
    /// Node v26, the current LTS line: 64 KiB default high-water mark of byte streams,
    /// `read()` without a size returns one chunk.
    #[default]
    V26,
    /// Node v20: 16 KiB default high-water mark of byte streams, `read()` without a size
    /// returns the whole buffer.
    V20,
}

impl NodeCompat {
    /// The high-water mark a stream gets when its options give none: 16 in object mode,
    /// else 64 KiB (v26) or 16 KiB (v20).
    ///
    /// ```
    /// use nodestream::compat::NodeCompat;
    ///
    /// assert_eq!(NodeCompat::V26.default_high_water_mark(false), 65536);
    /// assert_eq!(NodeCompat::V20.default_high_water_mark(false), 16384);
    /// assert_eq!(NodeCompat::V26.default_high_water_mark(true), 16);
    /// ```
    pub const fn default_high_water_mark(self, object_mode: bool) -> usize {
        match (object_mode, self) {
            (true, _) => DEFAULT_OBJECT_HIGH_WATER_MARK,
            (false, NodeCompat::V26) => DEFAULT_HIGH_WATER_MARK,
            (false, NodeCompat::V20) => V20_DEFAULT_HIGH_WATER_MARK,
        }
    }

    /// Whether `read()` without a size returns only the first buffered chunk of a byte
    /// stream that decodes no encoding (v26), rather than the whole buffer (v20). In
    /// flowing mode both return one chunk.
    pub const fn reads_one_chunk(self) -> bool {
        matches!(self, NodeCompat::V26)
    }

    /// Whether the end of a stream pushed inside a synchronous `_read`, with nobody
    /// observing the stream (not flowing, no `'readable'` wanted or listened for), schedules
    /// no `'readable'` (v26, where a `'readable'` listener added later emits it, and
    /// `read()`/`resume()` reach the end on their own), rather than one on the next tick
    /// (v20).
    pub const fn skips_unobserved_eof_readable(self) -> bool {
        matches!(self, NodeCompat::V26)
    }

    /// Whether `pipe()` catches a destination's `write()` that panics and destroys the
    /// destination with it (v24 and v26: nodejs/node#55270), rather than letting the panic
    /// go on to the caller (v20, where the throw is uncaught).
    pub const fn pipe_catches_write_panics(self) -> bool {
        matches!(self, NodeCompat::V26)
    }

    /// Whether `setEncoding()` on a stream that has already ended ends the new decoder, so
    /// that half a character left buffered comes out as U+FFFD (v26), rather than being
    /// dropped (v20).
    pub const fn ends_late_decoder(self) -> bool {
        matches!(self, NodeCompat::V26)
    }
}

//! How the two sides of a [`Duplex`](super::Duplex) reach each other: Node's Duplex is one
//! object with a `_readableState` and a `_writableState`, and `destroy.js` and the ends of
//! both state machines read the other side's flags. Here each side is its own machine, and
//! at those few places it asks its partner through one of these traits.
//!
//! Ownership runs one way, so that no cycle keeps a dropped Duplex alive: the readable side
//! holds its writable partner strongly, the writable side holds its readable partner weakly
//! (a writable side whose readable one is gone behaves as a plain Writable). None of the
//! calls runs user code except [`WritablePart::destroy`], [`WritablePart::end_writable`]
//! and [`ReadablePart::destroy_source`], which the machines make with no borrow held.
//!
//! Node's Duplex has one `_destroy`. Here each side has its own (the sink's and the
//! source's `destroy`), so that each releases what it holds (a socket's reading and
//! writing shares of one fd): the Duplex's destroy runs the sink's, then the source's, and
//! closes when both have called back. With the source's default, which calls back at once,
//! that is Node's one `_destroy`.

use crate::Error;

/// The writable side, as the readable side's machine sees it.
pub(crate) trait WritablePart {
    /// The Duplex's `destroy(err)`: Node's Duplex uses the Writable's `destroy`, which
    /// also marks the readable side (through its own [`ReadablePart`]).
    fn destroy(&self, err: Option<Error>);
    /// `w.destroyed`.
    fn destroyed(&self) -> bool;
    /// `w.autoDestroy`.
    fn auto_destroy(&self) -> bool;
    /// What `endReadableNT` asks before auto-destroying: `w.autoDestroy && (w.finished ||
    /// w.writable === false)`.
    fn ready_to_auto_destroy(&self) -> bool;
    /// `stream.writable` (Node's getter: not ending, ended, destroyed or errored).
    fn writable(&self) -> bool;
    /// `w.ended`: `end()` was called.
    fn ended(&self) -> bool;
    /// `stream.allowHalfOpen`.
    fn allow_half_open(&self) -> bool;
    /// Node's `endWritableNT`: `end()` unless already ended or destroyed.
    fn end_writable(&self);
    /// `w.errorEmitted`.
    fn error_emitted(&self) -> bool;
    /// Sets `w.errorEmitted`, and runs the writable side's error hooks.
    fn set_error_emitted(&self, err: &Error);
    /// `if (!w.errored) w.errored = err`.
    fn record_error(&self, err: &Error);
}

/// The readable side, as the writable side's machine sees it.
pub(crate) trait ReadablePart {
    /// `r.destroyed`.
    fn destroyed(&self) -> bool;
    /// `destroy()`'s marks on the readable state: `r.destroyed = true`, and `err` recorded
    /// (Node's `checkError`).
    fn mark_destroyed(&self, err: Option<&Error>);
    /// The second half of the Duplex's `_destroy`, once the sink's `destroy` has called
    /// back: the source's `destroy` (its default reports `err` at once), then `then` with
    /// the error it reports. The first call only; a later one goes straight to `then`.
    fn destroy_source(&self, err: Option<Error>, then: Box<dyn FnOnce(Option<Error>)>);
    /// `onDestroy`'s marks: `r.closed = true`, and `err` recorded; then the readable
    /// side's own closed hooks.
    fn mark_closed(&self, err: Option<&Error>);
    /// `r.autoDestroy`.
    fn auto_destroy(&self) -> bool;
    /// `_construct` called back: `r.constructed = true` (Node's `onConstruct`).
    fn mark_constructed(&self);
    /// The readable side's `kOnConstructed`, once `_construct` succeeded: reads ahead if a
    /// read was wanted meanwhile. Before the writable side's.
    fn on_constructed(&self);
    /// What `finish()` asks before auto-destroying: `r.autoDestroy && (r.endEmitted ||
    /// r.readable === false)`.
    fn ready_to_auto_destroy(&self) -> bool;
    /// `r.errorEmitted`.
    fn error_emitted(&self) -> bool;
    /// Sets `r.errorEmitted`, and runs the readable side's error hooks.
    fn set_error_emitted(&self, err: &Error);
    /// `emitCloseNT`'s marks: `r.closeEmitted = true`; returns `r.emitClose`.
    fn mark_close_emitted(&self) -> bool;
    /// `if (!r.errored) r.errored = err`.
    fn record_error(&self, err: &Error);
}

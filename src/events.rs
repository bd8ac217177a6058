//! Typed keys for the stream events, with Node's names.
//!
//! Each constant is an [`Event<T>`](crate::emitter::Event): register with it
//! (`w.on(DRAIN, |_| ..)`) and the payload type is fixed. The string names work too
//! (`w.emitter().on("drain", |_: &()| ..)`), which is how user-defined events are reached.

use crate::emitter::{names, Event, EventEmitter};
use crate::error::Error;

/// `'drain'`: a `write` returned `false` and everything accepted since has been written.
pub const DRAIN: Event<()> = Event::new(names::DRAIN);
/// `'prefinish'`: every write is done and `_final` has completed; `'finish'` follows.
pub const PREFINISH: Event<()> = Event::new(names::PREFINISH);
/// `'finish'`: `end()` was called and every write (and `_final`) completed.
pub const FINISH: Event<()> = Event::new(names::FINISH);
/// `'close'`: the stream is destroyed and its resources released; the last event.
pub const CLOSE: Event<()> = Event::new(names::CLOSE);
/// `'error'`: the stream's first error. At most one per stream.
pub const ERROR: Event<Error> = Event::new(names::ERROR);
/// `'pipe'`: a readable started piping into this stream; the payload is the source's
/// emitter.
pub const PIPE: Event<EventEmitter> = Event::new(names::PIPE);
/// `'unpipe'`: a readable stopped piping into this stream; the payload is the source's
/// emitter.
pub const UNPIPE: Event<EventEmitter> = Event::new(names::UNPIPE);
/// `'open'`: a file or socket stream has its descriptor.
///
/// # Node compatibility
///
/// Node passes the numeric fd; raw fds never leave the crate's sys layer here, so the
/// payload is empty (ask the stream for its fd).
pub const OPEN: Event<()> = Event::new(names::OPEN);
/// `'ready'`: a file stream is ready to be written (right after `'open'`).
pub const READY: Event<()> = Event::new(names::READY);

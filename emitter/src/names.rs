//! Node's event names, as string constants.
//!
//! Names are plain strings: an emitter carries any name, these are only the ones Node's
//! streams and emitters use, spelled once. Typed keys for the stream events (which pair a
//! name with its payload type) live in the main crate, where the payload types are.

/// `'drain'`: a Writable's buffer emptied after `write()` returned `false`.
pub const DRAIN: &str = "drain";
/// `'finish'`: a Writable flushed everything after `end()`.
pub const FINISH: &str = "finish";
/// `'prefinish'`: emitted just before `'finish'`.
pub const PREFINISH: &str = "prefinish";
/// `'close'`: the stream and its resource are closed.
pub const CLOSE: &str = "close";
/// `'error'`: an error; see [`EventEmitter::emit_error`](crate::EventEmitter::emit_error).
pub const ERROR: &str = "error";
/// `'pipe'`: a Readable started piping into this Writable.
pub const PIPE: &str = "pipe";
/// `'unpipe'`: a Readable stopped piping into this Writable.
pub const UNPIPE: &str = "unpipe";
/// `'open'`: a file stream opened its fd.
pub const OPEN: &str = "open";
/// `'ready'`: a file stream is ready (right after `'open'`).
pub const READY: &str = "ready";
/// `'data'`: a Readable produced a chunk.
pub const DATA: &str = "data";
/// `'end'`: a Readable has no more data.
pub const END: &str = "end";
/// `'readable'`: a Readable has data to read.
pub const READABLE: &str = "readable";
/// `'pause'`: a Readable was paused.
pub const PAUSE: &str = "pause";
/// `'resume'`: a Readable was resumed.
pub const RESUME: &str = "resume";
/// `'connect'`: a socket connected.
pub const CONNECT: &str = "connect";
/// `'timeout'`: a socket timed out.
pub const TIMEOUT: &str = "timeout";
/// `'fd'`: a file descriptor arrived over a Unix socket.
pub const FD: &str = "fd";
/// `'newListener'`: fired before a listener is added; payload
/// [`ListenerEvent`](crate::ListenerEvent).
pub const NEW_LISTENER: &str = "newListener";
/// `'removeListener'`: fired after a listener is removed; payload
/// [`ListenerEvent`](crate::ListenerEvent).
pub const REMOVE_LISTENER: &str = "removeListener";
/// Node's `EventEmitter.errorMonitor`: listeners on this name see every `'error'` first,
/// without handling it.
///
/// # Node compatibility
///
/// Node uses a symbol; this is a string spelled as Node prints that symbol, so it cannot
/// clash with an ordinary name by accident. Unlike Node's symbols it is listed by
/// `event_names` in insertion order, not after the strings.
pub const ERROR_MONITOR: &str = "Symbol(events.errorMonitor)";

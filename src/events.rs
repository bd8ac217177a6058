//! Node's `events` module: the [`EventEmitter`], and the typed keys of every stream event.
//!
//! The emitter is the `nodestream-emitter` crate's, re-exported whole: string-named events,
//! typed payloads, `on`/`once`/`prepend*`, `newListener`/`removeListener`, and an `'error'`
//! that is never silently dropped. The keys below are the events the crate's streams emit,
//! gathered from the modules that emit them, so `use nodestream::events::{DATA, END}` finds
//! them all.
//!
//! Each key is an [`Event<T>`]: register with it (`w.on(DRAIN, |_| ..)`) and the payload
//! type is fixed. The string names work too (`w.emitter().on("drain", |_: &()| ..)`), which
//! is how user-defined events are reached.
//!
//! | key | Node event | payload | emitted by |
//! |---|---|---|---|
//! | [`DRAIN`], [`PREFINISH`], [`FINISH`] | `'drain'`, `'prefinish'`, `'finish'` | `()` | Writables |
//! | [`DATA`] | `'data'` | [`readable::Chunk`](crate::stream::readable::Chunk) (`T` on a `Readable<T>`) | Readables |
//! | [`END`], [`READABLE`], [`PAUSE`], [`RESUME`] | `'end'`, `'readable'`, `'pause'`, `'resume'` | `()` | Readables |
//! | [`PIPE`], [`UNPIPE`] | `'pipe'`, `'unpipe'` | the source [`Readable`](crate::stream::Readable) | a pipe's destination |
//! | [`OPEN`] | `'open'` | [`FdNumber`] | file streams |
//! | [`READY`] | `'ready'` | `()` | file streams, connected sockets |
//! | [`CLOSE`], [`ERROR`] | `'close'`, `'error'` | `()`, [`Error`](crate::Error) | every stream |
//! | [`FD`] | `'fd'` | [`PassedFd`](crate::net::PassedFd) | Unix sockets' readable side |
//! | [`CONNECTION`], [`LISTENING`] | `'connection'`, `'listening'` | [`Socket`](crate::net::Socket), `()` | servers |
//! | [`TIMEOUT`], [`LOOKUP`] | `'timeout'`, `'lookup'` | `()`, [`Lookup`](crate::net::Lookup) | sockets |
//!
//! # Examples
//!
//! ```
//! use nodestream::events::{Event, EventEmitter};
//!
//! const GREET: Event<String> = Event::new("greet");
//!
//! let emitter = EventEmitter::new();
//! emitter.on(GREET, |name: &String| println!("hello, {name}"));
//! emitter.once("done", |n: &u32| println!("done after {n}"));
//! emitter.emit(GREET, &"world".to_string());
//! assert!(emitter.emit("done", &1u32));
//! assert!(!emitter.emit("done", &2u32)); // once: gone after the first emit
//! ```

pub use nodestream_emitter::*;

pub use crate::net::{CONNECTION, FD, LISTENING, LOOKUP, TIMEOUT};
#[cfg(feature = "futures")]
pub use crate::stream::futures::once::{once, Once};
pub use crate::stream::lifecycle::{FdNumber, CLOSE, ERROR, OPEN, READY};
pub use crate::stream::readable::{DATA, END, PAUSE, PIPE, READABLE, RESUME, UNPIPE};
pub use crate::stream::writable::{DRAIN, FINISH, PREFINISH};

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::{PIPE, UNPIPE};
    use crate::stream::readable::{Readable, ReadableOptions};
    use crate::stream::writable::{Chunk, Sink, WriteCallback};
    use crate::{EventLoop, Writable, WritableOptions};

    struct Discard;

    impl Sink for Discard {
        fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
            cb.ok();
        }
    }

    fn source(lp: &EventLoop) -> Readable {
        Readable::new(
            &lp.handle(),
            ReadableOptions::default(),
            |_: &Readable, _| {},
        )
    }

    /// Regression: `events::PIPE` was `Event<EventEmitter>` while `pipe()` emitted an
    /// `Event<Readable>` of the same name, so listeners registered with `events::PIPE` were
    /// skipped as a payload-type mismatch and never ran.
    #[test]
    fn pipe_and_unpipe_listeners_on_events_keys_get_the_source() {
        let lp = EventLoop::new().unwrap();
        let w = Writable::new(&lp.handle(), Discard, WritableOptions::new());
        let (src, other) = (source(&lp), source(&lp));
        let seen = Rc::new(RefCell::new(Vec::new()));
        for (key, name) in [(PIPE, "pipe"), (UNPIPE, "unpipe")] {
            let (seen, src, other) = (seen.clone(), src.downgrade(), other.downgrade());
            w.on(key, move |r: &Readable| {
                let who = if src.upgrade().as_ref() == Some(r) {
                    "src"
                } else if other.upgrade().as_ref() == Some(r) {
                    "other"
                } else {
                    "unknown"
                };
                seen.borrow_mut().push(format!("{name} {who}"));
            });
        }
        src.pipe(&w);
        other.pipe(&w);
        src.unpipe(None);
        src.push(None);
        other.push(None);
        lp.run().unwrap();
        assert_eq!(
            *seen.borrow(),
            ["pipe src", "pipe other", "unpipe src", "unpipe other"]
        );
    }
}

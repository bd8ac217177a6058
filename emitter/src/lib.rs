//! Node.js's EventEmitter for Rust: string-named events, typed payloads, re-entrant.
//!
//! An [`EventEmitter`] carries any number of events, each named by a string (any string,
//! not a closed set) and each with its own payload type. Listeners are `Fn(&T)` closures
//! named by a [`ListenerId`]. Behaviour follows Node v20's `events.js`: call order, `once`,
//! `prepend*`, the `newListener`/`removeListener` meta events, the snapshot rule during an
//! emit, the max-listeners warning, and `'error'` that is never silently dropped.
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use nodestream_emitter::{Event, EventEmitter};
//!
//! // A typed key reads as Node's name and fixes the payload type.
//! const DATA: Event<Vec<u8>> = Event::new("data");
//!
//! let em = EventEmitter::new();
//! let total = Rc::new(Cell::new(0));
//! let t = total.clone();
//! em.on(DATA, move |chunk| t.set(t.get() + chunk.len()));
//!
//! // Plain names work too; the payload type comes from the listener.
//! em.once("end", |code: &i32| assert_eq!(*code, 0));
//!
//! em.emit(DATA, &b"abc".to_vec());
//! // The fast path: resolve the key once, then emit without hashing or allocating.
//! let data = em.key(DATA);
//! em.emit(&data, &b"de".to_vec());
//! assert!(em.emit("end", &0));
//! assert!(!em.emit("end", &0)); // a `once` listener runs once
//! assert_eq!(total.get(), 5);
//!
//! // An 'error' nobody handles comes back to the caller.
//! assert!(em.emit_error(std::io::Error::other("boom")).is_err());
//! ```
//!
//! See the [`EventEmitter`] docs for re-entrancy, panics, and where this differs from Node.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations, rust_2018_idioms)]

// The handle first, then its methods by job, in the order rustdoc shows them; a comment on
// each line keeps rustfmt from sorting them.
//
// The handle: its shared state, keys, and the queries.
mod emitter;
// `on`, `once`, `prepend*`; `newListener`; the max-listeners warning.
mod add;
// `off`, `remove_all_listeners`; `removeListener`.
mod remove;
// `emit`: the key fast path, the name cache, the name lookup, the snapshot walk.
mod emit;
// `'error'`: `errorMonitor` first, `Unhandled` when no listener ran.
mod error;
// The events an emitter declares, and the check of listeners against them.
mod declared;

mod entry;
mod event;
mod fxhash;
mod hot;
mod listeners;
mod mirror;
pub mod names;
#[cfg(test)]
mod testing;

pub use declared::EventDecl;
pub use emitter::{EventEmitter, WeakEmitter, DEFAULT_MAX_LISTENERS};
pub use error::Unhandled;
#[doc(hidden)]
pub use event::__private;
pub use event::{
    Event, EventKey, EventName, IntoEvent, ListenerEvent, NEW_LISTENER, REMOVE_LISTENER,
};
pub use listeners::ListenerId;

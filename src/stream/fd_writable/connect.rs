//! A socket that is still connecting: what it holds back until the connect is decided
//! ([`Parked`]), the decision ([`Core::connected`]: the parked write, `'connect'` and
//! `'ready'`, or the error), and failures the reading side learns first.

use std::io;
use std::rc::Rc;

use super::Core;
use crate::error::Error;
use crate::stream::fd_reader::ReadGate;
use crate::stream::writable::{Chunk, FinalCallback, Kept, WeakWritable, WriteCallback};
use nodestream_emitter::EventEmitter;

/// What a connecting socket holds back until the connect is decided.
#[derive(Default)]
pub(super) struct Parked {
    pub(super) write: Option<(Vec<Chunk>, Kept<WriteCallback>)>,
    pub(super) final_cb: Option<Kept<FinalCallback>>,
    /// Where the connect goes, for Node's message of a failed one.
    pub(super) target: Option<std::net::SocketAddr>,
    /// The socket's reading side, which reads once this is dropped.
    pub(super) reader: Option<ReadGate>,
}

impl Core {
    /// A connect was decided: perform what waited for it, then emit `'connect'` and
    /// `'ready'` (Node's order: the parked write runs in an internal `'connect'` listener
    /// registered before any of the user's).
    pub(super) fn connected(self: &Rc<Self>, err: Option<io::Error>) {
        let Some(parked) = self.connecting.borrow_mut().take() else {
            return;
        };
        if let Some(fd) = self.fd.borrow().as_ref() {
            // Node's `afterConnect` refreshes the idle timer.
            fd.note_active();
        }
        let emitter = self
            .writable
            .borrow()
            .as_ref()
            .and_then(WeakWritable::upgrade)
            .map(|w| w.emitter());
        match err {
            Some(err) => {
                let err = match parked.target {
                    Some(addr) => Error::connect_failed(err, addr),
                    None => Error::syscall_failed(err, "connect"),
                };
                if let Some((_, cb)) = parked.write {
                    if let Some(cb) = cb.take() {
                        cb.error(err);
                    }
                } else if let Some(cb) = parked.final_cb {
                    if let Some(cb) = cb.take() {
                        cb.error(err);
                    }
                } else {
                    // Nothing pending that could carry it: destroy the stream with it.
                    let hook = self.on_fail.borrow().clone();
                    if let Some(hook) = hook {
                        hook(Some(err));
                    }
                }
            }
            None => {
                if let Some((chunks, Some(cb))) = parked.write.map(|(c, cb)| (c, cb.take())) {
                    // Node performs the parked write inside its own 'connect' listener,
                    // before the user's: at once, not at the end of the tick.
                    self.start(chunks.into_iter(), cb, false);
                }
                let rest = (parked.final_cb.and_then(Kept::take), parked.reader);
                self.after_connect(emitter, 0, rest);
            }
        }
    }

    /// The rest of a connect that succeeded, from step `from`: `'connect'`, `'ready'`, then
    /// the reading side starts (Node's `afterConnect` calls `read(0)` after both), then the
    /// parked `_final`. A panicking listener leaves the steps after it to the next tick.
    fn after_connect(
        self: &Rc<Self>,
        emitter: Option<EventEmitter>,
        from: u8,
        rest: (Option<FinalCallback>, Option<ReadGate>),
    ) {
        let mut rest = rest;
        if let Some(em) = &emitter {
            let events = [
                nodestream_emitter::names::CONNECT,
                nodestream_emitter::names::READY,
            ];
            for (step, name) in events.into_iter().enumerate().skip(from as usize) {
                self.lp.owing_with(
                    &mut rest,
                    |_| em.emit(name, &()),
                    |rest| {
                        let (me, em, rest) = (self.clone(), emitter.clone(), std::mem::take(rest));
                        move || me.after_connect(em, step as u8 + 1, rest)
                    },
                );
            }
        }
        let (final_cb, reader) = rest;
        drop(reader);
        if let Some(cb) = final_cb {
            self.finalize(cb);
        }
    }
}

impl Core {
    /// Names where a connect in progress goes, for the error if it fails.
    pub(crate) fn connecting_to(&self, addr: std::net::SocketAddr) {
        if let Some(parked) = self.connecting.borrow_mut().as_mut() {
            parked.target = Some(addr);
        }
    }

    /// Holds the socket's reading side until the connect is decided (or the stream is
    /// destroyed first); without a connect in progress it reads at once.
    pub(crate) fn hold_reader(&self, gate: ReadGate) {
        if let Some(parked) = self.connecting.borrow_mut().as_mut() {
            parked.reader = Some(gate);
        }
    }
}

impl Core {
    /// Starts the connect of a socket made connecting but not yet aimed (its address was
    /// being looked up): a nonblocking `connect` to `addr`, decided by readiness as any
    /// other; a connect that fails at once is decided here.
    pub(crate) fn connect_to(self: &Rc<Self>, addr: std::net::SocketAddr) {
        self.connecting_to(addr);
        let started = self.with_fd(|fd| crate::sys::socket::start_connect(fd, addr));
        match started {
            Some(Ok(())) | None => {}
            Some(Err(err)) => self.connected(Some(err)),
        }
    }
}

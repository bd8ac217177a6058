//! A Readable over a file descriptor: a pipe, socket or character device registered with
//! the loop and read through the crate's nonblocking fd funnel.
//!
//! The model is libuv's stream reading under Node's `net.Socket`: the stream starts reading
//! when it is made (Node's `socket.read(0)`), each read's bytes are pushed as one chunk, a
//! `push` that returns `false` stops reading (`readStop`) until the stream asks again
//! (`_read`, `readStart`), end of file pushes the end and calls `read(0)` (Node's
//! `onStreamRead`, so a stream nobody reads still ends and closes), and a read error
//! destroys the stream with that error. At most [`IO_BUDGET`] reads happen per loop turn;
//! then the loop calls again on its next turn, so one busy fd cannot starve the others.

use std::cell::{Cell, OnceCell, RefCell};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::{Rc, Weak};

use bytes::Bytes;
use nodestream_emitter::EventEmitter;

use super::readable::{DestroyDone, Readable, ReadableOptions, Source, WeakReadable};
use super::shared_fd::{Ready, SharedFd};
use crate::reactor::{HoldId, LoopHandle, PostAction, IO_BUDGET};
use crate::sys::{
    read_until_blocked, set_nonblocking, with_read_buffer, FdKind, ReadStop, StreamFd,
};
use crate::Error;

use crate::error::FdError;

/// What differs between the crate's fd readers: how one read is made and how its yield is
/// handed out. [`FdReader`] does the rest (the loop registration, reading and backpressure,
/// end of file, errors and the re-reads on later turns), once for all of them.
pub(crate) trait FdPump: 'static {
    /// What a read brings besides its bytes (received descriptors, say).
    type Extra: 'static;

    /// One read of `fd`. The fd stays borrowed meanwhile, so this runs no user code.
    fn read_once(&self, fd: BorrowedFd<'_>) -> Step<Self::Extra>;

    /// Hands out what came with a read's bytes, before they are pushed (this may run
    /// listeners), taking each item out of `extra` as it goes: if a listener panics, what
    /// is left is handed out on the next tick, then the bytes. `Err` is the error that
    /// destroys the stream (the bytes are not pushed then).
    fn deliver(&self, stream: &Readable, extra: &mut Self::Extra) -> Result<(), Error>;

    /// The fd was closed (the stream is being destroyed).
    fn closed(&self) {}
}

/// A read's bytes and what came with them, on their way to the stream.
struct Yield<X> {
    bytes: Bytes,
    extra: X,
}

/// The outcome of one [`FdPump::read_once`].
pub(crate) enum Step<X> {
    /// Bytes (perhaps none, when `X` carries something) and what came with them.
    Data(Bytes, X),
    /// Nothing more to read now: wait for readable readiness.
    WouldBlock,
    /// End of file.
    Eof,
    /// The read failed: the stream is destroyed with this error.
    Failed(Error),
}

/// The [`Source`] of an fd-backed Readable, shared with its loop registration: libuv's
/// stream reading, with `P` making each read.
pub(crate) struct FdReader<P> {
    /// Itself, for the check-phase retries it schedules.
    me: Weak<FdReader<P>>,
    /// This side's share of the fd (a socket's writing side holds the other), until the
    /// stream is destroyed.
    fd: RefCell<Option<SharedFd>>,
    /// The stream this is the source of (for the readiness, which reaches it weakly).
    stream: OnceCell<WeakReadable>,
    /// The loop's hold on the stream while it has its fd: the registration reaches the
    /// stream weakly, and the loop keeps it alive, as a libuv handle keeps its socket
    /// object alive until it is closed.
    hold: Cell<Option<HoldId>>,
    /// libuv's "reading started": the stream asked for data and did not push back.
    reading: Cell<bool>,
    /// A readiness edge may not have been drained to `WouldBlock` yet.
    maybe_ready: Cell<bool>,
    /// A read attempt is queued on the loop.
    scheduled: Cell<bool>,
    eof: Cell<bool>,
    /// The socket is still connecting: no read until its [`ReadGate`] opens (Node's
    /// `Socket._read` waits for `'connect'`), so a read never takes a failed connect's
    /// error from under the writing side, which reports it.
    held: Cell<bool>,
    pump: P,
}

/// Holds a connecting socket's reader back until the connect is decided; dropping it lets
/// the reader read (at once, in the check phase, in case an edge came meanwhile).
pub(crate) struct ReadGate(Option<Box<dyn FnOnce()>>);

impl Drop for ReadGate {
    fn drop(&mut self) {
        if let Some(open) = self.0.take() {
            open();
        }
    }
}

impl<P: FdPump> FdReader<P> {
    /// A Readable reading the fd of the reading side's share `fd` (already nonblocking, or
    /// a socket read with `MSG_DONTWAIT`) through `pump`, read from at once, as Node's
    /// `net.Socket` does.
    pub(crate) fn readable(
        lp: &LoopHandle,
        options: ReadableOptions,
        fd: SharedFd,
        pump: P,
    ) -> Readable {
        Self::make(lp, options, fd, pump, false, None).0
    }

    /// [`readable`](FdReader::readable) on a given emitter (a socket's, shared by its two
    /// sides), or its own.
    pub(crate) fn readable_on(
        lp: &LoopHandle,
        options: ReadableOptions,
        fd: SharedFd,
        pump: P,
        emitter: Option<EventEmitter>,
    ) -> Readable {
        Self::make(lp, options, fd, pump, false, emitter).0
    }

    /// [`readable`](FdReader::readable) for a socket that is still connecting: it reads
    /// nothing until the [`ReadGate`] is dropped.
    pub(crate) fn held(
        lp: &LoopHandle,
        options: ReadableOptions,
        fd: SharedFd,
        pump: P,
        emitter: Option<EventEmitter>,
    ) -> (Readable, ReadGate) {
        let (stream, state) = Self::make(lp, options, fd, pump, true, emitter);
        let weak = stream.downgrade();
        let gate = ReadGate(Some(Box::new(move || {
            state.held.set(false);
            if let Some(stream) = weak.upgrade() {
                if state.reading.get() {
                    state.maybe_ready.set(true);
                    state.schedule_kick(&stream);
                }
            }
        })));
        (stream, gate)
    }

    fn make(
        lp: &LoopHandle,
        options: ReadableOptions,
        fd: SharedFd,
        pump: P,
        held: bool,
        emitter: Option<EventEmitter>,
    ) -> (Readable, Rc<Self>) {
        let state = Rc::new_cyclic(|me| FdReader {
            me: me.clone(),
            fd: RefCell::new(None),
            stream: OnceCell::new(),
            hold: Cell::new(None),
            reading: Cell::new(false),
            maybe_ready: Cell::new(false),
            scheduled: Cell::new(false),
            eof: Cell::new(false),
            held: Cell::new(held),
            pump,
        });
        let stream = match emitter {
            Some(emitter) => Readable::with_source_on(lp, options, state.clone(), emitter),
            None => Readable::with_source(lp, options, state.clone()),
        };
        let _ = state.stream.set(stream.downgrade());
        state.hold.set(lp.hold(stream.holdable()));
        fd.on_ready(&state);
        *state.fd.borrow_mut() = Some(fd);
        // Node's net.Socket starts reading when it is made.
        let _ = stream.read_size(0);
        (stream, state)
    }

    fn set_reading(&self, on: bool) {
        self.reading.set(on);
        if let Some(fd) = self.fd.borrow().as_ref() {
            // Like a libuv handle, the fd keeps the loop alive only while it is reading (or
            // while the socket's writing side has a write in flight).
            fd.set_ref(on);
        }
    }

    /// Reads and pushes until `WouldBlock`, the end, an error, backpressure or the budget.
    fn pump(&self, stream: &Readable) -> PostAction {
        for _ in 0..IO_BUDGET {
            // (Never reached while `held`: the readiness callback and `read` check it.)
            if !self.reading.get() || self.eof.get() {
                return PostAction::Continue;
            }
            let step = {
                let fd = self.fd.borrow();
                let Some(fd) = fd.as_ref() else {
                    return PostAction::Continue;
                };
                let step = self.pump.read_once(fd.as_fd());
                if let Step::Data(bytes, _) = &step {
                    fd.note_read(bytes.len());
                }
                step
            };
            // No borrow is held from here on: deliver and push run listeners.
            match step {
                Step::Data(bytes, extra) => {
                    if !self.hand_out(stream, Yield { bytes, extra }) {
                        return PostAction::Continue;
                    }
                }
                Step::WouldBlock => {
                    self.maybe_ready.set(false);
                    return PostAction::Continue;
                }
                Step::Eof => {
                    self.eof.set(true);
                    // Reading is over: like libuv's handle after EOF, the fd no longer keeps
                    // the loop alive, consumed or not.
                    self.set_reading(false);
                    self.maybe_ready.set(false);
                    // Node's onStreamRead: push the end, then read(0), so that 'end' comes
                    // on a stream nobody reads (when nothing is left buffered) and the
                    // stream closes; a socket's writable side then ends too.
                    stream.push(None);
                    let _ = stream.read_size(0);
                    return PostAction::Continue;
                }
                Step::Failed(err) => {
                    self.maybe_ready.set(false);
                    stream.destroy(Some(err));
                    return PostAction::Continue;
                }
            }
        }
        if self.reading.get() {
            PostAction::Again
        } else {
            PostAction::Continue
        }
    }

    /// Hands a read's yield to the stream: what came with the bytes, then the bytes.
    /// Returns `false` when the stream was destroyed with a delivery error.
    ///
    /// Listeners run here. If one panics, the rest of this yield is handed out on the next
    /// tick, before anything read later (the loop calls a source whose callback panicked
    /// again next turn, and a kick reschedules itself), so no byte or descriptor is lost.
    fn hand_out(&self, stream: &Readable, y: Yield<P::Extra>) -> bool {
        let mut y = Some(y);
        stream.loop_handle().owing_with(
            &mut y,
            |y| {
                let y = y.as_mut().expect("a yield to hand out");
                if let Err(err) = self.pump.deliver(stream, &mut y.extra) {
                    stream.destroy(Some(err));
                    return false;
                }
                let bytes = std::mem::take(&mut y.bytes);
                if !bytes.is_empty() && !stream.push(bytes) {
                    self.set_reading(false);
                    self.maybe_ready.set(true);
                }
                true
            },
            |y| {
                let (me, s, y) = (self.me.upgrade(), stream.clone(), y.take());
                move || {
                    if let (Some(me), Some(y)) = (me, y) {
                        if !s.destroyed() {
                            me.hand_out(&s, y);
                        }
                    }
                }
            },
        )
    }

    /// Lets go of the fd (once): deregistered and closed, unless a socket's writing side
    /// still holds it; and ends the loop's hold on the stream.
    fn close(&self, lp: &LoopHandle) {
        let fd = self.fd.borrow_mut().take();
        if let Some(Err(err)) = fd.map(SharedFd::close) {
            log::warn!("nodestream: closing a readable fd failed: {err}");
        }
        if let Some(hold) = self.hold.take() {
            lp.release(hold);
        }
        self.pump.closed();
    }

    /// Reads on a later turn (the check phase) without waiting for an edge; again while the
    /// budget keeps running out.
    fn schedule_kick(self: &Rc<Self>, stream: &Readable) {
        if self.scheduled.replace(true) {
            return;
        }
        let (st, s) = (self.clone(), stream.clone());
        stream.loop_handle().set_immediate(move || {
            st.scheduled.set(false);
            if st.reading.get() && st.maybe_ready.get() {
                // As the loop does for a source: a panic in a listener still leaves the
                // rest of the fd to read on a later turn.
                let again = s.loop_handle().owing(
                    || st.pump(&s),
                    || {
                        let (st, s) = (st.clone(), s.clone());
                        move || st.schedule_kick(&s)
                    },
                );
                if again == PostAction::Again {
                    st.schedule_kick(&s);
                }
            }
        });
    }
}

impl<P: FdPump> Ready for FdReader<P> {
    fn ready(self: Rc<Self>) -> PostAction {
        let Some(stream) = self.stream.get().and_then(WeakReadable::upgrade) else {
            return PostAction::Continue;
        };
        if self.reading.get() && !self.held.get() {
            self.pump(&stream)
        } else {
            // Nobody asked (or still connecting): leave the bytes in the kernel
            // (backpressure to the writer).
            self.maybe_ready.set(true);
            PostAction::Continue
        }
    }
}

impl<P: FdPump> Source for FdReader<P> {
    fn read(&self, stream: &Readable, _size: usize) {
        if self.eof.get() || self.fd.borrow().is_none() {
            return;
        }
        self.set_reading(true);
        // Edge-triggered: data left over from an earlier edge brings no new one.
        if self.maybe_ready.get() && !self.held.get() {
            if let Some(st) = self.me.upgrade() {
                st.schedule_kick(stream);
            }
        }
    }

    fn destroy(&self, stream: &Readable, err: Option<Error>, done: DestroyDone) {
        self.close(stream.loop_handle());
        done.done(err);
    }
}

/// The pump of [`Readable::from_fd`]: plain reads (`recv` on a socket), one chunk each.
struct PlainRead {
    kind: FdKind,
}

impl FdPump for PlainRead {
    type Extra = ();

    fn read_once(&self, fd: BorrowedFd<'_>) -> Step<()> {
        // Read into the thread's shared buffer and copy out exactly what came: an idle
        // stream holds no buffer.
        with_read_buffer(|buf| {
            let mut chunk = None;
            let outcome = read_until_blocked(fd, self.kind, buf, 1, |b| {
                chunk = Some(Bytes::copy_from_slice(b))
            });
            match (chunk, outcome.stop) {
                // One read was the budget.
                (Some(chunk), _) => Step::Data(chunk, ()),
                (None, ReadStop::Budget | ReadStop::WouldBlock) => Step::WouldBlock,
                (None, ReadStop::Eof) => Step::Eof,
                (None, ReadStop::Error(err)) => Step::Failed(Error::syscall_failed(err, "read")),
            }
        })
    }

    fn deliver(&self, _stream: &Readable, _extra: &mut ()) -> Result<(), Error> {
        Ok(())
    }
}

impl Readable {
    /// A Readable over `fd`: a pipe, a socket or a character device. The fd is put in
    /// nonblocking mode (sockets are read with `MSG_DONTWAIT` and left as they are),
    /// registered with the loop, and read from at once, as Node's `net.Socket` does; the
    /// stream owns it and closes it when destroyed (after `'end'`, by default).
    ///
    /// # Errors
    ///
    /// The fd comes back inside [`FdError`] when it cannot be polled (a regular file:
    /// `EPERM`), when it is a terminal (its nonblocking flag is shared with other
    /// processes: not changed behind their back; `Unsupported`), when it is a socket that
    /// keeps message boundaries (`SOCK_SEQPACKET`, `SOCK_DGRAM`: `ERR_INVALID_FD_TYPE`, as
    /// Node's `new net.Socket({ fd })`, since a message longer than a read would be cut and
    /// an empty one would read as end of file), when the loop is gone (`NotConnected`), or
    /// when `fstat`/`fcntl`/`getsockopt` fail.
    ///
    /// # Events
    ///
    /// `'data'` with each read's bytes (up to 64 KiB), `'end'` at end of file, then
    /// `'close'` once the fd is closed. `'end'` comes even when nobody reads the stream,
    /// as long as nothing is left buffered (Node pushes the end and calls `read(0)`); bytes
    /// buffered that nobody reads hold it back, as in Node. A read error: `'error'` with
    /// its code (`ECONNRESET`, `EIO`, ...), then `'close'`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::stream::readable::{Chunk, Readable, ReadableOptions, DATA};
    /// use nodestream::EventLoop;
    ///
    /// let event_loop = EventLoop::new().unwrap();
    /// let mut child = std::process::Command::new("echo")
    ///     .arg("hello")
    ///     .stdout(std::process::Stdio::piped())
    ///     .spawn()
    ///     .unwrap();
    /// let out = std::os::fd::OwnedFd::from(child.stdout.take().unwrap());
    /// let r = Readable::from_fd(&event_loop.handle(), out, ReadableOptions::default()).unwrap();
    /// r.on(DATA, |c: &Chunk| print!("{}", String::from_utf8_lossy(c.as_bytes().unwrap())));
    /// event_loop.run().unwrap();
    /// child.wait().unwrap();
    /// ```
    pub fn from_fd(
        lp: &LoopHandle,
        fd: impl Into<OwnedFd>,
        options: ReadableOptions,
    ) -> Result<Readable, FdError> {
        let fd = fd.into();
        let kind = match StreamFd::of(&fd) {
            Ok(class) => class.kind,
            Err(error) => return Err(FdError::new(error, fd)),
        };
        if kind != FdKind::Socket {
            if rustix::termios::isatty(&fd) {
                return Err(FdError::new(
                    io::Error::new(
                        io::ErrorKind::Unsupported,
                        "a terminal's nonblocking flag is shared with other processes",
                    ),
                    fd,
                ));
            }
            if let Err(error) = set_nonblocking(&fd, true) {
                return Err(FdError::new(Error::syscall_failed(error, "fcntl"), fd));
            }
        }
        // For display only, in an error this stream leaves unhandled.
        let number = std::os::fd::AsRawFd::as_raw_fd(&fd);
        let fd = SharedFd::reading(lp, fd).map_err(|(error, fd)| FdError::new(error, fd))?;
        let r = FdReader::readable(lp, options, fd, PlainRead { kind });
        r.hooks()
            .name(crate::stream::lifecycle::StreamKind::FdReadable, number);
        Ok(r)
    }
}

impl Readable {
    /// A Readable over an fd of the crate's own that is already nonblocking: a description
    /// reopened for the process's stdin (a pipe or a terminal, which [`from_fd`] refuses or
    /// would switch for everyone who shares it).
    ///
    /// [`from_fd`]: Readable::from_fd
    pub(crate) fn from_own_nonblocking_fd(
        lp: &LoopHandle,
        fd: OwnedFd,
        kind: FdKind,
    ) -> Result<Readable, FdError> {
        let fd = SharedFd::reading(lp, fd).map_err(|(error, fd)| FdError::new(error, fd))?;
        Ok(FdReader::readable(
            lp,
            ReadableOptions::default(),
            fd,
            PlainRead { kind },
        ))
    }
}

/// The reading side of a TCP (or other non-Unix) socket over its share of the socket's
/// fd: [`Readable::from_fd`] for a socket, held behind a [`ReadGate`] while `connecting`.
pub(crate) fn socket_reader(
    lp: &LoopHandle,
    fd: SharedFd,
    options: ReadableOptions,
    connecting: bool,
    emitter: EventEmitter,
) -> (Readable, Option<ReadGate>) {
    let pump = PlainRead {
        kind: FdKind::Socket,
    };
    if connecting {
        let (r, gate) = FdReader::held(lp, options, fd, pump, Some(emitter));
        (r, Some(gate))
    } else {
        (
            FdReader::readable_on(lp, options, fd, pump, Some(emitter)),
            None,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use rustix::net::{socketpair, AddressFamily, SendFlags, SocketFlags, SocketType};

    use super::*;
    use crate::stream::readable::Chunk;
    use crate::EventLoop;

    /// At most 32 reads per fd per loop turn: two busy fds take turns. A seqpacket socket
    /// gives one message per read, so each fd needs 100 reads here. (Its message boundaries
    /// make the public constructors refuse it; the reader itself is driven here.)
    #[test]
    fn the_read_budget_makes_busy_fds_take_turns() {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let order = Rc::new(RefCell::new(String::new()));
        let mut streams = Vec::new();
        for label in ['a', 'b'] {
            let (rd, wr) = socketpair(
                AddressFamily::UNIX,
                SocketType::SEQPACKET,
                SocketFlags::CLOEXEC,
                None,
            )
            .unwrap();
            for _ in 0..100 {
                rustix::net::send(&wr, &[label as u8], SendFlags::empty()).unwrap();
            }
            drop(wr);
            let pump = PlainRead {
                kind: FdKind::Socket,
            };
            let rd = SharedFd::reading(&lp, rd).unwrap();
            let r = FdReader::readable(&lp, ReadableOptions::default(), rd, pump);
            let o = order.clone();
            r.on("data", move |c: &Chunk| {
                o.borrow_mut()
                    .push_str(std::str::from_utf8(c.as_bytes().unwrap()).unwrap())
            });
            streams.push(r);
        }
        el.run().unwrap();
        let order = order.borrow();
        assert_eq!(order.matches('a').count(), 100);
        assert_eq!(order.matches('b').count(), 100);
        // Runs of one fd's chunks while the other still had data: never longer than 32.
        let last_a = order.rfind('a').unwrap();
        let last_b = order.rfind('b').unwrap();
        let both_busy = &order[..last_a.min(last_b)];
        let mut longest = 0;
        let mut run = 0;
        let mut prev = ' ';
        for ch in both_busy.chars() {
            run = if ch == prev { run + 1 } else { 1 };
            prev = ch;
            longest = longest.max(run);
        }
        assert_eq!(longest, 32, "order: {order}");
        assert!(streams.iter().all(|r| r.readable_ended()));
    }
}

//! [`FdWritable`]: a Writable over a nonblocking fd (pipe, socket, tty, character device).
//!
//! The sink hands every batch the Writable gives it (`_write`/`_writev`) to the crate's fd
//! funnel ([`write_chunks`](crate::sys::write_chunks)): the chunks are coalesced into as
//! few `writev` calls as the kernel allows. What the kernel does not take at once waits for
//! writable readiness (the fd is registered with the loop, edge-triggered, for its whole
//! life: alone, or once for both sides of a socket, through a [`SharedFd`]); a funnel call
//! that used up its budget continues on the next turn. The sink completes the Writable's
//! write callback once the kernel has taken every byte of the batch, which is where
//! `'drain'` comes from.
//!
//! Batching: a one-chunk write into an idle stream waits for the end of the tick (a
//! next-tick task, `Core::flush`), so the writes made after it in the same tick wait in
//! the Writable's buffer and reach the kernel as one coalesced batch. The flush completes
//! the tick's writes in order before any later tick. When a high-water mark of writes has
//! gathered before the end of the tick, the Writable asks the sink to let go
//! ([`Sink::relieve`](crate::stream::writable::Sink::relieve), `Core::relieve`): the batch is
//! written then and there and completes synchronously, so `write()` keeps returning `true`
//! while the kernel takes the bytes, as Node's does. See `docs/fdstreams.md`.
//!
//! Chunks written with [`FdWritable::write_with_fds`] carry descriptors. Such a chunk starts
//! its own `sendmsg`, so its descriptors travel with its first byte (see the method docs).
//!
//! The parts, each an `impl` block of the shared [`Core`] (or of [`FdWritable`]):
//!
//! - `queue.rs`: the batch in flight and the descriptors waiting on its chunks;
//! - `pump.rs`: writing it to the fd, acting on the outcome, readiness;
//! - `batching.rs`: starting a batch, the end-of-tick flush, relief, write-ahead;
//! - `connect.rs`: a connecting socket's parked work, the connect's outcome;
//! - `sink.rs`: the Writable's sink: `_final` (shutdown) and `_destroy` (close);
//! - `write_with_fds.rs`: writing a chunk with descriptors attached.

mod batching;
mod connect;
mod pump;
mod queue;
mod sink;
mod write_with_fds;

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::ops::Deref;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::Rc;

use crate::error::Error;
use crate::reactor::LoopHandle;
use crate::stream::shared_fd::{SharedFd, Side};
use crate::stream::writable::{Kept, WeakWritable, Writable, WritableOptions, WriteCallback};
use crate::sys::{set_nonblocking, FdKind, StreamFd};
use nodestream_emitter::{EventDecl, EventEmitter};

use crate::error::FdError;

use connect::Parked;
use queue::Queue;

/// The events of an [`FdWritable`]: the Writable's, and a socket's `'connect'` and `'ready'`.
static EVENTS: [&[EventDecl]; 2] = [
    &crate::stream::writable::EVENTS,
    &[
        EventDecl::new::<()>(nodestream_emitter::names::CONNECT),
        crate::stream::lifecycle::READY.declared(),
    ],
];

/// Destroys the stream (with an error, or without when the other side has it).
type FailHook = Rc<dyn Fn(Option<Error>)>;

/// The state the sink, the loop registration and the public handle share.
pub(crate) struct Core {
    lp: LoopHandle,
    /// This side's share of the fd (a socket's reading side holds the other), until the
    /// stream is destroyed.
    fd: RefCell<Option<SharedFd>>,
    kind: FdKind,
    /// A Unix socket: the only kind that carries descriptors.
    unix: bool,
    /// Registered with the loop (all but a regular file).
    polled: bool,
    queue: RefCell<Queue>,
    kick_scheduled: Cell<bool>,
    /// A one-chunk batch waits for the end of the tick (see [`Core::start`]).
    flush_scheduled: Cell<bool>,
    /// Bumped when [`Core::relieve`] writes the held batch early: a flush task queued
    /// before then is stale (the next write queues a new one, after the ticks that carry
    /// the relieved writes' callbacks, so callbacks keep write order).
    flush_epoch: Cell<u32>,
    /// The Writable's high-water mark: a chunk this large is written at once.
    high_water_mark: Cell<usize>,
    /// The flush is completing a batch: the next batch the sink receives is the Writable's
    /// buffer being handed over (Node's `clearBuffer`), written at once.
    handover: Cell<bool>,
    /// A batch the flush wrote whose completion waits until the completion that handed it
    /// over has returned (`None`: success).
    settled: Cell<Option<(Kept<WriteCallback>, Option<Error>)>>,
    /// `Some` while a TCP or Unix connect is in progress.
    connecting: RefCell<Option<Box<Parked>>>,
    /// The stream: its emitter for `'connect'`/`'ready'`, and its buffer for the flush
    /// (see [`Core::write_ahead`]).
    writable: RefCell<Option<WeakWritable>>,
    /// Bytes at the front of the next batches that [`Core::write_ahead`] wrote already.
    prewritten: Cell<usize>,
    /// Shut the socket's write side down in `_final` (sockets only).
    shutdown_on_final: bool,
    /// The user's `emit_close`: the stream emits `'close'` itself, in the close phase (the
    /// Writable is made with `emit_close: false`).
    emit_close: bool,
    /// Destroys the stream with an error nothing else can carry (a failed connect with no
    /// write pending). Reaches the stream weakly, as everything the core keeps does: the
    /// stream owns the core. Cleared when the fd is closed.
    on_fail: RefCell<Option<FailHook>>,
    /// What the resource made of this stream keeps as long as the stream lives (a
    /// socket's addresses, counts and idle timer), reached by its weak handles.
    attached: RefCell<Option<Rc<dyn std::any::Any>>>,
}

impl Core {
    /// Counts `n` bytes handed to the sink (Node's `_bytesDispatched`).
    fn note_dispatch(&self, n: usize) {
        if let Some(fd) = self.fd.borrow().as_ref() {
            fd.note_dispatch(n);
        }
    }

    /// Keeps `value` as long as this stream lives.
    pub(crate) fn attach(&self, value: Rc<dyn std::any::Any>) {
        *self.attached.borrow_mut() = Some(value);
    }

    fn with_fd<R>(&self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> Option<R> {
        self.fd.borrow().as_ref().map(|fd| f(fd.as_fd()))
    }
}

// Declared here, beside `Core`, though its `Sink` impl is in `sink.rs`: rustc puts a
// method's code in the codegen unit of its self type's module, so the sink's methods share
// a unit with `Core`'s, and `Core::start` (the write path) still inlines into `write`.
/// The [`Sink`] of an [`FdWritable`].
struct FdSink {
    core: Rc<Core>,
}

/// A Writable over a nonblocking file descriptor: a pipe, a socket, a terminal or a
/// character device. Dereferences to its [`Writable`], whose whole API it has.
///
/// # Events
///
/// The Writable's: `'drain'`, `'finish'`, `'close'`, `'error'`. A write the kernel refuses
/// (`EPIPE` when the reader is gone, `ECONNRESET`) fails the write's callback and every
/// buffered one with that error, then `'error'` (code `EPIPE`, ...), then `'close'`. The
/// process never gets `SIGPIPE` (see the fd funnel). Sockets made by
/// [`connect_tcp`](crate::net::connect_tcp)/[`connect_unix`](crate::net::connect_unix) also emit
/// `'connect'` then `'ready'`.
///
/// `'close'` comes in the loop's close phase, as a Node socket's comes from its handle's
/// close callback. [`destroy`](Writable::destroy) with writes pending, in Node's order:
/// `'error'` (for `destroy(err)`) on the next tick; then, in the close phase, the write in
/// flight's callback with `null` (the kernel was given it: Node's `onWriteComplete` tells a
/// destroyed stream `null`), the buffered writes' and the end callbacks with the error (or
/// `ERR_STREAM_DESTROYED`), and `'close'`. A socket destroyed while connecting fails the
/// write it held for the connection with `ERR_SOCKET_CLOSED_BEFORE_CONNECTION` instead.
///
/// # Node compatibility
///
/// Like a `net.Socket`'s writable side: a write's callback, and `'drain'`, come once the
/// kernel has taken its last byte (or with the error). Where Node hands a write to an idle
/// stream to the kernel inside `write()`, this stream does so when a high-water mark of
/// writes has gathered, or at the end of the tick, so that those writes reach the kernel
/// together (one `writev`): their callbacks still run in write order, on the ticks Node
/// runs them on, and `write()` returns `false` only once the kernel refuses bytes, as in
/// Node. What differs: the bytes of the last writes of a tick are not in the kernel while
/// `write()` returns (they count in `writable_length()` until the end of the tick), and
/// when the kernel refuses part of a batch, the whole batch counts as buffered, so
/// `write()` reports backpressure up to a high-water mark sooner than Node. A chunk of a
/// high-water mark or more is written at once. `destroy()` in the tick of writes first
/// hands them to the kernel, as Node's `write()` would have, and their callbacks (`null`)
/// run inside `destroy()`, where Node runs them on ticks queued by `write()` (the order
/// with later ticks and events is Node's). Node fails a connecting socket's parked write
/// from a `'close'` listener it adds at the first write, so a `'close'` listener added
/// before that write runs before the callbacks there; here the callbacks always come
/// just before `'close'`. `end()` on a socket shuts its write side down
/// (`shutdown(SHUT_WR)`, the peer reads end of file) before `'finish'`; the fd is closed
/// when the stream is destroyed (after `'finish'`, by default).
///
/// A write in flight keeps the stream alive, as in Node, even when every handle is dropped:
/// the loop holds it until the kernel has taken the bytes (or the loop is dropped). A
/// stream with nothing in flight whose handles are all dropped is freed and its fd closed,
/// without `'close'` (Node keeps such a handle open until it is destroyed or the process
/// exits).
#[derive(Clone)]
pub struct FdWritable {
    writable: Writable,
    core: Rc<Core>,
}

/// A handle that does not keep its [`FdWritable`] alive (see [`FdWritable::downgrade`]).
#[derive(Clone)]
pub struct WeakFdWritable {
    writable: crate::stream::writable::WeakWritable,
    core: std::rc::Weak<Core>,
}

impl WeakFdWritable {
    /// The stream, if a strong handle to it is still alive.
    pub fn upgrade(&self) -> Option<FdWritable> {
        Some(FdWritable {
            writable: self.writable.upgrade()?,
            core: self.core.upgrade()?,
        })
    }
}

impl fmt::Debug for WeakFdWritable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakFdWritable").finish_non_exhaustive()
    }
}

impl fmt::Debug for FdWritable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FdWritable")
            .field("kind", &self.core.kind)
            .field("writable", &self.writable)
            .finish()
    }
}

impl Deref for FdWritable {
    type Target = Writable;

    fn deref(&self) -> &Writable {
        &self.writable
    }
}

crate::stream::pipe_writable::pipe_into_its_writable!(FdWritable);

/// How an [`FdWritable`] is made (internal).
pub(crate) struct Setup {
    pub(crate) connecting: bool,
    /// Leave the fd's blocking mode alone (stdio sockets written with `MSG_DONTWAIT`).
    pub(crate) keep_mode: bool,
    /// A regular file (stdout redirected to one): never registered with the loop, since
    /// epoll refuses files and a file never says `EAGAIN`; written through the funnel all
    /// the same, batched as a pipe is.
    pub(crate) unpolled: bool,
}

impl FdWritable {
    /// A Writable over `fd`, which the stream takes over: put in nonblocking mode (sockets
    /// are written with `MSG_DONTWAIT` and need not be), registered with the loop, and
    /// closed when the stream is destroyed.
    ///
    /// # Errors
    ///
    /// The fd comes back inside [`FdError`] when it cannot be polled (a regular file or a
    /// directory: `EPERM`; use [`create_write_stream`](crate::fs::create_write_stream) for
    /// files), when it is a terminal (its nonblocking flag is shared with every process
    /// on it; use [`stdout`](crate::process::stdout)), when it is a socket that keeps
    /// message boundaries (`SOCK_SEQPACKET`, `SOCK_DGRAM`: `ERR_INVALID_FD_TYPE`, as Node's
    /// `new net.Socket({ fd })`), when the loop is gone (`NotConnected`), or when
    /// `fstat`/`fcntl`/`getsockopt` fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::stream::FdWritable;
    /// use nodestream::{EventLoop, WritableOptions};
    ///
    /// let lp = EventLoop::new()?;
    /// let (r, w) = rustix::pipe::pipe()?;
    /// let out = FdWritable::new(&lp.handle(), w, WritableOptions::new()).unwrap();
    /// out.end_with("hello");
    /// lp.run().unwrap();
    /// let mut got = String::new();
    /// std::io::Read::read_to_string(&mut std::fs::File::from(r), &mut got)?;
    /// assert_eq!(got, "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        lp: &LoopHandle,
        fd: impl Into<OwnedFd>,
        opts: WritableOptions,
    ) -> Result<FdWritable, FdError> {
        FdWritable::with_setup(
            lp,
            fd.into(),
            opts,
            Setup {
                connecting: false,
                keep_mode: false,
                unpolled: false,
            },
        )
    }

    pub(crate) fn with_setup(
        lp: &LoopHandle,
        fd: OwnedFd,
        opts: WritableOptions,
        setup: Setup,
    ) -> Result<FdWritable, FdError> {
        let class = match StreamFd::of(&fd) {
            Ok(class) => class,
            Err(error) => return Err(FdError::new(error, fd)),
        };
        // For display only, in an error this stream leaves unhandled.
        let number = std::os::fd::AsRawFd::as_raw_fd(&fd);
        if class.kind != FdKind::Socket {
            if rustix::termios::isatty(&fd) {
                return Err(FdError::new(
                    io::Error::new(
                        io::ErrorKind::Unsupported,
                        "a terminal's nonblocking flag is shared with other processes",
                    ),
                    fd,
                ));
            }
            if !setup.keep_mode {
                if let Err(error) = set_nonblocking(&fd, true) {
                    return Err(FdError::new(Error::syscall_failed(error, "fcntl"), fd));
                }
            }
        }
        let share = if setup.unpolled {
            SharedFd::unpolled(lp, fd, Side::Write)
        } else {
            SharedFd::writing(lp, fd).map_err(|(error, fd)| FdError::new(error, fd))?
        };
        let w = FdWritable::on_share(lp, share, class, opts, setup.connecting, None);
        w.as_writable()
            .hooks()
            .name(crate::stream::lifecycle::StreamKind::FdWritable, number);
        Ok(w)
    }

    /// A Writable over the writing side's share of an fd classified as `class` (see
    /// [`StreamFd::of`]), already in the mode it must be in.
    pub(crate) fn on_share(
        lp: &LoopHandle,
        share: SharedFd,
        class: StreamFd,
        opts: WritableOptions,
        connecting: bool,
        emitter: Option<EventEmitter>,
    ) -> FdWritable {
        let StreamFd { kind, unix } = class;
        let core = Rc::new(Core {
            lp: lp.clone(),
            fd: RefCell::new(None),
            kind,
            unix,
            polled: share.is_polled(),
            queue: RefCell::new(Queue::default()),
            kick_scheduled: Cell::new(false),
            flush_scheduled: Cell::new(false),
            flush_epoch: Cell::new(0),
            high_water_mark: Cell::new(0),
            handover: Cell::new(false),
            settled: Cell::new(None),
            connecting: RefCell::new(connecting.then(Box::default)),
            writable: RefCell::new(None),
            prewritten: Cell::new(0),
            shutdown_on_final: kind == FdKind::Socket,
            emit_close: opts.emit_close,
            on_fail: RefCell::new(None),
            attached: RefCell::new(None),
        });
        // Reached weakly: the stream owns the core, never the other way round.
        share.on_ready(&core);
        // Idle, the fd does not keep the loop alive; a write in flight (or a connect) does.
        share.set_ref(connecting);
        *core.fd.borrow_mut() = Some(share);
        FdWritable::finish(lp, core, opts, emitter)
    }

    /// The Writable over `core`, whose fd is in place, on `emitter` (a socket's, shared by
    /// its two sides, which declares the events of both) or its own.
    fn finish(
        lp: &LoopHandle,
        core: Rc<Core>,
        opts: WritableOptions,
        emitter: Option<EventEmitter>,
    ) -> FdWritable {
        // Node's net.Socket is made with emitClose: false and emits 'close' from its
        // handle's close callback; so does this stream (see `FdSink::destroy`).
        let sink = FdSink { core: core.clone() };
        let opts = opts.emit_close(false);
        let shared = emitter.is_some();
        let writable = match emitter {
            Some(emitter) => Writable::new_on(lp, sink, opts, emitter),
            None => Writable::new(lp, sink, opts),
        };
        // The sink holds a write into an idle stream until the end of the tick: the stream
        // asks it to let go when that would make write() return false, and before destroy.
        let c = core.clone();
        writable.set_relieve(move || c.relieve());
        if !shared {
            writable.emitter().declare_events(&EVENTS);
        }
        core.high_water_mark
            .set(writable.writable_high_water_mark());
        *core.writable.borrow_mut() = Some(writable.downgrade());
        if core.kind == FdKind::Socket {
            let w = writable.downgrade();
            *core.on_fail.borrow_mut() = Some(Rc::new(move |err| {
                if let Some(w) = w.upgrade() {
                    w.destroy(err);
                }
            }));
        }
        FdWritable { writable, core }
    }

    /// A handle that does not keep the stream alive: for a listener of the stream's own
    /// events (a strong handle there is a cycle, which keeps the stream and its fd alive).
    pub fn downgrade(&self) -> WeakFdWritable {
        WeakFdWritable {
            writable: self.writable.downgrade(),
            core: Rc::downgrade(&self.core),
        }
    }

    /// The Writable (also reachable through `Deref`).
    pub fn as_writable(&self) -> &Writable {
        &self.writable
    }

    /// The stream's emitter.
    pub fn emitter(&self) -> EventEmitter {
        self.writable.emitter()
    }

    /// Whether a connect is in progress (Node's `socket.connecting`): writes and `end()`
    /// wait for it; `false` once `'connect'` is emitted or the connect failed.
    pub fn connecting(&self) -> bool {
        self.core.connecting.borrow().is_some()
    }

    /// Whether the fd is a socket (written with `sendmsg`, `end()` shuts it down).
    pub fn is_socket(&self) -> bool {
        self.core.kind == FdKind::Socket
    }

    pub(crate) fn core(&self) -> &Rc<Core> {
        &self.core
    }

    /// Calls `f` with the fd, while the stream still has it (until it is destroyed).
    pub fn with_fd<R>(&self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> Option<R> {
        self.core.with_fd(f)
    }

    /// The peer's credentials (`SO_PEERCRED`) of a Unix socket stream.
    ///
    /// # Errors
    ///
    /// `EBADF` once the stream is destroyed; `ENOTSOCK`/`EOPNOTSUPP` on an fd that is no
    /// Unix socket.
    pub fn peer_credentials(&self) -> Result<crate::fdpass::Credentials, crate::Error> {
        let got = self
            .core
            .with_fd(|fd| crate::fdpass::peer_credentials(fd))
            .unwrap_or_else(|| {
                Err(io::Error::from_raw_os_error(
                    rustix::io::Errno::BADF.raw_os_error(),
                ))
            });
        got.map_err(|e| crate::Error::syscall_failed(e, "getsockopt"))
    }
}

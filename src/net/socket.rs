//! TCP and Unix stream sockets as a Writable and a Readable over one connection.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::ops::Deref;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::rc::{Rc, Weak};

use crate::error::{Error, FdError, Result};
use crate::reactor::LoopHandle;
use crate::stream::duplex::Duplex;
use crate::stream::fd_reader::socket_reader;
use crate::stream::fd_writable::{FdWritable, WeakFdWritable};
use crate::stream::lifecycle::StreamKind;
use crate::stream::readable::{Readable, WeakReadable};
use crate::stream::shared_fd::SharedFd;
use crate::stream::writable::WritableOptions;
use crate::sys::{set_nonblocking, FdKind, StreamFd};

use super::fd_receive::{fd_readable, ReceiveOptions, RecvState};
use super::timeout::IdleTimeout;
use super::FD;
use crate::stream::io_stats::IoStats;

use nodestream_emitter::{names, EventDecl, EventEmitter};

/// A socket's events: both sides', `'connect'`, `'ready'`, `'timeout'` and `'lookup'`.
const SOCKET_EVENTS: [EventDecl; 4] = [
    EventDecl::new::<()>(names::CONNECT),
    crate::stream::lifecycle::READY.declared(),
    super::timeout::TIMEOUT.declared(),
    super::lookup::LOOKUP.declared(),
];
/// The events of a TCP socket.
static TCP_EVENTS: [&[EventDecl]; 3] = [
    &crate::stream::readable::EVENTS,
    &crate::stream::writable::EVENTS,
    &SOCKET_EVENTS,
];
/// The events of a Unix socket: a TCP socket's, and `'fd'`.
static UNIX_EVENTS: [&[EventDecl]; 4] = [
    &crate::stream::readable::EVENTS,
    &crate::stream::writable::EVENTS,
    &SOCKET_EVENTS,
    &[FD.declared()],
];

/// A connected (or connecting) stream socket: Node's `net.Socket`, one [`Duplex`] over one
/// fd (it dereferences to the Duplex: `socket.write(..)`, `socket.on(DATA, ..)`,
/// `socket.end()`, `socket.pipe(..)`).
///
/// Both sides are on one emitter, with one `'error'` and one `'close'`, as in Node. The fd
/// is registered with the loop once for both sides (readable readiness goes to the
/// readable side, writable readiness to the writable side) and closed when the socket is
/// destroyed: by [`destroy`](Duplex::destroy) (of the socket or of either side), by an
/// error of either side (`ECONNRESET` on a read, `EPIPE` or a failed connect on a write),
/// or on its own once both sides are done. As a `net.Socket` with `allowHalfOpen: false`,
/// the end of the readable side (the peer shut down its writing side) ends the writable
/// side on the next tick, and the socket is destroyed once `'finish'` and `'end'` have both
/// been emitted; after `end()`, the socket reads on until the peer ends. The readable side
/// ends even when nobody reads it (once nothing is left buffered), so a handler that only
/// writes still sees its connections close. An `'error'` with no listener is uncaught and
/// comes back from [`run()`](crate::EventLoop::run), as in Node; `'close'` follows when the
/// loop runs again. While a connect is in progress the readable side reads nothing (Node's
/// `_read` waits for `'connect'`).
///
/// On a Unix socket the readable side receives descriptors: `'fd'` ([`FD`](super::FD))
/// before the `'data'` carrying its byte, or held for [`take_fd`](Socket::take_fd) when
/// nobody listens; a truncated control message (`MSG_CTRUNC`) is an `'error'` with
/// `ERR_FD_TRUNCATED`.
///
/// The sides stay reachable as [`writable`](Socket::writable) (the [`FdWritable`], with
/// what only an fd stream does: `write_with_fds`, `peer_credentials`) and
/// [`readable`](Socket::readable); their listeners are the socket's.
///
/// # Node compatibility
///
/// Like Node's, a socket holds one fd (its handle), so a process fits as many sockets
/// under its fd limit as Node does. Node's `'close'` carries `hadError`; here it carries
/// nothing (the error, if any, came with `'error'` just before). The fd keeps the loop
/// alive while the socket needs it: a write in flight or a connect, or the readable side
/// reading.
///
/// A listener that holds a handle of its own socket (its `writable`, its `readable`, a
/// clone of it) is an `Rc` cycle: the socket, and its loop, stay allocated after it closed
/// (Node's garbage collector would collect them). Reach the socket from its own listeners
/// through [`downgrade`](Socket::downgrade) (a [`WeakSocket`]), or let go of the handle at
/// `'close'`.
#[derive(Clone)]
pub struct Socket {
    /// The writable side, with what only an fd stream does (`write_with_fds`,
    /// `peer_credentials`, ...).
    pub writable: FdWritable,
    /// The readable side.
    pub readable: Readable,
    /// Both sides, as the one stream they are.
    duplex: Duplex,
    recv: Option<Rc<RecvState>>,
    pub(super) state: Rc<SocketState>,
}

/// What a socket keeps besides its sides: the byte counts and activity of its fd, the
/// peer's address once known, the idle timeout, a host name lookup in progress.
#[derive(Debug)]
pub(super) struct SocketState {
    pub(super) lp: LoopHandle,
    pub(super) stats: Rc<IoStats>,
    /// A Unix socket: no addresses, no TCP options.
    pub(super) unix: bool,
    /// The peer's address, once asked while connected (Node's `_peername`).
    pub(super) peer: Cell<Option<SocketAddr>>,
    pub(super) timeout: IdleTimeout,
    pub(super) lookup: RefCell<Option<crate::fs::inbox::Inbox>>,
}

/// A socket is a Duplex, as Node's `net.Socket extends stream.Duplex`: `socket.write(..)`,
/// `socket.on(DATA, ..)`, `socket.end()`, `socket.pipe(..)` are the Duplex's.
impl Deref for Socket {
    type Target = Duplex;

    fn deref(&self) -> &Duplex {
        &self.duplex
    }
}

/// A handle that does not keep its [`Socket`] alive (see [`Socket::downgrade`]).
#[derive(Clone)]
pub struct WeakSocket {
    writable: WeakFdWritable,
    readable: WeakReadable,
    recv: Option<Weak<RecvState>>,
    state: Weak<SocketState>,
}

impl WeakSocket {
    /// The socket, if a strong handle to it is still alive.
    pub fn upgrade(&self) -> Option<Socket> {
        let writable = self.writable.upgrade()?;
        let readable = self.readable.upgrade()?;
        let recv = match &self.recv {
            Some(r) => Some(r.upgrade()?),
            None => None,
        };
        let state = self.state.upgrade()?;
        let duplex = Duplex::from_sides(readable.clone(), writable.as_writable().clone());
        Some(Socket {
            writable,
            readable,
            duplex,
            recv,
            state,
        })
    }
}

impl fmt::Debug for WeakSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSocket").finish_non_exhaustive()
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("writable", &self.writable)
            .field("unix", &self.recv.is_some())
            .finish_non_exhaustive()
    }
}

impl Socket {
    /// A socket stream over a connected stream socket fd (TCP or Unix), which it takes
    /// over.
    ///
    /// # Errors
    ///
    /// `ENOTSOCK` for an fd that is no socket, `ERR_INVALID_FD_TYPE` for a socket that
    /// keeps message boundaries (`SOCK_SEQPACKET`, `SOCK_DGRAM`; see
    /// [`FdWritable::new`]), and what registering reports; the fd comes back inside
    /// [`FdError`].
    pub fn from_fd(lp: &LoopHandle, fd: impl Into<OwnedFd>) -> Result<Socket, FdError> {
        Socket::make(lp, fd.into(), false, ReceiveOptions::default())
    }

    /// As [`from_fd`](Socket::from_fd), with options for receiving descriptors.
    ///
    /// # Errors
    ///
    /// As [`from_fd`](Socket::from_fd).
    pub fn from_fd_with(
        lp: &LoopHandle,
        fd: impl Into<OwnedFd>,
        options: ReceiveOptions,
    ) -> Result<Socket, FdError> {
        Socket::make(lp, fd.into(), false, options)
    }

    pub(super) fn make(
        lp: &LoopHandle,
        fd: OwnedFd,
        connecting: bool,
        options: ReceiveOptions,
    ) -> Result<Socket, FdError> {
        // One classification (one `fstat`): refuses what is not a socket, and a socket that
        // keeps message boundaries; tells a Unix one.
        let class = match StreamFd::of(&fd) {
            Ok(class) if class.kind == FdKind::Socket => class,
            Ok(_) => {
                let notsock =
                    io::Error::from_raw_os_error(rustix::io::Errno::NOTSOCK.raw_os_error());
                return Err(FdError::new(notsock, fd));
            }
            Err(e) => return Err(FdError::new(e, fd)),
        };
        if class.unix {
            // The receiving reader's `recvmsg` waits unless the fd is nonblocking.
            if let Err(e) = set_nonblocking(&fd, true) {
                return Err(FdError::new(Error::syscall_failed(e, "fcntl"), fd));
            }
        }
        // For display only, in an error this socket leaves unhandled.
        let number = std::os::fd::AsRawFd::as_raw_fd(&fd);
        // One fd, registered once for both sides; closed when both have let go of it.
        let (read, write) = SharedFd::both(lp, fd).map_err(|(e, fd)| FdError::new(e, fd))?;
        // The counts and activity both shares keep; the socket keeps them past its fd.
        let stats = read.stats().clone();
        // One Duplex: both sides on one emitter, one 'error', one 'close' (the writing
        // side's, from the close phase, as Node's handle close callback).
        let emitter = EventEmitter::new();
        let writable = FdWritable::on_share(
            lp,
            write,
            class,
            WritableOptions::new(),
            connecting,
            Some(emitter.clone()),
        );
        // While connecting, the reading side reads nothing (Node's `_read` waits for
        // 'connect'): a failed connect is the writing side's to report.
        let mut options = options;
        options.readable.emit_close = false;
        let (readable, recv, gate) = if class.unix {
            let (r, st, gate) = fd_readable(lp, read, options, connecting, emitter.clone());
            (r, Some(st), gate)
        } else {
            let (r, gate) = socket_reader(lp, read, options.readable, connecting, emitter.clone());
            (r, None, gate)
        };
        emitter.declare_events(if class.unix {
            &UNIX_EVENTS
        } else {
            &TCP_EVENTS
        });
        if let Some(gate) = gate {
            writable.core().hold_reader(gate);
        }
        // Node's net.Socket: allowHalfOpen false, so the end of the readable side ends
        // the writable side (on the next tick), and the socket is destroyed once both
        // sides are done.
        readable.join_duplex(writable.as_writable().as_part(false));
        writable.as_writable().join_duplex(readable.as_part());
        // Node's `net.Socket` listens for its own 'end' (`onReadableStreamEnd`, which turns
        // later writes into EPIPE errors); the end of the writable side that follows is
        // the Duplex's. Kept so that listener counts match Node's. Added on the emitter
        // itself: the Readable's `on` would resolve its 'data' and 'readable' slots, a
        // third of an idle socket's heap, for an 'end' listener that needs neither.
        emitter.on(crate::stream::readable::END, |_: &()| {});
        let duplex = Duplex::from_sides(readable.clone(), writable.as_writable().clone());
        let state = Rc::new(SocketState {
            lp: lp.clone(),
            stats,
            unix: class.unix,
            peer: Cell::new(None),
            timeout: IdleTimeout::default(),
            lookup: RefCell::new(None),
        });
        // Kept by the stream, so that a weak handle (a timer's, a listener's) finds it as
        // long as the socket lives, whoever holds a `Socket`.
        writable.core().attach(state.clone());
        let socket = Socket {
            writable,
            readable,
            duplex,
            recv,
            state,
        };
        for hooks in [
            socket.writable.as_writable().hooks(),
            socket.readable.hooks(),
        ] {
            hooks.name(StreamKind::Socket, number);
        }
        Ok(socket)
    }

    /// Names both sides, in an error they leave unhandled, after the fd and the address
    /// they connect to (see [`Error::origin`]).
    pub(super) fn name_peer(&self, peer: String) {
        let number = self
            .writable
            .with_fd(|fd| std::os::fd::AsRawFd::as_raw_fd(&fd));
        let fd = number.map_or(String::new(), |n| format!(" fd {n}"));
        let describe: Rc<str> = format!("net.Socket{fd} {peer}").into();
        let d = describe.clone();
        let writable = self.writable.as_writable();
        writable.hooks().set_origin(move || d.to_string());
        self.readable
            .hooks()
            .set_origin(move || describe.to_string());
    }

    /// A handle that does not keep the socket alive: what a listener of the socket's own
    /// events holds to reach it (an echo's `'data'` listener writing back). A strong
    /// handle there is a cycle through the one emitter, which keeps the socket and its fd
    /// open after every other handle is gone.
    pub fn downgrade(&self) -> WeakSocket {
        WeakSocket {
            writable: self.writable.downgrade(),
            readable: self.readable.downgrade(),
            recv: self.recv.as_ref().map(Rc::downgrade),
            state: Rc::downgrade(&self.state),
        }
    }

    /// The oldest received descriptor nobody took, with the stream offset of the chunk
    /// that carried it (only when no `'fd'` listener was registered at the time).
    pub fn take_fd(&self) -> Option<(u64, OwnedFd)> {
        self.recv.as_ref()?.unclaimed.borrow_mut().pop_front()
    }

    /// How many received descriptors wait for [`take_fd`](Socket::take_fd).
    pub fn unclaimed_fds(&self) -> usize {
        self.recv.as_ref().map_or(0, |r| r.unclaimed.borrow().len())
    }

    /// The peer's credentials (`SO_PEERCRED`) of a Unix socket, to decide whether to
    /// accept its descriptors.
    ///
    /// # Errors
    ///
    /// `EBADF` once the writable side is destroyed; `EOPNOTSUPP` on a TCP socket.
    pub fn peer_credentials(&self) -> Result<crate::fdpass::Credentials> {
        self.writable.peer_credentials()
    }

    /// Whether a connect is in progress (Node's `socket.connecting`).
    pub fn connecting(&self) -> bool {
        self.writable.connecting()
    }

    /// Whether the socket is not connected yet, or no longer has its fd: Node's
    /// `socket.pending` (`!this._handle || this.connecting`).
    pub fn pending(&self) -> bool {
        self.connecting() || self.writable.with_fd(|_| ()).is_none()
    }

    /// Ends the socket, then destroys it once the writable side has finished: Node's
    /// `socket.destroySoon()`. Writes already made are flushed first.
    ///
    /// # Events
    ///
    /// `'finish'` (its listeners run before the destroy), then `'close'`.
    pub fn destroy_soon(&self) {
        // The Writable's own: end() if still writable, destroy once finished; a
        // destroy of either side is the socket's.
        self.writable.destroy_soon();
    }
}

/// Connects to a TCP address. The socket emits `'connect'` then `'ready'` once connected;
/// writes and `end()` made meanwhile wait for it. A refused
/// connection is an `'error'` as Node reports it: code `ECONNREFUSED`, message
/// `connect ECONNREFUSED 127.0.0.1:39503`, and [`syscall`](crate::Error::syscall),
/// [`address`](crate::Error::address), [`port`](crate::Error::port) and
/// [`errno`](crate::Error::errno) set.
///
/// # Errors
///
/// Errors found at once (`ENETUNREACH`, `EMFILE`), worded as the refused connection is.
pub fn connect_tcp(lp: &LoopHandle, addr: SocketAddr) -> Result<Socket> {
    let stream =
        crate::sys::socket::tcp_connect(addr).map_err(|e| Error::connect_failed(e, addr))?;
    let socket = Socket::make(lp, OwnedFd::from(stream), true, ReceiveOptions::default())?;
    socket.writable.core().connecting_to(addr);
    socket.name_peer(addr.to_string());
    Ok(socket)
}

/// Connects to the Unix stream socket at `path`, with `'connect'` and `'ready'` as
/// [`connect_tcp`].
///
/// # Errors
///
/// `ENOENT`, `ECONNREFUSED`, ... (a Unix connect is decided at once), as Node words them:
/// `connect ENOENT /tmp/no.sock`, with [`address`](Error::address) the path.
pub fn connect_unix(
    lp: &LoopHandle,
    path: impl AsRef<Path>,
    options: ReceiveOptions,
) -> Result<Socket> {
    let path = path.as_ref();
    let stream = crate::sys::socket::unix_connect(path)
        .map_err(|e| Error::host_port_failed(e, "connect", path.display().to_string(), None))?;
    let socket = Socket::make(lp, OwnedFd::from(stream), true, options)?;
    socket.name_peer(path.display().to_string());
    Ok(socket)
}

/// A connected pair of Unix stream sockets, both as streams on `lp`.
///
/// # Errors
///
/// `EMFILE`, `ENFILE`.
pub fn unix_pair(lp: &LoopHandle) -> Result<(Socket, Socket)> {
    let (a, b) =
        crate::sys::socket::unix_pair().map_err(|e| Error::syscall_failed(e, "socketpair"))?;
    Ok((Socket::from_fd(lp, a)?, Socket::from_fd(lp, b)?))
}

//! TCP and Unix stream sockets as a Writable and a Readable over one connection.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::rc::Rc;

use crate::error::{Error, FdError, Result};
use crate::reactor::LoopHandle;
use crate::stream::fd_reader::socket_reader;
use crate::stream::fd_writable::FdWritable;
use crate::stream::lifecycle::StreamKind;
use crate::stream::readable::Readable;
use crate::stream::shared_fd::SharedFd;
use crate::stream::writable::WritableOptions;
use crate::sys::{set_nonblocking, FdKind, StreamFd};

use super::fd_receive::{fd_readable, ReceiveOptions, RecvState};
use super::FD;

use nodestream_emitter::{names, EventDecl, EventEmitter};

/// A socket's events: both sides', `'connect'` and `'ready'`.
const SOCKET_EVENTS: [EventDecl; 2] = [
    EventDecl::new::<()>(names::CONNECT),
    crate::stream::lifecycle::READY.declared(),
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

/// A connected (or connecting) stream socket: its writable side and its readable side.
///
/// The two sides are two streams over one fd, registered with the loop once for both
/// (readable readiness goes to the readable side, writable readiness to the writable
/// side). The fd is closed when the second side is destroyed, whichever it is: a side
/// destroyed first leaves it to the other, which reads or writes on (after `end()` and
/// `'finish'` the writable side is destroyed, and the readable side still receives what
/// the peer sends). When the readable side ends (the peer shut down its writing side),
/// the writable side is ended too, as a `net.Socket` with `allowHalfOpen: false` does;
/// the readable side ends even when nobody reads it (once nothing is left buffered), so a
/// handler that only writes still sees its connections close.
///
/// An error on either side destroys the other side too, without a second `'error'`. The
/// error is emitted on the side that failed (`ECONNRESET` on a read: the readable side;
/// `EPIPE` or a failed connect: the writable side); with no `'error'` listener there, it
/// is uncaught and comes back from [`run()`](crate::EventLoop::run), as in Node. While a
/// connect is in progress the readable side reads nothing (Node's `_read` waits for
/// `'connect'`).
///
/// On a Unix socket the readable side receives descriptors: `'fd'` ([`FD`](super::FD))
/// before the `'data'` carrying its byte, or held for [`take_fd`](Socket::take_fd) when
/// nobody listens; a truncated control message (`MSG_CTRUNC`) is an `'error'` with
/// `ERR_FD_TRUNCATED`.
///
/// # Node compatibility
///
/// Node's `net.Socket` is one Duplex with one emitter; Rust has no Duplex here yet, so the
/// events are split: `'connect'`, `'ready'`, `'drain'`, `'finish'` on
/// [`writable`](Socket::writable), `'data'`, `'end'`, `'fd'` on
/// [`readable`](Socket::readable); each side has its `'error'` and `'close'`.
///
/// Like Node's, a socket holds one fd (its handle), so a process fits as many sockets
/// under its fd limit as Node does. Node closes the handle when the Duplex is destroyed;
/// here, when the second side is destroyed, which is when Node's Duplex, with both
/// directions done, destroys itself (after `end()`, Node's socket too reads on over the
/// same handle until the peer ends). Each side's `'close'` comes when that side is
/// destroyed, so the writable side's may come while the fd is still open for the
/// readable side. The fd keeps the loop alive while either side needs it: a write in
/// flight or a connect, or the readable side reading.
#[derive(Clone)]
pub struct Socket {
    /// The writable side (`'connect'`, `'ready'`, `'drain'`, `'finish'`).
    pub writable: FdWritable,
    /// The readable side (`'data'`, `'end'`, `'fd'` on Unix sockets).
    pub readable: Readable,
    recv: Option<Rc<RecvState>>,
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
        let socket = Socket {
            writable,
            readable,
            recv,
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
    fn name_peer(&self, peer: String) {
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

    /// Destroys both sides; the fd is closed with the second (the readable side).
    pub fn destroy(&self) {
        self.writable.destroy(None);
        self.readable.destroy(None);
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

    /// Ends the writable side, then destroys both sides once it has finished: Node's
    /// `socket.destroySoon()`. Writes already made are flushed first.
    ///
    /// # Events
    ///
    /// `'finish'` on the writable side (its listeners run before the destroy), then each
    /// side's `'close'`.
    pub fn destroy_soon(&self) {
        let finished = self.writable.writable_finished();
        // The Writable's own: end() if still writable, destroy once finished.
        self.writable.destroy_soon();
        if finished {
            self.readable.destroy(None);
        } else {
            // A weak handle: the listener must not keep the socket alive.
            let r = self.readable.downgrade();
            self.writable
                .once(crate::stream::writable::FINISH, move |_| {
                    if let Some(r) = r.upgrade() {
                        r.destroy(None);
                    }
                });
        }
    }
}

/// Connects to a TCP address. The socket emits `'connect'` then `'ready'` on its writable
/// side once connected; writes and `end()` made meanwhile wait for it. A refused
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

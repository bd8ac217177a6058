//! TCP and Unix stream sockets as a Writable and a Readable over one connection.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use mio::net::{TcpListener, UnixListener};

use crate::emitter::{Event, EventEmitter, IntoEvent, ListenerId};
use crate::error::{Error, ErrorCode};
use crate::fd::FdKind;
use crate::reactor::{LoopHandle, PostAction, SourceId};
use crate::readable::{Readable, END};
use crate::writable::WritableOptions;

use super::fdrecv::{fd_readable, ReceiveOptions, RecvState};
use super::writer::{FdWritable, Setup};

/// A connected (or connecting) stream socket: its writable side and its readable side.
///
/// The two sides are two streams over the same connection (the readable one holds a
/// close-on-exec duplicate of the fd); the connection closes when both are done. When the
/// readable side ends (the peer shut down its writing side), the writable side is ended
/// too, as a `net.Socket` with `allowHalfOpen: false` does.
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

fn is_unix(fd: impl AsFd) -> bool {
    matches!(
        rustix::net::getsockname(fd),
        Ok(addr) if addr.address_family() == rustix::net::AddressFamily::UNIX
    )
}

impl Socket {
    /// A socket stream over a connected stream socket fd (TCP or Unix), which it takes
    /// over.
    ///
    /// # Errors
    ///
    /// `ENOTSOCK` for an fd that is no socket, and what `dup` or registering report; the
    /// fd is closed then.
    pub fn from_fd(lp: &LoopHandle, fd: impl Into<OwnedFd>) -> io::Result<Socket> {
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
    ) -> io::Result<Socket> {
        Socket::make(lp, fd.into(), false, options)
    }

    fn make(
        lp: &LoopHandle,
        fd: OwnedFd,
        connecting: bool,
        options: ReceiveOptions,
    ) -> io::Result<Socket> {
        if FdKind::of(&fd)? != FdKind::Socket {
            return Err(io::Error::from_raw_os_error(
                rustix::io::Errno::NOTSOCK.raw_os_error(),
            ));
        }
        let dup = rustix::io::fcntl_dupfd_cloexec(&fd, 3)?;
        let unix = is_unix(&fd);
        let writable = FdWritable::with_setup(
            lp,
            fd,
            WritableOptions::new(),
            Setup {
                connecting,
                keep_mode: false,
            },
        )?;
        let (readable, recv) = if unix {
            match fd_readable(lp, dup, options) {
                Ok((r, st)) => (r, Some(st)),
                Err(e) => {
                    writable.destroy(None);
                    return Err(e.error);
                }
            }
        } else {
            match Readable::from_fd(lp, dup, options.readable) {
                Ok(r) => (r, None),
                Err(e) => {
                    writable.destroy(None);
                    return Err(e.error);
                }
            }
        };
        // One connection, two streams: an error on either side ends both, with one
        // 'error'. A failed connect shows to whichever side touches the socket first (a
        // read takes the socket's pending error), so the reading side passes it on.
        let core = Rc::downgrade(writable.core());
        readable.on(crate::readable::ERROR, move |e: &crate::Error| {
            if let Some(core) = core.upgrade() {
                FdWritable::reader_failed(&core, e.clone());
            }
        });
        // The monitor sees the writable side's error without counting as its handler.
        let r = readable.downgrade();
        writable.on(
            crate::emitter::names::ERROR_MONITOR,
            move |_: &crate::Error| {
                if let Some(r) = r.upgrade() {
                    r.destroy(None);
                }
            },
        );
        // allowHalfOpen: false.
        let w = writable.clone();
        readable.once(END, move |_: &()| {
            if w.writable() {
                w.end();
            }
        });
        Ok(Socket {
            writable,
            readable,
            recv,
        })
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
    pub fn peer_credentials(&self) -> io::Result<crate::fdpass::Credentials> {
        self.writable.peer_credentials()
    }

    /// Destroys both sides.
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
            self.writable.once(crate::events::FINISH, move |_| {
                if let Some(r) = r.upgrade() {
                    r.destroy(None);
                }
            });
        }
    }
}

/// Connects to a TCP address. The socket emits `'connect'` then `'ready'` on its writable
/// side once connected; writes and `end()` made meanwhile wait for it. A refused
/// connection is an `'error'` (`ECONNREFUSED`).
///
/// # Errors
///
/// Errors found at once (`ENETUNREACH`, `EMFILE`).
pub fn connect_tcp(lp: &LoopHandle, addr: SocketAddr) -> io::Result<Socket> {
    let stream = crate::net::tcp_connect(addr)?;
    Socket::make(lp, OwnedFd::from(stream), true, ReceiveOptions::default())
}

/// Connects to the Unix stream socket at `path`, with `'connect'` and `'ready'` as
/// [`connect_tcp`].
///
/// # Errors
///
/// `ENOENT`, `ECONNREFUSED`, ... (a Unix connect is decided at once).
pub fn connect_unix(
    lp: &LoopHandle,
    path: impl AsRef<Path>,
    options: ReceiveOptions,
) -> io::Result<Socket> {
    let stream = crate::net::unix_connect(path)?;
    Socket::make(lp, OwnedFd::from(stream), true, options)
}

/// A connected pair of Unix stream sockets, both as streams on `lp`.
///
/// # Errors
///
/// `EMFILE`, `ENFILE`.
pub fn unix_pair(lp: &LoopHandle) -> io::Result<(Socket, Socket)> {
    let (a, b) = crate::net::unix_pair()?;
    Ok((Socket::from_fd(lp, a)?, Socket::from_fd(lp, b)?))
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, PathBuf),
}

/// `'connection'`: a [`Server`] accepted a connection; the payload is its [`Socket`].
pub const CONNECTION: Event<Socket> = Event::new("connection");

/// `'listening'`: a [`Server`] is listening (emitted on the next tick after
/// [`listen_tcp`]/[`listen_unix`], as Node's `server.listen`).
pub const LISTENING: Event<()> = Event::new("listening");

struct ServerState {
    lp: LoopHandle,
    emitter: EventEmitter,
    listener: RefCell<Option<Listener>>,
    id: Cell<Option<SourceId>>,
    /// Accepted connections not closed yet (both sides).
    connections: Cell<usize>,
    /// `'close'` was scheduled.
    closing: Cell<bool>,
    /// Test seam: errnos the next `accept` calls fail with, in order, before any real
    /// `accept` is made (the faults that cannot be provoked for real).
    #[cfg(test)]
    faults: RefCell<std::collections::VecDeque<i32>>,
}

/// A descriptor to hold in reserve (`/dev/null`, or `/` where that is missing, as libuv
/// does; close-on-exec), or none at the limit.
fn open_reserve() -> Option<OwnedFd> {
    let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC;
    rustix::fs::open("/dev/null", flags, rustix::fs::Mode::empty())
        .or_else(|_| rustix::fs::open("/", flags, rustix::fs::Mode::empty()))
        .ok()
}

/// Opens the loop's reserve descriptor unless it holds one (libuv opens it when a stream
/// is made, and again after each use). At the limit it stays unopened until a later try.
fn ensure_reserve(lp: &LoopHandle) {
    let mut slot = lp.inner.reserve_fd.borrow_mut();
    if slot.is_none() {
        *slot = open_reserve();
    }
}

fn is_fd_limit(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
}

/// Node's `errnoException(err, 'accept')`: code `EMFILE`, message `accept EMFILE`.
fn accept_error(err: io::Error) -> Error {
    match err.raw_os_error() {
        Some(errno) => {
            let code = ErrorCode::Os(errno);
            let message = format!("accept {}", code.as_str());
            Error::new(code, message)
        }
        None => Error::from(err),
    }
}

/// A listening TCP or Unix socket, with Node's `net.Server` events.
///
/// The `on_connection` callback given to [`listen_tcp`]/[`listen_unix`] is a
/// `'connection'` listener, as the one given to Node's `net.createServer`.
///
/// # Events
///
/// - `'listening'` ([`LISTENING`]): on the next tick after the listen.
/// - `'connection'` ([`CONNECTION`]): each accepted [`Socket`].
/// - `'error'` ([`ERROR`](crate::events::ERROR)): an `accept` that failed for a reason
///   other than the descriptor limit (`ENOBUFS`, `ENOMEM`, `EPROTO`, `EPERM`, ...), or
///   at the limit when no reserve descriptor could be held; code is the errno name,
///   message `accept ENOBUFS`, as Node's `errnoException(err, 'accept')`. The server
///   keeps listening. With no `'error'` listener the error goes to the loop
///   ([`LoopHandle::report_error`]), and `run()` returns it.
/// - `'close'` ([`CLOSE`](crate::events::CLOSE)): after [`close`](Server::close), once
///   every accepted connection has closed (on a next tick).
///
/// # Node compatibility
///
/// `accept` failures are sorted as libuv's `uv__server_io` sorts them:
///
/// - `EAGAIN` ends the pass (nothing is pending), `EINTR` is retried, and a connection
///   that died while queued (`ECONNABORTED`) is skipped: nothing is emitted.
/// - At the descriptor limit (`EMFILE`/`ENFILE`) the server closes the loop's reserve
///   descriptor, accepts each pending connection and closes it at once (the client reads
///   end-of-file, or a reset when it had sent data), and opens the reserve again. As in
///   Node no event is emitted then. The reserve is one descriptor per loop, as libuv's:
///   opened by the first server to listen, kept while the loop lives (a closed server
///   does not close it), closed when the [`EventLoop`](crate::EventLoop) is dropped.
/// - Any other errno (`ENOBUFS`, `ENOMEM`, `EPROTO`, `EPERM`, ...) is an `'error'`, and
///   the server goes on accepting. libuv retries at once, in the same pass, so an error
///   that persists makes Node emit `'error'` in a loop that never yields; here the retry
///   comes on the next loop turn, one `'error'` per turn, and timers, I/O and the
///   listener's own `close()` get their turn between.
/// - At the limit with no reserve to close, the failure is an `'error'` once per
///   readiness edge (Node emits it again and again at once): retrying every turn could
///   not succeed before a descriptor is closed. The pending connection waits for the next
///   edge, and the reserve is opened again first.
/// - A connection that aborts while the reserve trick drains the queue is skipped too;
///   libuv's trick stops there and reports `ECONNABORTED` as an `'error'`.
///
/// `EPROTO` and the network errnos `accept(2)` lists (`ENETDOWN`, `EHOSTDOWN`, ...) are
/// errors in Node too: libuv does not retry them.
#[derive(Clone)]
pub struct Server {
    state: Rc<ServerState>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr().ok())
            .field("connections", &self.state.connections.get())
            .finish()
    }
}

impl ServerState {
    /// One readiness edge of the listening socket.
    fn on_ready(st: &Rc<ServerState>) -> PostAction {
        let mut accepted: Vec<OwnedFd> = Vec::new();
        ensure_reserve(&st.lp);
        let result = {
            let l = st.listener.borrow();
            match l.as_ref() {
                None => return PostAction::Remove,
                Some(l) => crate::net::accept_until_blocked(
                    crate::net::ACCEPT_BUDGET,
                    || st.accept(l),
                    |fd| accepted.push(fd),
                ),
            }
        };
        // No borrow held: the listeners are user code.
        for fd in accepted {
            match Socket::make(&st.lp, fd, false, ReceiveOptions::default()) {
                Ok(sock) => {
                    ServerState::track(st, &sock);
                    st.emitter.emit(CONNECTION, &sock);
                }
                // The fd is closed: the client sees the connection end, as with the
                // reserve trick below.
                Err(e) => log::warn!("nodestream: dropping an accepted socket: {e}"),
            }
        }
        match result {
            Ok(true) => PostAction::Again,
            Ok(false) => PostAction::Continue,
            Err(e) => {
                let err = if is_fd_limit(&e) {
                    match ServerState::emfile_trick(st) {
                        Ok(()) => return PostAction::Continue,
                        Err(e) => e,
                    }
                } else {
                    e
                };
                if st.listener.borrow().is_none() {
                    // Closed by a 'connection' listener: the source is gone.
                    return PostAction::Remove;
                }
                // At the limit with no reserve: wait for the next edge. Otherwise go on
                // accepting next turn, as libuv goes on after reporting the error.
                let then = if is_fd_limit(&err) {
                    PostAction::Continue
                } else {
                    PostAction::Again
                };
                if let Err(unhandled) = st.emitter.emit_error(accept_error(err)) {
                    st.lp.report_error(unhandled.into_inner());
                }
                then
            }
        }
    }

    /// libuv's `uv__emfile_trick`: frees the reserve, accepts and closes every pending
    /// connection, takes the reserve again. `Err` when there was no reserve, or accepting
    /// failed for another reason than having drained the queue.
    fn emfile_trick(st: &Rc<ServerState>) -> io::Result<()> {
        let Some(reserve) = st.lp.inner.reserve_fd.borrow_mut().take() else {
            return Err(io::Error::from_raw_os_error(libc::EMFILE));
        };
        drop(reserve);
        let result = {
            let l = st.listener.borrow();
            match l.as_ref() {
                None => Ok(()),
                Some(l) => loop {
                    match st.accept(l) {
                        Ok(fd) => drop(fd),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) if e.raw_os_error() == Some(libc::ECONNABORTED) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                        Err(e) => break Err(e),
                    }
                },
            }
        };
        ensure_reserve(&st.lp);
        result
    }

    /// One `accept` on the listening socket (after the test seam's faults, if any).
    fn accept(&self, l: &Listener) -> io::Result<OwnedFd> {
        #[cfg(test)]
        if let Some(errno) = self.faults.borrow_mut().pop_front() {
            return Err(io::Error::from_raw_os_error(errno));
        }
        accept_one(l)
    }

    /// Counts the connection until both its sides have closed.
    fn track(st: &Rc<ServerState>, sock: &Socket) {
        st.connections.set(st.connections.get() + 1);
        let sides = Rc::new(Cell::new(2u8));
        let done = {
            let weak = Rc::downgrade(st);
            move || {
                sides.set(sides.get() - 1);
                if sides.get() == 0 {
                    if let Some(st) = weak.upgrade() {
                        st.connections.set(st.connections.get() - 1);
                        ServerState::emit_close_if_drained(&st);
                    }
                }
            }
        };
        let done = Rc::new(done);
        let d = done.clone();
        sock.writable.once(crate::events::CLOSE, move |_: &()| d());
        sock.readable
            .once(crate::events::CLOSE, move |_: &()| done());
    }

    /// Node's `_emitCloseIfDrained`: `'close'` on a next tick once the listening socket
    /// is closed and no connection is left.
    fn emit_close_if_drained(st: &Rc<ServerState>) {
        if st.listener.borrow().is_some() || st.connections.get() > 0 || st.closing.get() {
            return;
        }
        st.closing.set(true);
        let emitter = st.emitter.clone();
        st.lp.next_tick(move || {
            emitter.emit(crate::events::CLOSE, &());
        });
    }
}

fn accept_one(l: &Listener) -> io::Result<OwnedFd> {
    match l {
        Listener::Tcp(t) => t.accept().map(|(s, _)| OwnedFd::from(s)),
        Listener::Unix(u, _) => u.accept().map(|(s, _)| OwnedFd::from(s)),
    }
}

impl Server {
    fn start(
        lp: &LoopHandle,
        listener: Listener,
        on_connection: impl Fn(Socket) + 'static,
    ) -> io::Result<Server> {
        let state = Rc::new(ServerState {
            lp: lp.clone(),
            emitter: EventEmitter::new(),
            listener: RefCell::new(Some(listener)),
            id: Cell::new(None),
            connections: Cell::new(0),
            closing: Cell::new(false),
            #[cfg(test)]
            faults: RefCell::default(),
        });
        ensure_reserve(lp);
        state
            .emitter
            .on(CONNECTION, move |sock: &Socket| on_connection(sock.clone()));
        let st = Rc::downgrade(&state);
        let id = {
            let mut l = state.listener.borrow_mut();
            let source: &mut dyn mio::event::Source = match l.as_mut().expect("just set") {
                Listener::Tcp(t) => t,
                Listener::Unix(u, _) => u,
            };
            lp.register(source, mio::Interest::READABLE, move |_| {
                match st.upgrade() {
                    Some(st) => ServerState::on_ready(&st),
                    None => PostAction::Remove,
                }
            })?
        };
        state.id.set(Some(id));
        let st = Rc::downgrade(&state);
        lp.next_tick(move || {
            if let Some(st) = st.upgrade() {
                if st.listener.borrow().is_some() {
                    let emitter = st.emitter.clone();
                    drop(st);
                    emitter.emit(LISTENING, &());
                }
            }
        });
        Ok(Server { state })
    }

    /// The server's emitter (a handle to the same listeners).
    pub fn emitter(&self) -> EventEmitter {
        self.state.emitter.clone()
    }

    /// Adds a listener: Node's `server.on`.
    pub fn on<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.state.emitter.on(event, listener)
    }

    /// Adds a listener that runs once: Node's `server.once`.
    pub fn once<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.state.emitter.once(event, listener)
    }

    /// Removes a listener: Node's `server.off`.
    pub fn off(&self, id: ListenerId) -> bool {
        self.state.emitter.off(id)
    }

    /// How many accepted connections have not closed yet (Node's `getConnections`).
    pub fn connections(&self) -> usize {
        self.state.connections.get()
    }

    /// Whether the server is listening (Node's `server.listening`).
    pub fn listening(&self) -> bool {
        self.state.listener.borrow().is_some()
    }

    /// The address the server listens on (for TCP; a Unix server gives an error).
    ///
    /// # Errors
    ///
    /// `EBADF` after [`close`](Server::close); `Unsupported` for a Unix server.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.state.listener.borrow().as_ref() {
            Some(Listener::Tcp(t)) => t.local_addr(),
            Some(Listener::Unix(..)) => Err(io::ErrorKind::Unsupported.into()),
            None => Err(io::Error::from_raw_os_error(
                rustix::io::Errno::BADF.raw_os_error(),
            )),
        }
    }

    /// Stops listening and closes the listening socket (a Unix socket's path is removed).
    /// Connections already accepted live on; `'close'` follows once they have all closed.
    /// The loop's reserve descriptor stays open for the loop's other servers (it closes
    /// with the loop). A second call does nothing.
    pub fn close(&self) {
        let listener = self.state.listener.borrow_mut().take();
        let id = self.state.id.take();
        match listener {
            Some(Listener::Tcp(mut t)) => {
                if let Some(id) = id {
                    let _ = self.state.lp.deregister(id, &mut t);
                }
            }
            Some(Listener::Unix(mut u, path)) => {
                if let Some(id) = id {
                    let _ = self.state.lp.deregister(id, &mut u);
                }
                let _ = std::fs::remove_file(path);
            }
            None => return,
        }
        ServerState::emit_close_if_drained(&self.state);
    }
}

/// Listens on a TCP address (port 0 picks a free one) and calls `on_connection` with each
/// accepted socket (a `'connection'` listener, as in `net.createServer(cb)`). The server keeps the loop alive until [`Server::close`].
///
/// # Errors
///
/// `EADDRINUSE`, `EACCES`, ...
pub fn listen_tcp(
    lp: &LoopHandle,
    addr: SocketAddr,
    on_connection: impl Fn(Socket) + 'static,
) -> io::Result<Server> {
    Server::start(
        lp,
        Listener::Tcp(crate::net::tcp_listen(addr)?),
        on_connection,
    )
}

/// Listens on a Unix socket at `path` (which must not exist) and calls `on_connection`
/// with each accepted socket.
///
/// # Errors
///
/// `EADDRINUSE` when `path` exists, ...
pub fn listen_unix(
    lp: &LoopHandle,
    path: impl AsRef<Path>,
    on_connection: impl Fn(Socket) + 'static,
) -> io::Result<Server> {
    let path = path.as_ref().to_path_buf();
    let listener = crate::net::unix_listen(&path)?;
    Server::start(lp, Listener::Unix(listener, path), on_connection)
}

#[cfg(test)]
mod faults;

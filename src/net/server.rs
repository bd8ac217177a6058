//! Node's `net.Server`: a listening TCP or Unix socket that accepts connections as
//! [`Socket`]s, with libuv's reserve-descriptor answer to `EMFILE`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use mio::net::{TcpListener, UnixListener};

use nodestream_emitter::{Event, EventEmitter, IntoEvent, ListenerId};

use super::fd_receive::ReceiveOptions;
use super::socket::Socket;
use crate::error::{Error, FdError, Result};
use crate::reactor::{LoopHandle, PostAction, SourceId};
use crate::sys::socket::Listening;

enum Listener {
    Tcp(TcpListener),
    /// With the path to remove on close, when the server bound it.
    Unix(UnixListener, Option<PathBuf>),
}

/// The `backlog` of [`listen_tcp`], [`listen_unix`], [`Server::from_listener`] and
/// [`create_server`](super::create_server) unless
/// [`NewServer::backlog`](super::NewServer::backlog) says otherwise: Node's, 511. (The
/// kernel caps it at `net.core.somaxconn`.)
pub const DEFAULT_BACKLOG: u32 = crate::sys::socket::DEFAULT_BACKLOG;

/// `'connection'`: a [`Server`] accepted a connection; the payload is its [`Socket`].
pub const CONNECTION: Event<Socket> = Event::new("connection");

/// `'listening'`: a [`Server`] is listening (emitted on the next tick after
/// [`listen_tcp`]/[`listen_unix`], as Node's `server.listen`).
pub const LISTENING: Event<()> = Event::new("listening");

/// The events of a [`Server`], with their payload types.
const EVENTS: [nodestream_emitter::EventDecl; 4] = [
    CONNECTION.declared(),
    LISTENING.declared(),
    crate::stream::lifecycle::CLOSE.declared(),
    crate::stream::lifecycle::ERROR.declared(),
];

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
    if lp.is_closed() {
        // The loop closed its reserve for good.
        return;
    }
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
    Error::syscall_failed(err, "accept")
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
                Some(l) => crate::sys::socket::accept_until_blocked(
                    crate::sys::socket::ACCEPT_BUDGET,
                    || st.accept(l),
                    |fd| accepted.push(fd),
                ),
            }
        };
        ServerState::hand_out(st, accepted);
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
                    let err = unhandled.into_inner();
                    err.set_origin(|| st.describe());
                    st.lp.report_error(err);
                }
                then
            }
        }
    }

    /// The server as an unhandled error names it: `net.Server 127.0.0.1:8000`.
    #[cold]
    fn describe(&self) -> String {
        match self.listener.borrow().as_ref() {
            Some(Listener::Tcp(t)) => match t.local_addr() {
                Ok(addr) => format!("net.Server {addr}"),
                Err(_) => "net.Server".to_owned(),
            },
            Some(Listener::Unix(_, Some(path))) => format!("net.Server {}", path.display()),
            _ => "net.Server".to_owned(),
        }
    }

    /// Makes a socket of each accepted fd and emits `'connection'` with it. No borrow is
    /// held: the listeners are user code. If one panics, the connections accepted after
    /// it are handed out on the next tick (before anything accepted later).
    fn hand_out(st: &Rc<ServerState>, accepted: Vec<OwnedFd>) {
        let mut accepted = accepted.into_iter();
        st.lp.owing_with(
            &mut accepted,
            |accepted| {
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
            },
            |accepted| {
                let (st, rest) = (st.clone(), accepted.collect::<Vec<_>>());
                move || ServerState::hand_out(&st, rest)
            },
        );
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

    /// Counts the connection until both its sides have closed (their `_destroy` done, as
    /// Node's `_destroy` decrements `server._connections`): hooks, not `'close'`
    /// listeners, which the user could remove and which Node does not have.
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
        sock.writable.hooks().on_closed(move || d());
        sock.readable.hooks().on_closed(move || done());
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
            emitter.emit(crate::stream::lifecycle::CLOSE, &());
        });
    }
}

impl ServerState {
    /// Deregisters and closes the listening socket (a Unix socket's path is removed).
    /// Returns whether it was open.
    fn stop_listening(&self) -> bool {
        let listener = self.listener.borrow_mut().take();
        let id = self.id.take();
        match listener {
            Some(Listener::Tcp(mut t)) => {
                if let Some(id) = id {
                    let _ = self.lp.deregister(id, &mut t);
                }
            }
            Some(Listener::Unix(mut u, path)) => {
                if let Some(id) = id {
                    let _ = self.lp.deregister(id, &mut u);
                }
                if let Some(path) = path {
                    let _ = std::fs::remove_file(path);
                }
            }
            None => return false,
        }
        true
    }
}

impl Drop for ServerState {
    /// A server whose loop was dropped while it listened, and whose last handle is now
    /// gone, closes its socket (and removes a Unix socket's path) as [`Server::close`]
    /// would, without `'close'`: nobody is left to hear it.
    fn drop(&mut self) {
        self.stop_listening();
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
    ) -> Result<Server, (Error, Listener)> {
        let state = Rc::new(ServerState {
            lp: lp.clone(),
            emitter: {
                let emitter = EventEmitter::new();
                emitter.declare_events(&[&EVENTS]);
                emitter
            },
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
        // The registration holds the server until it is closed (deregistering drops it) or
        // the loop is dropped, as a listening libuv handle keeps its server object alive:
        // a server nobody holds goes on listening, as in Node.
        let st = state.clone();
        let id = {
            let mut l = state.listener.borrow_mut();
            let source: &mut dyn mio::event::Source = match l.as_mut().expect("just set") {
                Listener::Tcp(t) => t,
                Listener::Unix(u, _) => u,
            };
            lp.register(source, mio::Interest::READABLE, move |_| {
                ServerState::on_ready(&st)
            })
        };
        let id = match id {
            Ok(id) => id,
            Err(err) => {
                let listener = state.listener.borrow_mut().take().expect("still there");
                return Err((err, listener));
            }
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
    pub fn local_addr(&self) -> Result<SocketAddr> {
        let addr = match self.state.listener.borrow().as_ref() {
            Some(Listener::Tcp(t)) => t.local_addr(),
            Some(Listener::Unix(..)) => Err(io::ErrorKind::Unsupported.into()),
            None => Err(io::Error::from_raw_os_error(
                rustix::io::Errno::BADF.raw_os_error(),
            )),
        };
        addr.map_err(|e| Error::syscall_failed(e, "getsockname"))
    }

    /// Stops listening and closes the listening socket (a Unix socket's path is removed).
    /// Connections already accepted live on; `'close'` follows once they have all closed.
    /// The loop's reserve descriptor stays open for the loop's other servers (it closes
    /// with the loop). A second call does nothing.
    pub fn close(&self) {
        if self.state.stop_listening() {
            ServerState::emit_close_if_drained(&self.state);
        }
    }
}

/// Listens on a TCP address (port 0 picks a free one) with Node's backlog
/// ([`DEFAULT_BACKLOG`], 511) and calls `on_connection` with each accepted socket (a
/// `'connection'` listener, as in `net.createServer(cb)`). The server keeps the loop alive,
/// and goes on listening even when nobody holds it, until [`Server::close`], as in Node.
/// [`create_server`](super::create_server) takes a `backlog`.
///
/// # Errors
///
/// `EADDRINUSE`, `EACCES`, ... as Node words them:
/// `listen EADDRINUSE: address already in use 127.0.0.1:32967`, with
/// [`syscall`](Error::syscall) `"listen"`, [`address`](Error::address) and
/// [`port`](Error::port) set.
pub fn listen_tcp(
    lp: &LoopHandle,
    addr: SocketAddr,
    on_connection: impl Fn(Socket) + 'static,
) -> Result<Server> {
    listen_tcp_with(lp, addr, DEFAULT_BACKLOG, on_connection)
}

pub(super) fn listen_tcp_with(
    lp: &LoopHandle,
    addr: SocketAddr,
    backlog: u32,
    on_connection: impl Fn(Socket) + 'static,
) -> Result<Server> {
    // Node reports a failed bind as `listen` too (libuv defers bind errors to it).
    let listener = crate::sys::socket::tcp_listen(addr, backlog)
        .map_err(|e| Error::listen_failed(e, "listen", addr.ip().to_string(), Some(addr.port())))?;
    Server::start(lp, Listener::Tcp(listener), on_connection).map_err(|(err, _)| err)
}

/// Listens on a Unix socket at `path` (which must not exist) with Node's backlog
/// ([`DEFAULT_BACKLOG`]) and calls `on_connection` with each accepted socket. The path is
/// removed when the server closes.
///
/// # Errors
///
/// `EADDRINUSE` when `path` exists, ... as Node words them:
/// `listen EADDRINUSE: address already in use /tmp/my.sock`, with
/// [`address`](Error::address) the path.
pub fn listen_unix(
    lp: &LoopHandle,
    path: impl AsRef<Path>,
    on_connection: impl Fn(Socket) + 'static,
) -> Result<Server> {
    listen_unix_with(lp, path.as_ref(), DEFAULT_BACKLOG, on_connection)
}

pub(super) fn listen_unix_with(
    lp: &LoopHandle,
    path: &Path,
    backlog: u32,
    on_connection: impl Fn(Socket) + 'static,
) -> Result<Server> {
    let listener = crate::sys::socket::unix_listen(path, backlog)
        .map_err(|e| Error::listen_failed(e, "listen", path.display().to_string(), None))?;
    let path = path.to_path_buf();
    Server::start(
        lp,
        Listener::Unix(listener, Some(path.clone())),
        on_connection,
    )
    .map_err(|(err, _)| {
        let _ = std::fs::remove_file(path);
        err
    })
}

impl Server {
    /// A server on a socket the caller made and bound: Node's `server.listen({ fd })`.
    /// The socket (TCP over IPv4 or IPv6, or Unix; listening already or not) is made to
    /// listen with [`DEFAULT_BACKLOG`], as Node does (an unbound TCP socket listens on a
    /// port the kernel picks), put in nonblocking mode, and owned by the server from then
    /// on. `on_connection` gets each accepted [`Socket`], as with [`listen_tcp`].
    /// [`create_server`](super::create_server) takes a `backlog`
    /// ([`NewServer::listen_fd`](super::NewServer::listen_fd)).
    ///
    /// # Errors
    ///
    /// The fd comes back inside [`FdError`], with Node's error for `listen` (code the errno,
    /// message `listen EINVAL: invalid argument` and the reason): `ENOTSOCK` for an fd that is no socket (a pipe, a file),
    /// `EINVAL` for a socket that cannot listen (datagram or seqpacket, of another family,
    /// or connected), `NotConnected` when the loop is gone.
    ///
    /// # Node compatibility
    ///
    /// Node reports these as an `'error'` event after `listen()` returns; here the call
    /// fails, with the fd given back. Node names a regular file `EINVAL` (libuv sees a file
    /// handle); here it is `ENOTSOCK`, as for a pipe. A Unix socket's path is not removed
    /// when this server closes (the server did not bind it), as in Node.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::OwnedFd;
    /// use nodestream::net::Server;
    /// use nodestream::EventLoop;
    ///
    /// let lp = EventLoop::new()?;
    /// let bound: OwnedFd = std::net::TcpListener::bind("127.0.0.1:0")?.into();
    /// let server = Server::from_listener(&lp.handle(), bound, |sock| sock.writable.end_with("hi"))
    ///     .map_err(|e| e.error)?;
    /// assert!(server.local_addr()?.port() != 0);
    /// server.close();
    /// lp.run()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_listener(
        lp: &LoopHandle,
        fd: impl Into<OwnedFd>,
        on_connection: impl Fn(Socket) + 'static,
    ) -> Result<Server, FdError> {
        listen_fd_with(lp, fd.into(), DEFAULT_BACKLOG, on_connection)
    }
}

pub(super) fn listen_fd_with(
    lp: &LoopHandle,
    fd: OwnedFd,
    backlog: u32,
    on_connection: impl Fn(Socket) + 'static,
) -> Result<Server, FdError> {
    let listener = match crate::sys::socket::listen_on(fd, backlog) {
        Ok(Listening::Tcp(t)) => Listener::Tcp(t),
        Ok(Listening::Unix(u)) => Listener::Unix(u, None),
        Err((error, fd)) => return Err(FdError::new(error, fd)),
    };
    Server::start(lp, listener, on_connection).map_err(|(error, listener)| {
        let fd = match listener {
            Listener::Tcp(t) => t.into(),
            Listener::Unix(u, _) => u.into(),
        };
        FdError::new(error, fd)
    })
}

#[cfg(test)]
mod faults;

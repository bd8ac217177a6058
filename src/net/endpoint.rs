//! Node's one-call forms, `net.connect(...)` and `net.createServer(listener).listen(...)`,
//! over either kind of address.

use std::fmt;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use super::fd_receive::ReceiveOptions;
use super::server::{listen_fd_with, listen_tcp_with, listen_unix_with, Server, DEFAULT_BACKLOG};
use super::socket::{connect_tcp, connect_unix, Socket};
use crate::error::{FdError, Result};
use crate::reactor::LoopHandle;

/// Where to connect or listen: a TCP address, or the path of a Unix socket (Node's
/// `connect(port, host)` and `connect(path)`).
///
/// Made with `From`: a [`SocketAddr`] is TCP; a [`Path`] or [`PathBuf`] is a Unix socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A TCP address (port 0, when listening, picks a free one).
    Tcp(SocketAddr),
    /// The path of a Unix stream socket.
    Unix(PathBuf),
    /// A host name (or an IP address as text) and a port, to connect to once looked up
    /// ([`connect_host`](super::connect_host)). Listening on one is refused.
    Host(String, u16),
}

impl From<(&str, u16)> for Endpoint {
    fn from((host, port): (&str, u16)) -> Endpoint {
        Endpoint::Host(host.to_owned(), port)
    }
}

impl From<(String, u16)> for Endpoint {
    fn from((host, port): (String, u16)) -> Endpoint {
        Endpoint::Host(host, port)
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Endpoint {
        Endpoint::Tcp(addr)
    }
}

impl From<PathBuf> for Endpoint {
    fn from(path: PathBuf) -> Endpoint {
        Endpoint::Unix(path)
    }
}

impl From<&Path> for Endpoint {
    fn from(path: &Path) -> Endpoint {
        Endpoint::Unix(path.to_path_buf())
    }
}

/// Node's `net.connect`: a [`Socket`] connecting to `to`, which emits `'connect'` then
/// `'ready'` once connected ([`connect_tcp`], [`connect_unix`]).
///
/// # Errors
///
/// Errors found at once (`ENETUNREACH`, `EMFILE`; for a Unix socket also `ENOENT` and
/// `ECONNREFUSED`, since a Unix connect is decided at once). A refused TCP connection is an
/// `'error'` event (`ECONNREFUSED`) instead.
pub fn connect(lp: &LoopHandle, to: impl Into<Endpoint>) -> Result<Socket> {
    match to.into() {
        Endpoint::Tcp(addr) => connect_tcp(lp, addr),
        Endpoint::Unix(path) => connect_unix(lp, path, ReceiveOptions::default()),
        Endpoint::Host(host, port) => super::lookup::connect_host(lp, &host, port),
    }
}

/// Node's `net.createServer(connectionListener)`: a server that is not listening yet.
/// `on_connection` gets each accepted [`Socket`] (a `'connection'` listener).
///
/// # Examples
///
/// ```
/// use nodestream::net;
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let server = net::create_server(&lp.handle(), |sock| sock.writable.end_with("hi"))
///     .backlog(1024)
///     .listen("127.0.0.1:0".parse::<std::net::SocketAddr>()?)?;
/// server.close();
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_server(lp: &LoopHandle, on_connection: impl Fn(Socket) + 'static) -> NewServer {
    NewServer {
        lp: lp.clone(),
        on_connection: Box::new(on_connection),
        backlog: DEFAULT_BACKLOG,
    }
}

/// A server made by [`create_server`] that is not listening yet: set its
/// [`backlog`](NewServer::backlog) if need be, then call [`listen`](NewServer::listen) (or
/// [`listen_fd`](NewServer::listen_fd)).
pub struct NewServer {
    lp: LoopHandle,
    on_connection: Box<dyn Fn(Socket)>,
    backlog: u32,
}

impl fmt::Debug for NewServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewServer")
            .field("backlog", &self.backlog)
            .finish_non_exhaustive()
    }
}

impl NewServer {
    /// Node's `backlog` option of `server.listen`: how many connections the kernel queues
    /// while nobody accepts them (default [`DEFAULT_BACKLOG`], 511, as Node's; the kernel
    /// caps it at `net.core.somaxconn`). A queue that is full makes TCP clients retransmit
    /// their `SYN` (a stall of a second or more) and Unix clients fail with `EAGAIN`.
    pub fn backlog(mut self, backlog: u32) -> NewServer {
        self.backlog = backlog;
        self
    }

    /// Node's `server.listen`: binds and listens on `on` ([`listen_tcp`](super::listen_tcp),
    /// [`listen_unix`](super::listen_unix)) with the [`backlog`](NewServer::backlog);
    /// `'listening'` follows on the next tick.
    ///
    /// # Errors
    ///
    /// `EADDRINUSE` (also when a Unix socket's path exists), `EACCES`, ... worded as
    /// Node's: `listen EADDRINUSE: address already in use 127.0.0.1:32967`.
    /// `ERR_INVALID_ARG_VALUE` for an [`Endpoint::Host`] that is a name, not an IP address
    /// (a name is looked up only to connect).
    pub fn listen(self, on: impl Into<Endpoint>) -> Result<Server> {
        match on.into() {
            Endpoint::Tcp(addr) => {
                listen_tcp_with(&self.lp, addr, self.backlog, self.on_connection)
            }
            Endpoint::Unix(path) => {
                listen_unix_with(&self.lp, &path, self.backlog, self.on_connection)
            }
            Endpoint::Host(host, port) => match host.parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    let addr = SocketAddr::new(ip, port);
                    listen_tcp_with(&self.lp, addr, self.backlog, self.on_connection)
                }
                Err(_) => Err(crate::Error::new(
                    crate::ErrorCode::InvalidArgValue,
                    format!("listening on a host name is not supported: {host}"),
                )),
            },
        }
    }

    /// Node's `server.listen({ fd })`: listens on a socket the caller made and bound, with
    /// the [`backlog`](NewServer::backlog) (see [`Server::from_listener`]).
    ///
    /// # Errors
    ///
    /// As [`Server::from_listener`]: the fd comes back inside [`FdError`].
    pub fn listen_fd(self, fd: impl Into<OwnedFd>) -> Result<Server, FdError> {
        listen_fd_with(&self.lp, fd.into(), self.backlog, self.on_connection)
    }
}

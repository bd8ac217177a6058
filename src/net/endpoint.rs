//! Node's one-call forms, `net.connect(...)` and `net.createServer(listener).listen(...)`,
//! over either kind of address.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::fd_receive::ReceiveOptions;
use super::server::{listen_tcp, listen_unix, Server};
use super::socket::{connect_tcp, connect_unix, Socket};
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

/// Node's `net.connect`: a [`Socket`] connecting to `to`, with `'connect'` then `'ready'` on
/// its writable side once connected ([`connect_tcp`], [`connect_unix`]).
///
/// # Errors
///
/// Errors found at once (`ENETUNREACH`, `EMFILE`; for a Unix socket also `ENOENT` and
/// `ECONNREFUSED`, since a Unix connect is decided at once). A refused TCP connection is an
/// `'error'` event (`ECONNREFUSED`) instead.
pub fn connect(lp: &LoopHandle, to: impl Into<Endpoint>) -> io::Result<Socket> {
    match to.into() {
        Endpoint::Tcp(addr) => connect_tcp(lp, addr),
        Endpoint::Unix(path) => connect_unix(lp, path, ReceiveOptions::default()),
    }
}

/// Node's `net.createServer(connectionListener)`: a server that is not listening yet.
/// `on_connection` gets each accepted [`Socket`] (a `'connection'` listener).
pub fn create_server(lp: &LoopHandle, on_connection: impl Fn(Socket) + 'static) -> NewServer {
    NewServer {
        lp: lp.clone(),
        on_connection: Box::new(on_connection),
    }
}

/// A server made by [`create_server`] that is not listening yet: call
/// [`listen`](NewServer::listen).
pub struct NewServer {
    lp: LoopHandle,
    on_connection: Box<dyn Fn(Socket)>,
}

impl fmt::Debug for NewServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewServer").finish_non_exhaustive()
    }
}

impl NewServer {
    /// Node's `server.listen`: binds and listens on `on` ([`listen_tcp`], [`listen_unix`]);
    /// `'listening'` follows on the next tick.
    ///
    /// # Errors
    ///
    /// `EADDRINUSE` (also when a Unix socket's path exists), `EACCES`, ...
    pub fn listen(self, on: impl Into<Endpoint>) -> io::Result<Server> {
        match on.into() {
            Endpoint::Tcp(addr) => listen_tcp(&self.lp, addr, self.on_connection),
            Endpoint::Unix(path) => listen_unix(&self.lp, path, self.on_connection),
        }
    }
}

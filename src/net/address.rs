//! A socket's addresses: Node's `socket.localAddress`, `localPort`, `localFamily`,
//! `remoteAddress`, `remotePort`, `remoteFamily` and `socket.address()`.
//!
//! As in Node, the local address is asked of the kernel each time (`getsockname`) and is
//! unknown while the socket connects or once it is destroyed; the peer's address
//! (`getpeername`) is kept once it was asked while connected, so it is still there after
//! `'close'`. A Unix socket has none of them (Node's are `undefined`).
//!
//! # Examples
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr, SocketAddr};
//!
//! use nodestream::net;
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let server = net::create_server(&lp, |sock| sock.end())
//!     .listen("127.0.0.1:0".parse::<SocketAddr>()?)?;
//! let port = server.local_addr()?.port();
//! let client = net::connect(&lp, server.local_addr()?)?;
//! assert_eq!(client.remote_address(), None); // still connecting
//! let c = client.downgrade();
//! client.on("connect", move |_: &()| {
//!     let c = c.upgrade().unwrap();
//!     assert_eq!(c.remote_address(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
//!     assert_eq!((c.remote_port(), c.remote_family()), (Some(port), Some("IPv4")));
//!     assert_eq!(c.address().unwrap().family, "IPv4");
//! });
//! let s = server.clone();
//! client.on("close", move |_: &()| s.close());
//! client.resume();
//! event_loop.run()?;
//! assert_eq!(client.remote_port(), Some(port)); // kept after 'close', as Node's
//! assert_eq!(client.local_port(), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use super::Socket;
use crate::sys::socket::{local_ip_addr, peer_ip_addr};

/// Node's `socket.address()` (and `server.address()`) object: `{ address, family, port }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SocketAddress {
    /// The IP address (`'127.0.0.1'`, `'::1'`).
    pub address: IpAddr,
    /// `"IPv4"` or `"IPv6"`, as Node names them.
    pub family: &'static str,
    /// The port.
    pub port: u16,
}

impl SocketAddress {
    /// The address of `addr`, with its family's name.
    pub fn new(addr: SocketAddr) -> SocketAddress {
        SocketAddress {
            address: addr.ip(),
            family: family(addr.ip()),
            port: addr.port(),
        }
    }
}

impl From<SocketAddr> for SocketAddress {
    fn from(addr: SocketAddr) -> SocketAddress {
        SocketAddress::new(addr)
    }
}

impl From<SocketAddress> for SocketAddr {
    fn from(addr: SocketAddress) -> SocketAddr {
        SocketAddr::new(addr.address, addr.port)
    }
}

impl fmt::Display for SocketAddress {
    /// As Node's `util.inspect` of the object: `{ address: '127.0.0.1', family: 'IPv4',
    /// port: 8000 }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{ address: '{}', family: '{}', port: {} }}",
            self.address, self.family, self.port
        )
    }
}

/// Node's family names.
pub(super) fn family(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IPv4",
        IpAddr::V6(_) => "IPv6",
    }
}

impl Socket {
    /// The local address, when the socket has one to tell (Node's `_getsockname`): TCP,
    /// not connecting, not destroyed.
    fn sockname(&self) -> Option<SocketAddr> {
        if self.state.unix || self.connecting() {
            return None;
        }
        self.writable.with_fd(|fd| local_ip_addr(fd)).flatten()
    }

    /// The peer's address (Node's `_getpeername`): kept once known; asked of the kernel
    /// while connected.
    fn peername(&self) -> Option<SocketAddr> {
        if let Some(peer) = self.state.peer.get() {
            return Some(peer);
        }
        if self.state.unix || self.connecting() {
            return None;
        }
        let peer = self.writable.with_fd(|fd| peer_ip_addr(fd)).flatten()?;
        self.state.peer.set(Some(peer));
        Some(peer)
    }

    /// Node's `socket.address()`: the local `{ address, family, port }`; `None` (Node's
    /// `{}`) for a Unix socket, while connecting, and once destroyed.
    pub fn address(&self) -> Option<SocketAddress> {
        self.sockname().map(SocketAddress::new)
    }

    /// Node's `socket.localAddress`: `None` (Node's `undefined`) for a Unix socket, while
    /// connecting, and once destroyed.
    pub fn local_address(&self) -> Option<IpAddr> {
        self.sockname().map(|a| a.ip())
    }

    /// Node's `socket.localPort`, known as [`local_address`](Socket::local_address) is.
    pub fn local_port(&self) -> Option<u16> {
        self.sockname().map(|a| a.port())
    }

    /// Node's `socket.localFamily`: `"IPv4"` or `"IPv6"`, known as
    /// [`local_address`](Socket::local_address) is.
    pub fn local_family(&self) -> Option<&'static str> {
        self.sockname().map(|a| family(a.ip()))
    }

    /// Node's `socket.remoteAddress`: `None` for a Unix socket and while connecting; kept
    /// after the socket is destroyed once it was asked while connected, as Node keeps it.
    pub fn remote_address(&self) -> Option<IpAddr> {
        self.peername().map(|a| a.ip())
    }

    /// Node's `socket.remotePort`, known as [`remote_address`](Socket::remote_address) is.
    pub fn remote_port(&self) -> Option<u16> {
        self.peername().map(|a| a.port())
    }

    /// Node's `socket.remoteFamily`, known as [`remote_address`](Socket::remote_address)
    /// is.
    pub fn remote_family(&self) -> Option<&'static str> {
        self.peername().map(|a| family(a.ip()))
    }
}

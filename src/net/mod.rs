//! Node's `net` module: TCP and Unix stream sockets, servers, and descriptors passed over
//! Unix sockets.
//!
//! - [`connect`] (Node's `net.connect`): a [`Socket`] to a TCP address or a Unix socket's
//!   path ([`Endpoint`]); [`connect_tcp`] and [`connect_unix`] are the two forms spelled out.
//! - [`create_server`] (Node's `net.createServer`) then [`NewServer::listen`]: a [`Server`]
//!   that hands each accepted connection to its `'connection'` listener; [`listen_tcp`] and
//!   [`listen_unix`] do both steps at once. The listen `backlog` is Node's 511
//!   ([`DEFAULT_BACKLOG`]; [`NewServer::backlog`] changes it), and
//!   [`Server::from_listener`] (or [`NewServer::listen_fd`]) serves a socket the caller bound,
//!   as Node's `server.listen({ fd })`.
//! - [`unix_pair`]: two connected Unix sockets, as streams.
//! - [`connect_host`] (or [`connect`] with `("host", port)`): a connect to a host name,
//!   looked up off the loop thread, with `'lookup'` ([`LOOKUP`]) first.
//! - A socket's addresses ([`Socket::remote_address`], [`Socket::address`], ...), TCP
//!   options ([`Socket::set_no_delay`], [`Socket::set_keep_alive`]), byte counts
//!   ([`Socket::bytes_read`], [`Socket::bytes_written`]) and idle timeout
//!   ([`Socket::set_timeout`], `'timeout'`: [`TIMEOUT`]), as Node's.
//!
//! A [`Socket`] is one Duplex, as Node's `net.Socket`: it dereferences to its
//! [`Duplex`](crate::stream::Duplex) (`socket.write(..)`, `socket.on(DATA, ..)`,
//! `socket.destroy(None)`), with one emitter for both sides, one `'error'` and one
//! `'close'`.
//! - Descriptor passing: on a Unix socket, [`FdWritable::write_with_fds`] sends descriptors
//!   with a chunk's first byte, and the readable side emits `'fd'` ([`FD`], a [`PassedFd`])
//!   before the `'data'` that carries that byte.
//!
//! Sockets are written with `sendmsg(MSG_NOSIGNAL)`, so a peer that went away is an `EPIPE`
//! error and never a signal.
//!
//! [`FdWritable::write_with_fds`]: crate::stream::FdWritable::write_with_fds
//!
//! # Examples
//!
//! An echo server on a free port, and a client that sends one line and reads it back:
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::events::{DATA, END};
//! use nodestream::net::{self, Socket};
//! use nodestream::stream::readable::Chunk;
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let server = net::create_server(&lp, |sock: Socket| {
//!     sock.readable.pipe(&*sock.writable);
//! })
//! .listen("127.0.0.1:0".parse::<std::net::SocketAddr>()?)?;
//!
//! let client = net::connect(&lp, server.local_addr()?)?;
//! let echoed = Rc::new(RefCell::new(Vec::new()));
//! let e = echoed.clone();
//! client.on(DATA, move |c: &Chunk| {
//!     e.borrow_mut().extend_from_slice(c.as_bytes().unwrap_or_default())
//! });
//! let s = server.clone();
//! client.on(END, move |_: &()| s.close());
//! client.end_with("ping\n");
//! event_loop.run()?;
//! assert_eq!(echoed.borrow().as_slice(), b"ping\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod address;
mod endpoint;
mod fd_receive;
mod lookup;
mod server;
mod socket;
mod sockopts;
mod timeout;

pub use address::SocketAddress;
pub use endpoint::{connect, create_server, Endpoint, NewServer};
pub use fd_receive::{PassedFd, ReceiveOptions, DEFAULT_MAX_UNCLAIMED_FDS, FD};
pub use lookup::{connect_host, Lookup, LOOKUP};
pub use server::{listen_tcp, listen_unix, Server, CONNECTION, DEFAULT_BACKLOG, LISTENING};
pub use socket::{connect_tcp, connect_unix, unix_pair, Socket, WeakSocket};
pub use timeout::TIMEOUT;

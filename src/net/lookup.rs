//! Connecting to a host name: Node's `net.connect(port, host)` with a name to look up.
//!
//! The name is resolved on the worker pool the file streams use (`getaddrinfo` blocks),
//! and the result comes back to the loop thread, where the socket emits `'lookup'`
//! ([`LOOKUP`], a [`Lookup`]) and then connects as [`connect_tcp`](super::connect_tcp)
//! does. A name that does not resolve is `'lookup'` with the error, then `'error'` (on the
//! next tick, as Node destroys the socket) and `'close'`: `getaddrinfo ENOTFOUND
//! no-such-host.invalid`, code `ENOTFOUND`, `errno` -3008, `syscall` `getaddrinfo`,
//! [`hostname`](crate::Error::hostname) the name. An IP address given as a string is not
//! looked up, and there is no `'lookup'`, as in Node.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use nodestream::net::{self, Lookup, LOOKUP};
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let server = net::create_server(&lp, |sock| sock.end_with("hi"))
//!     .listen("127.0.0.1:0".parse::<std::net::SocketAddr>()?)?;
//! let client = net::connect(&lp, ("localhost", server.local_addr()?.port()))?;
//! let events = Rc::new(RefCell::new(Vec::new()));
//! let e = events.clone();
//! client.on(LOOKUP, move |l: &Lookup| {
//!     e.borrow_mut().push(format!("lookup {:?} {:?} {}", l.address, l.family, l.host))
//! });
//! let e = events.clone();
//! client.on("connect", move |_: &()| e.borrow_mut().push("connect".into()));
//! let s = server.clone();
//! client.on("close", move |_: &()| s.close());
//! client.resume();
//! event_loop.run()?;
//! assert_eq!(events.borrow()[1], "connect");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Node compatibility
//!
//! Node (from v20, `autoSelectFamily`) tries each address the name resolves to in turn;
//! this connects to the first IPv4 address, or the first address when there is none.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::rc::Rc;

use nodestream_emitter::Event;

use super::fd_receive::ReceiveOptions;
use super::socket::connect_tcp;
use super::{Socket, WeakSocket};
use crate::error::{Error, Result};
use crate::fs::inbox::Inbox;
use crate::reactor::LoopHandle;
use crate::sys::pool::Pool;

/// `'lookup'`: the host name of a [`connect_host`] was resolved (or not).
pub const LOOKUP: Event<Lookup> = Event::new("lookup");

/// The payload of `'lookup'`: Node's `(err, address, family, host)`.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// Why the name did not resolve (`ENOTFOUND`, `EAI_AGAIN`, ...).
    pub error: Option<Error>,
    /// The address the socket connects to.
    pub address: Option<IpAddr>,
    /// `4` or `6`, as Node's.
    pub family: Option<u8>,
    /// The name looked up.
    pub host: String,
}

/// What the worker found.
type Resolved = io::Result<Vec<SocketAddr>>;

/// Node's `net.connect(port, host)`: a [`Socket`] connecting to `port` on `host`, which is
/// looked up off the loop thread first (see the module docs); an IP address is connected
/// to at once ([`connect_tcp`]).
///
/// # Events
///
/// `'lookup'`, then as [`connect_tcp`]: `'connect'`, `'ready'`. A name that does not
/// resolve: `'lookup'` (with the error), `'error'`, `'close'`.
///
/// # Errors
///
/// `EMFILE`, `ENFILE` (no socket to connect with), and for an IP address what
/// [`connect_tcp`] reports at once.
pub fn connect_host(lp: &LoopHandle, host: &str, port: u16) -> Result<Socket> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return connect_tcp(lp, SocketAddr::new(ip, port));
    }
    let fd =
        crate::sys::socket::tcp_socket(false).map_err(|e| Error::syscall_failed(e, "socket"))?;
    // Made connecting: it waits (and holds writes) until the connect, which starts once the
    // name is resolved.
    let socket = Socket::make(lp, fd, true, ReceiveOptions::default())?;
    socket.name_peer(format!("{host}:{port}"));
    let weak = socket.downgrade();
    let name: Rc<str> = host.into();
    let inbox = Inbox::new(move |resolved: Resolved| {
        if let Some(socket) = weak.upgrade() {
            resolved_for(&socket, &name, resolved);
        }
    });
    let outbox = inbox.outbox(lp.remote());
    *socket.state.lookup.borrow_mut() = Some(inbox);
    let keep = lp.keep_alive();
    let host = host.to_owned();
    Pool::shared().submit(move || {
        let resolved = (host.as_str(), port)
            .to_socket_addrs()
            .map(Iterator::collect::<Vec<_>>);
        outbox.send(resolved);
        drop(keep);
    });
    Ok(socket)
}

/// On the loop thread: `'lookup'`, then the connect or the error.
fn resolved_for(socket: &Socket, host: &str, resolved: Resolved) {
    socket.state.lookup.borrow_mut().take();
    // Node drops the result of a socket destroyed meanwhile (it is no longer connecting).
    if socket.destroyed() {
        return;
    }
    let addr = match resolved {
        Ok(addrs) => addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or_else(|| addrs.first())
            .copied()
            .ok_or_else(|| Error::lookup_failed("ENOTFOUND", -3008, host)),
        Err(err) => Err(lookup_error(&err, host)),
    };
    match addr {
        Ok(addr) => {
            let family = if addr.is_ipv4() { 4 } else { 6 };
            socket.emitter().emit(
                LOOKUP,
                &Lookup {
                    error: None,
                    address: Some(addr.ip()),
                    family: Some(family),
                    host: host.to_owned(),
                },
            );
            if socket.destroyed() {
                return;
            }
            socket.name_peer(addr.to_string());
            socket.writable.core().connect_to(addr);
        }
        Err(err) => {
            socket.emitter().emit(
                LOOKUP,
                &Lookup {
                    error: Some(err.clone()),
                    address: None,
                    family: None,
                    host: host.to_owned(),
                },
            );
            // Node's `connectErrorNT`: the socket is destroyed on the next tick.
            let weak: WeakSocket = socket.downgrade();
            socket.loop_handle().next_tick(move || {
                if let Some(socket) = weak.upgrade() {
                    socket.destroy(Some(err));
                }
            });
        }
    }
}

/// getaddrinfo's failure, as libuv names it. The standard library gives it as text
/// (`gai_strerror`'s), which is matched here.
fn lookup_error(err: &io::Error, host: &str) -> Error {
    let text = err.to_string();
    let (code, errno) = if text.contains("Temporary failure in name resolution") {
        ("EAI_AGAIN", -3001)
    } else if text.contains("Name or service not known")
        || text.contains("No address associated with hostname")
        || text.contains("nodename nor servname")
    {
        ("ENOTFOUND", -3008)
    } else {
        ("EAI_FAIL", -3004)
    };
    Error::lookup_failed(code, errno, host)
}

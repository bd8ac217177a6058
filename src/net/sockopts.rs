//! A socket's TCP options and byte counts: Node's `socket.setNoDelay`,
//! `socket.setKeepAlive`, `socket.bytesRead` and `socket.bytesWritten`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! use nodestream::net;
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let server = net::create_server(&lp, |sock| {
//!     sock.set_no_delay(true).set_keep_alive(true, Duration::from_secs(60));
//!     sock.resume();
//! })
//! .listen("127.0.0.1:0".parse::<std::net::SocketAddr>()?)?;
//! let client = net::connect(&lp, server.local_addr()?)?;
//! client.end_with("hello");
//! let s = server.clone();
//! client.on("close", move |_: &()| s.close());
//! client.resume();
//! event_loop.run()?;
//! assert_eq!((client.bytes_written(), client.bytes_read()), (5, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use super::Socket;
use crate::sys::socket::{set_keepalive, set_nodelay};

impl Socket {
    /// Node's `socket.setNoDelay(noDelay)`: `TCP_NODELAY` on or off (Nagle's algorithm off
    /// or on). Returns the socket, for chaining. A no-op on a Unix socket, as in Node; a
    /// failure (a destroyed socket) is ignored, as Node ignores it.
    pub fn set_no_delay(&self, no_delay: bool) -> &Socket {
        if !self.state.unix {
            let _ = self.writable.with_fd(|fd| set_nodelay(fd, no_delay));
        }
        self
    }

    /// Node's `socket.setKeepAlive(enable, initialDelay)`: `SO_KEEPALIVE`, and when
    /// enabling, `TCP_KEEPIDLE` of `initial_delay` in whole seconds (as libuv rounds it
    /// down; under a second leaves the system's default). Returns the socket, for
    /// chaining. A no-op on a Unix socket, as in Node; failures are ignored, as Node
    /// ignores them.
    pub fn set_keep_alive(&self, enable: bool, initial_delay: Duration) -> &Socket {
        if !self.state.unix {
            let secs = initial_delay.as_secs();
            let _ = self.writable.with_fd(|fd| set_keepalive(fd, enable, secs));
        }
        self
    }

    /// Node's `socket.bytesRead`: the bytes received so far (also after `'close'`).
    pub fn bytes_read(&self) -> u64 {
        self.state.stats.read()
    }

    /// Node's `socket.bytesWritten`: the bytes handed to the socket so far, the ones the
    /// kernel took and the ones still buffered (also after `'close'`).
    pub fn bytes_written(&self) -> u64 {
        let buffered: usize = self
            .writable
            .as_writable()
            .writable_buffer()
            .iter()
            .map(|c| c.encoded_len())
            .sum();
        self.state.stats.dispatched() + buffered as u64
    }
}

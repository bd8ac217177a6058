//! A socket's idle timeout: Node's `socket.setTimeout(msecs[, callback])`, the
//! `'timeout'` event ([`TIMEOUT`]) and `socket.timeout`.
//!
//! `'timeout'` comes once the socket has been idle (nothing read, nothing written, no
//! write progressing) for the time set; it only tells: the socket stays open, as in Node,
//! for the listener to end or destroy it. After it, the next activity arms the timer again.
//! A zero duration disables it. The timer never keeps the loop alive (Node's is unref'd).
//!
//! The timer is armed once per period, not at each read or write: the reads and writes
//! only note the time (see `stream::io_stats`), and a timer that fires early for that
//! reason re-arms for what is left.
//!
//! # Examples
//!
//! A server that ends connections idle for 50 ms:
//!
//! ```
//! use std::time::Duration;
//!
//! use nodestream::net::{self, TIMEOUT};
//! use nodestream::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let lp = event_loop.handle();
//! let server = net::create_server(&lp, |sock| {
//!     let weak = sock.downgrade();
//!     sock.set_timeout_cb(Duration::from_millis(50), move || {
//!         if let Some(sock) = weak.upgrade() {
//!             sock.end_with("idle\n");
//!         }
//!     });
//! })
//! .listen("127.0.0.1:0".parse::<std::net::SocketAddr>()?)?;
//! let client = net::connect(&lp, server.local_addr()?)?;
//! let got = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
//! let g = got.clone();
//! client.on("data", move |c: &nodestream::stream::readable::Chunk| {
//!     g.borrow_mut().extend_from_slice(c.as_bytes().unwrap_or_default())
//! });
//! let s = server.clone();
//! client.on("close", move |_: &()| s.close());
//! event_loop.run()?;
//! assert_eq!(got.borrow().as_slice(), b"idle\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use nodestream_emitter::{names, Event};

use super::socket::SocketState;
use super::{Socket, WeakSocket};
use crate::reactor::TimerId;

/// `'timeout'`: the socket was idle for the time given to
/// [`set_timeout`](Socket::set_timeout).
pub const TIMEOUT: Event<()> = Event::new(names::TIMEOUT);

/// The idle timer of one socket.
#[derive(Debug, Default)]
pub(super) struct IdleTimeout {
    /// What `set_timeout` was last given (Node's `socket.timeout`).
    after: Cell<Option<Duration>>,
    /// The armed timer.
    timer: Cell<Option<TimerId>>,
}

impl Socket {
    /// Node's `socket.setTimeout(msecs)`: `'timeout'` ([`TIMEOUT`]) after `after` of
    /// inactivity; `Duration::ZERO` disables it. Returns the socket, for chaining. Does
    /// nothing on a destroyed socket, as in Node.
    ///
    /// # Events
    ///
    /// `'timeout'`, once per idle period; the socket is not ended or destroyed.
    pub fn set_timeout(&self, after: Duration) -> &Socket {
        if self.destroyed() {
            return self;
        }
        let st = &self.state;
        st.timeout.after.set(Some(after));
        if let Some(id) = st.timeout.timer.take() {
            st.lp.clear_timeout(id);
        }
        st.stats.on_next_activity(None);
        if !after.is_zero() {
            arm(st, self.downgrade(), after);
        }
        self
    }

    /// Node's `socket.setTimeout(msecs, callback)`: [`set_timeout`](Socket::set_timeout),
    /// and `callback` as a `once` listener of `'timeout'` (when `after` is not zero).
    ///
    /// # Node compatibility
    ///
    /// With a zero `after`, Node removes `callback` from the `'timeout'` listeners; a Rust
    /// closure has no identity to find it by, so it is dropped instead (remove a listener
    /// with [`off`](crate::stream::Duplex::off) and the id `once` gave).
    pub fn set_timeout_cb(&self, after: Duration, callback: impl Fn() + 'static) -> &Socket {
        if self.destroyed() {
            return self;
        }
        self.set_timeout(after);
        if !after.is_zero() {
            self.once(TIMEOUT, move |_: &()| callback());
        }
        self
    }

    /// Node's `socket.timeout`: what [`set_timeout`](Socket::set_timeout) was last given;
    /// `None` (Node's `undefined`) before.
    pub fn timeout(&self) -> Option<Duration> {
        self.state.timeout.after.get()
    }
}

/// Arms the timer for `delay`, unref'd.
fn arm(st: &Rc<SocketState>, socket: WeakSocket, delay: Duration) {
    let lp = st.lp.clone();
    let id = lp.set_timeout(delay, move || fire(socket));
    lp.unref_timer(id);
    st.timeout.timer.set(Some(id));
}

/// The timer fired: `'timeout'` if the socket was idle all along, else re-armed for the
/// rest of the period since its last activity.
fn fire(socket: WeakSocket) {
    let Some(sock) = socket.upgrade() else {
        return;
    };
    let st = sock.state.clone();
    st.timeout.timer.set(None);
    let Some(after) = st.timeout.after.get().filter(|d| !d.is_zero()) else {
        return;
    };
    if sock.destroyed() {
        return;
    }
    let due = st.stats.last_active() + after;
    let now = st.lp.now();
    if due > now {
        arm(&st, socket, due - now);
        return;
    }
    // Node's timer, once fired, is armed again by the next activity (`refresh()`).
    let weak = socket.clone();
    st.stats.on_next_activity(Some(Rc::new(move || {
        if let Some(sock) = weak.upgrade() {
            if let Some(after) = sock.state.timeout.after.get().filter(|d| !d.is_zero()) {
                if sock.state.timeout.timer.get().is_none() {
                    arm(&sock.state, weak.clone(), after);
                }
            }
        }
    })));
    sock.emitter().emit(TIMEOUT, &());
}

//! [`SharedFd`]: one fd, registered with the loop once, read by one stream and written by
//! another.
//!
//! A socket is one handle in Node (a Duplex); here a `net::Socket` is a Duplex too, whose
//! readable and writable sides are two state machines, each with its own source or sink,
//! and epoll registers an fd once. So the sides share the fd and one registration, each
//! through a share of its own, as libuv's `uv__stream_io` serves both directions of one
//! handle:
//!
//! - **Readiness** goes to the side it concerns: readable (or read-closed) to the reading
//!   side, writable (or write-closed) to the writing side, an error to both; the reading
//!   side first, then the writing side, as libuv reads before it writes. A side that has
//!   let go of its share receives nothing more, also in the callback that is running when
//!   it does.
//! - **Keeping the loop alive** is the OR of both sides' wishes ([`SharedFd::set_ref`]): a
//!   write in flight or a connect keeps it alive whatever the reader wants, and the other
//!   way round.
//! - **The fd closes when the last share goes** ([`SharedFd::close`], or dropping it), after
//!   it is deregistered. A socket's destroy lets go of both shares (the sink's `destroy`,
//!   then the source's), so its fd closes inside that one destroy, as Node closes the
//!   handle in the Duplex's `_destroy`.
//! - **No cycle through the loop**: the registration reaches the shares' common state
//!   weakly, and that state reaches each side weakly (a [`Ready`] side, its stream's fd
//!   state), so the loop owns no stream through a registration (what keeps a stream alive
//!   is its own business: a hold, a handle); a stream nobody holds is freed and its share
//!   with it.
//! - **A side that panics** (a listener of its stream) panics the whole callback: the loop
//!   keeps the readiness and calls again next turn (`reactor/phases.rs`), so the side that
//!   had not run yet still gets its readiness, and the side that panicked reads or writes
//!   on.
//!
//! An fd only one stream uses (a pipe's end) is a share of its own kind, registered for its
//! one direction ([`SharedFd::reading`], [`SharedFd::writing`]); an fd both directions
//! use (a socket, a child's IPC channel) is [`SharedFd::both`]. A regular file is never
//! registered ([`SharedFd::unpolled`]).

use std::cell::Cell;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::rc::{Rc, Weak};

use super::io_stats::IoStats;
use crate::reactor::{LoopHandle, PostAction, Readiness, SourceId};
use crate::sys::FdSource;

/// Which way a share uses the fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Read = 0,
    Write = 1,
}

/// A side of a shared fd: the stream state its readiness is handed to.
pub(crate) trait Ready: 'static {
    /// The fd is ready for this side: read (or write) until `WouldBlock`, or return
    /// [`PostAction::Again`] when the budget ran out with work left.
    fn ready(self: Rc<Self>) -> PostAction;
}

/// What the shares of one fd have in common. Only shares hold it strongly (the
/// registration holds it weakly and upgrades it only to reach a side), so the last
/// share to go knows it is the last.
struct Inner {
    lp: LoopHandle,
    fd: OwnedFd,
    /// `None` for an fd never registered (a regular file), or once deregistered.
    id: Cell<Option<SourceId>>,
    /// Each side, by [`Side`]; `None` once its share is gone.
    sides: [Cell<Option<Weak<dyn Ready>>>; 2],
    /// Each side's wish to keep the loop alive.
    wants_ref: [Cell<bool>; 2],
    /// What the loop was last told (it ref's a source when it is registered).
    referenced: Cell<bool>,
    /// Both sides' byte counts and activity (a socket keeps a handle of its own).
    stats: Rc<IoStats>,
}

impl Inner {
    fn new(lp: &LoopHandle, fd: OwnedFd) -> Inner {
        Inner {
            lp: lp.clone(),
            fd,
            id: Cell::new(None),
            sides: Default::default(),
            wants_ref: Default::default(),
            referenced: Cell::new(true),
            stats: Rc::new(IoStats::new(lp)),
        }
    }

    /// Tells the loop the OR of both sides' wishes, when it changed.
    fn update_ref(&self) {
        let Some(id) = self.id.get() else {
            return;
        };
        let want = self.wants_ref[0].get() || self.wants_ref[1].get();
        if self.referenced.replace(want) != want {
            self.lp.set_source_ref(id, want);
        }
    }

    /// The side `side`, if its share is still there and its state alive.
    fn side(&self, side: Side) -> Option<Rc<dyn Ready>> {
        let cell = &self.sides[side as usize];
        let weak = cell.take();
        let ready = weak.as_ref().and_then(Weak::upgrade);
        cell.set(weak);
        ready
    }

    /// Takes the fd out of the poll (once).
    fn deregister(&self) -> Result<(), crate::Error> {
        match self.id.take() {
            Some(id) => self.lp.deregister(id, &mut FdSource(self.fd.as_fd())),
            None => Ok(()),
        }
    }
}

/// One side's share of an fd and of its loop registration (see the module docs). The fd
/// is reached through [`AsFd`] and stays open as long as any share of it exists.
pub(crate) struct SharedFd {
    inner: Rc<Inner>,
    side: Side,
}

impl SharedFd {
    /// `fd` registered for reading only: one share, the reading side's.
    ///
    /// # Errors
    ///
    /// What registering reports (`NotConnected` once the loop is gone), with the fd.
    pub(crate) fn reading(
        lp: &LoopHandle,
        fd: OwnedFd,
    ) -> Result<SharedFd, (crate::Error, OwnedFd)> {
        let inner = register(lp, fd, mio::Interest::READABLE)?;
        Ok(SharedFd {
            inner,
            side: Side::Read,
        })
    }

    /// `fd` registered for writing only: one share, the writing side's.
    ///
    /// # Errors
    ///
    /// As [`reading`](SharedFd::reading).
    pub(crate) fn writing(
        lp: &LoopHandle,
        fd: OwnedFd,
    ) -> Result<SharedFd, (crate::Error, OwnedFd)> {
        let inner = register(lp, fd, mio::Interest::WRITABLE)?;
        Ok(SharedFd {
            inner,
            side: Side::Write,
        })
    }

    /// `fd` registered once for both directions: the reading side's share, then the
    /// writing side's.
    ///
    /// # Errors
    ///
    /// As [`reading`](SharedFd::reading).
    pub(crate) fn both(
        lp: &LoopHandle,
        fd: OwnedFd,
    ) -> Result<(SharedFd, SharedFd), (crate::Error, OwnedFd)> {
        let inner = register(lp, fd, mio::Interest::READABLE | mio::Interest::WRITABLE)?;
        let read = SharedFd {
            inner: inner.clone(),
            side: Side::Read,
        };
        let write = SharedFd {
            inner,
            side: Side::Write,
        };
        Ok((read, write))
    }

    /// `fd` never registered (a regular file: epoll refuses it, and it never says
    /// `EAGAIN`): one share for `side`, which is never handed readiness.
    pub(crate) fn unpolled(lp: &LoopHandle, fd: OwnedFd, side: Side) -> SharedFd {
        SharedFd {
            inner: Rc::new(Inner::new(lp, fd)),
            side,
        }
    }

    /// Hands this side's readiness to `side` (reached weakly: the shares' state never owns
    /// a stream's).
    pub(crate) fn on_ready<R: Ready>(&self, side: &Rc<R>) {
        let weak: Weak<R> = Rc::downgrade(side);
        let weak: Weak<dyn Ready> = weak;
        self.inner.sides[self.side as usize].set(Some(weak));
    }

    /// The byte counts and activity both sides of this fd share.
    pub(crate) fn stats(&self) -> &Rc<IoStats> {
        &self.inner.stats
    }

    /// `n` bytes read from the fd.
    pub(crate) fn note_read(&self, n: usize) {
        self.inner.stats.note_read(&self.inner.lp, n);
    }

    /// `n` bytes handed to the writing side.
    pub(crate) fn note_dispatch(&self, n: usize) {
        self.inner.stats.note_dispatch(&self.inner.lp, n);
    }

    /// A write progressed or a connect finished.
    pub(crate) fn note_active(&self) {
        self.inner.stats.note_active(&self.inner.lp);
    }

    /// Whether this side wants the fd to keep the loop alive; the loop keeps it alive while
    /// either side does.
    pub(crate) fn set_ref(&self, on: bool) {
        self.inner.wants_ref[self.side as usize].set(on);
        self.inner.update_ref();
    }

    /// Whether the fd is registered with the loop (it is, unless made [`unpolled`]).
    ///
    /// [`unpolled`]: SharedFd::unpolled
    pub(crate) fn is_polled(&self) -> bool {
        self.inner.id.get().is_some()
    }

    /// Lets go of the fd: this side receives no more readiness and no longer keeps the loop
    /// alive. The last share to go deregisters the fd and closes it, and returns what
    /// `close` reported; a share whose other side still holds the fd returns `Ok(())` and
    /// leaves the fd open.
    ///
    /// # Errors
    ///
    /// What `close` reports (the fd is closed all the same).
    pub(crate) fn close(self) -> io::Result<()> {
        let inner = self.inner.clone();
        // Lets go (the clone above keeps the fd open a moment longer).
        drop(self);
        // The last strong reference now exactly when no other share is left.
        let Some(inner) = Rc::into_inner(inner) else {
            return Ok(());
        };
        if let Err(err) = inner.deregister() {
            log::warn!("nodestream: deregistering a stream's fd failed: {err}");
        }
        crate::sys::close(inner.fd)
    }
}

impl Drop for SharedFd {
    /// Lets go of the fd (see [`close`](SharedFd::close)); the last share deregisters it
    /// here, and the fd closes as the common state goes.
    fn drop(&mut self) {
        let side = self.side as usize;
        self.inner.sides[side].set(None);
        self.inner.wants_ref[side].set(false);
        if Rc::strong_count(&self.inner) == 1 {
            if let Err(err) = self.inner.deregister() {
                log::trace!("nodestream: deregistering a dropped stream's fd: {err}");
            }
        } else {
            self.inner.update_ref();
        }
    }
}

impl AsFd for SharedFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.fd.as_fd()
    }
}

impl fmt::Debug for SharedFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedFd")
            .field("side", &self.side)
            .field("shares", &Rc::strong_count(&self.inner))
            .field("polled", &self.is_polled())
            .finish()
    }
}

/// Registers `fd` with a callback that serves whichever shares exist.
fn register(
    lp: &LoopHandle,
    fd: OwnedFd,
    interest: mio::Interest,
) -> Result<Rc<Inner>, (crate::Error, OwnedFd)> {
    let inner = Rc::new(Inner::new(lp, fd));
    let me = Rc::downgrade(&inner);
    let registered = lp.register(&mut FdSource(inner.fd.as_fd()), interest, move |ready| {
        dispatch(&me, ready)
    });
    match registered {
        Ok(id) => {
            inner.id.set(Some(id));
            // Idle, an fd keeps the loop alive for neither side.
            inner.update_ref();
            Ok(inner)
        }
        Err(error) => {
            // The callback (and its weak reference) went with the failed registration.
            let inner = Rc::into_inner(inner).expect("not shared yet");
            Err((error, inner.fd))
        }
    }
}

/// The registration's callback: each side the readiness concerns, the reading side first.
fn dispatch(me: &Weak<Inner>, ready: Readiness) -> PostAction {
    if me.strong_count() == 0 {
        return PostAction::Remove;
    }
    // An error (or a readiness the bits do not name) is every side's business.
    let both = ready.is_error() || ready.is_empty();
    let mut action = PostAction::Continue;
    if both || ready.is_readable() || ready.is_read_closed() {
        action = merge(action, call(me, Side::Read));
    }
    if both || ready.is_writable() || ready.is_write_closed() {
        action = merge(action, call(me, Side::Write));
    }
    action
}

/// Hands the readiness to `side`, if its share is still there. Nothing of the shares'
/// state is held strongly meanwhile: the side runs user code, which may let go of any
/// share.
fn call(me: &Weak<Inner>, side: Side) -> PostAction {
    let ready = me.upgrade().and_then(|inner| inner.side(side));
    match ready {
        Some(ready) => ready.ready(),
        None => PostAction::Continue,
    }
}

/// `Again` if either side asked for it (the loop then calls both again next turn, with the
/// same readiness; a side that had drained finds nothing and returns at once).
fn merge(a: PostAction, b: PostAction) -> PostAction {
    if a == PostAction::Again || b == PostAction::Again {
        PostAction::Again
    } else {
        PostAction::Continue
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::os::fd::AsFd;
    use std::rc::Rc;

    use rustix::net::{socketpair, AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

    use super::*;
    use crate::sys::testing::{fd_count, isolated};
    use crate::EventLoop;

    fn pair() -> (OwnedFd, OwnedFd) {
        socketpair(
            AddressFamily::UNIX,
            SocketType::STREAM,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            None,
        )
        .unwrap()
    }

    type Log = Rc<RefCell<Vec<&'static str>>>;

    /// A side that logs its name when it is ready, and may then let go of a share.
    struct Logging {
        log: Log,
        name: &'static str,
        drops: RefCell<Option<SharedFd>>,
    }

    impl Ready for Logging {
        fn ready(self: Rc<Self>) -> PostAction {
            self.log.borrow_mut().push(self.name);
            drop(self.drops.borrow_mut().take());
            PostAction::Continue
        }
    }

    /// Logs `share`'s readiness as `name`; the side is kept alive by the returned `Rc`.
    fn logging(share: &SharedFd, log: &Log, name: &'static str) -> Rc<Logging> {
        let side = Rc::new(Logging {
            log: log.clone(),
            name,
            drops: RefCell::new(None),
        });
        share.on_ready(&side);
        side
    }

    #[test]
    fn readiness_goes_to_the_side_it_concerns_and_the_fd_closes_with_the_last_share() {
        isolated!(
            readiness_goes_to_the_side_it_concerns_and_the_fd_closes_with_the_last_share,
            || {
                let el = EventLoop::new().unwrap();
                let (ours, peer) = pair();
                let before = fd_count();
                let (read, write) = SharedFd::both(&el.handle(), ours).unwrap();
                assert_eq!(fd_count(), before, "a share is no new fd");
                let log = Log::default();
                let _r = logging(&read, &log, "read");
                let _w = logging(&write, &log, "write");
                // A fresh socket is writable: the writing side hears of it, only it.
                el.run_once().unwrap();
                assert_eq!(*log.borrow(), ["write"]);
                log.borrow_mut().clear();
                // Bytes arrive: the event carries both bits (the socket is still writable).
                rustix::net::send(&peer, b"x", SendFlags::empty()).unwrap();
                el.run_once().unwrap();
                assert_eq!(*log.borrow(), ["read", "write"]);
                log.borrow_mut().clear();
                // The writing side lets go first: the fd stays open for the reading side,
                // which alone hears of the next bytes.
                write.close().unwrap();
                assert_eq!(fd_count(), before);
                rustix::net::send(&peer, b"y", SendFlags::empty()).unwrap();
                el.run_once().unwrap();
                assert_eq!(*log.borrow(), ["read"]);
                let mut buf = [0u8; 4];
                assert_eq!(
                    rustix::net::recv(read.as_fd(), &mut buf, RecvFlags::DONTWAIT).unwrap(),
                    (2, 2)
                );
                // The last share closes it: the peer reads end of file.
                read.close().unwrap();
                assert_eq!(fd_count(), before - 1);
                assert_eq!(
                    rustix::net::recv(&peer, &mut buf, RecvFlags::DONTWAIT).unwrap(),
                    (0, 0)
                );
                assert!(!el.has_pending());
                drop((peer, el));
            }
        );
    }

    #[test]
    fn the_loop_is_kept_alive_while_either_side_wants_it_and_a_dropped_share_wants_nothing() {
        let el = EventLoop::new().unwrap();
        let (ours, _peer) = pair();
        let (read, write) = SharedFd::both(&el.handle(), ours).unwrap();
        let alive = || el.handle().inner.sources.borrow().referenced() > 0;
        assert!(
            !alive(),
            "idle, the fd keeps the loop alive for neither side"
        );
        read.set_ref(true);
        write.set_ref(true);
        read.set_ref(false);
        assert!(alive(), "the writing side still wants it");
        write.set_ref(false);
        assert!(!alive());
        write.set_ref(true);
        drop(write);
        assert!(!alive(), "a share that went wants nothing");
        read.set_ref(true);
        assert!(alive());
        drop(read);
        assert_eq!(el.handle().inner.sources.borrow().len(), 0);
    }

    #[test]
    fn a_side_let_go_of_inside_the_other_sides_handler_hears_nothing_more() {
        let el = EventLoop::new().unwrap();
        let (ours, peer) = pair();
        let (read, write) = SharedFd::both(&el.handle(), ours).unwrap();
        let log = Log::default();
        let _w = logging(&write, &log, "write");
        let r = logging(&read, &log, "read");
        *r.drops.borrow_mut() = Some(write);
        rustix::net::send(&peer, b"x", SendFlags::empty()).unwrap();
        el.run_once().unwrap();
        assert_eq!(*log.borrow(), ["read"]);
        drop(read);
    }
}

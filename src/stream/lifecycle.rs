//! The events that mark a stream's life, shared by every kind of stream: `'open'` and
//! `'ready'` (a file or socket stream got its descriptor), `'close'` and `'error'`.
//!
//! Each constant is an [`Event<T>`]: register with it (`w.on(CLOSE, |_| ..)`) and the
//! payload type is fixed. They are gathered with the other streams' keys in
//! [`events`](crate::events).

use std::any::Any;
use std::cell::{Cell, RefCell, RefMut};
use std::fmt;
use std::os::fd::RawFd;
use std::rc::{Rc, Weak};

use nodestream_emitter::{names, Event};

use crate::error::Error;

/// `'close'`: the stream is destroyed and its resources released; the last event.
pub const CLOSE: Event<()> = Event::new(names::CLOSE);
/// `'error'`: the stream's first error. At most one per stream.
pub const ERROR: Event<Error> = Event::new(names::ERROR);
/// `'open'`: a file stream has opened its file; the payload is the descriptor's number,
/// as Node's `'open'` passes `fd`.
///
/// # Node compatibility
///
/// Node passes the numeric fd, and so does this event, wrapped in [`FdNumber`]: the
/// number is for display and comparison (`fd == ws.fd()`), never ownership. The stream
/// keeps its `OwnedFd` and closes it itself.
pub const OPEN: Event<FdNumber> = Event::new(names::OPEN);
/// `'ready'`: a file stream is ready to be written (right after `'open'`).
pub const READY: Event<()> = Event::new(names::READY);

/// The number of a descriptor a stream owns: the payload of [`OPEN`].
///
/// A raw number is acceptable here, where the crate otherwise hands out only
/// `OwnedFd`/`BorrowedFd`, because it mirrors Node's payload and never transfers ownership:
/// nothing in the crate takes an `FdNumber` back, and the stream closes the descriptor when
/// it is destroyed, after which the number may name another file. Use it to log or compare,
/// not to read, write or close.
///
/// # Examples
///
/// ```
/// use nodestream::events::OPEN;
/// use nodestream::fs::{create_write_stream, WriteStreamOptions};
/// use nodestream::EventLoop;
/// use std::{cell::Cell, rc::Rc};
///
/// let lp = EventLoop::new()?;
/// let path = std::env::temp_dir().join(format!("nodestream-fdnumber-{}", std::process::id()));
/// let ws = create_write_stream(&lp.handle(), &path, WriteStreamOptions::new())?;
/// let seen = Rc::new(Cell::new(None));
/// let (s, w) = (seen.clone(), ws.clone());
/// ws.on(OPEN, move |fd| s.set(Some(Some(fd.as_raw()) == w.fd())));
/// ws.end();
/// lp.run()?;
/// assert_eq!(seen.get(), Some(true));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FdNumber(RawFd);

impl FdNumber {
    /// Wraps the number of a descriptor the caller owns.
    pub(crate) fn new(fd: RawFd) -> FdNumber {
        FdNumber(fd)
    }

    /// The number, as Node's `fd` argument.
    pub fn as_raw(self) -> RawFd {
        self.0
    }
}

impl fmt::Display for FdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The library's own reactions to a stream's life-cycle: the one way code of this crate
/// learns that a stream it made has closed.
///
/// A listener the library adds to a stream's emitter is a listener like the user's: an
/// `'error'` listener would count as the user's handler (an error nobody listens to would
/// be swallowed instead of coming back from `run()`), and a `'close'` listener could be
/// removed by the user's `remove_all_listeners`. So wiring between streams, and
/// bookkeeping about them, never goes through the emitter; it is one of these hooks,
/// which the stream machinery calls directly, as Node's internals call `_destroy` or
/// decrement `server._connections` rather than listen. Each hook runs at most once and is
/// dropped after it ran (with the handles it holds).
///
/// The library keeps a listener only where Node adds one itself, so that listener counts
/// match Node's: `destroySoon`'s `'finish'` listener, the `'connection'` listener of `createServer(cb)`, and `pipe()`'s
/// listeners (whose `'error'` listener hands the error on when it is the only one, as
/// Node's does).
#[derive(Default)]
pub(crate) struct Hooks {
    lists: RefCell<Option<Box<HookLists>>>,
    /// The stream's kind and fd, for an error it leaves unhandled: inline (8 bytes), so
    /// naming an fd stream costs no allocation; richer names go in `HookLists::origin`.
    named: Cell<Option<(StreamKind, RawFd)>>,
}

/// The kinds of stream the crate makes over an fd, as an unhandled error names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamKind {
    /// [`FdWritable`](crate::stream::FdWritable).
    FdWritable,
    /// [`Readable::from_fd`](crate::stream::readable::Readable::from_fd).
    FdReadable,
    /// Either side of a [`net::Socket`](crate::net::Socket).
    Socket,
}

impl StreamKind {
    fn name(self) -> &'static str {
        match self {
            StreamKind::FdWritable => "FdWritable",
            StreamKind::FdReadable => "Readable",
            StreamKind::Socket => "net.Socket",
        }
    }
}

/// A closed hook that matters only while its target lives: the target, and the hook.
type ClosedWhile = (Weak<dyn Any>, Box<dyn FnOnce()>);

#[derive(Default)]
struct HookLists {
    closed: Vec<Box<dyn FnOnce()>>,
    /// Closed hooks that matter while their target lives: whether it does, and the hook.
    closed_while: Vec<ClosedWhile>,
    /// Describes the stream for an error it leaves unhandled (see [`Error::origin`]).
    origin: Option<Rc<dyn Fn() -> String>>,
}

impl Hooks {
    fn lists(&self) -> RefMut<'_, HookLists> {
        RefMut::map(self.lists.borrow_mut(), |l| {
            &mut **l.get_or_insert_with(Box::default)
        })
    }

    /// Runs `f` once the stream has closed (its `_destroy` completed, Node's `closed`), in
    /// the same call, before `'close'` is emitted on a later tick.
    pub(crate) fn on_closed(&self, f: impl FnOnce() + 'static) {
        self.lists().closed.push(Box::new(f));
    }

    /// [`on_closed`](Self::on_closed) for a hook that matters only while `target` lives
    /// (a handle made and dropped many times over one stream's life): `f` gets the target
    /// if it is still alive, and the hooks of targets already gone are let go as new ones
    /// come, so the list does not grow with every handle ever made.
    // Only the futures adapters make handles of that kind so far.
    #[cfg(feature = "futures")]
    pub(crate) fn on_closed_while<W: 'static>(&self, target: &Rc<W>, f: fn(&W)) {
        let target = Rc::downgrade(target);
        let alive: Weak<dyn Any> = target.clone();
        let run = Box::new(move || {
            if let Some(t) = target.upgrade() {
                f(&t);
            }
        });
        let mut lists = self.lists();
        lists
            .closed_while
            .retain(|(alive, _)| alive.strong_count() > 0);
        lists.closed_while.push((alive, run));
    }

    /// Names the stream by kind and fd (`"net.Socket fd 7"`) in an error it leaves
    /// unhandled; a later call replaces the name (a socket renames the fd streams it is
    /// made of). The number is for display only.
    pub(crate) fn name(&self, kind: StreamKind, fd: RawFd) {
        self.named.set(Some((kind, fd)));
    }

    /// Names the stream with a description made when an error goes unhandled
    /// (`"net.Socket fd 7 127.0.0.1:80"`, `"fs.WriteStream '/tmp/x'"`); it comes before
    /// [`name`](Self::name). For streams that hold a path or an address, which are few.
    pub(crate) fn set_origin(&self, describe: impl Fn() -> String + 'static) {
        self.lists().origin = Some(Rc::new(describe));
    }

    /// `err` goes to the loop as uncaught from this stream: records the stream's name in
    /// it ([`Error::origin`]), or `kind` for a stream that has no name of its own. Off the
    /// emit path: called only for an error nobody listened to.
    #[cold]
    pub(crate) fn mark_unhandled(&self, err: &Error, kind: &'static str) {
        let describe = self.lists.borrow().as_ref().and_then(|l| l.origin.clone());
        let named = self.named.get();
        // No borrow held while the description is made.
        err.set_origin(|| match (describe, named) {
            (Some(describe), _) => describe(),
            (None, Some((k, fd))) => format!("{} fd {fd}", k.name()),
            (None, None) => kind.to_owned(),
        });
    }

    /// The stream has closed: runs the closed hooks (once).
    pub(crate) fn run_closed(&self) {
        let (hooks, while_alive) = match self.lists.borrow_mut().as_mut() {
            Some(l) => (
                std::mem::take(&mut l.closed),
                std::mem::take(&mut l.closed_while),
            ),
            None => return,
        };
        for hook in hooks {
            hook();
        }
        for (_, hook) in while_alive {
            hook();
        }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks").finish_non_exhaustive()
    }
}

#[cfg(all(test, feature = "futures"))]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::Hooks;

    #[test]
    fn hooks_of_targets_gone_are_let_go_and_the_live_ones_run_at_close() {
        let hooks = Hooks::default();
        let ran = Rc::new(Cell::new(0));
        for _ in 0..1000 {
            // Made and dropped, as a sink made for one send.
            let gone = Rc::new(ran.clone());
            hooks.on_closed_while(&gone, |r| r.set(r.get() + 100));
        }
        let live = Rc::new(ran.clone());
        hooks.on_closed_while(&live, |r| r.set(r.get() + 1));
        assert_eq!(hooks.lists().closed_while.len(), 1);
        hooks.run_closed();
        assert_eq!(ran.get(), 1);
        assert!(hooks.lists().closed_while.is_empty());
    }
}

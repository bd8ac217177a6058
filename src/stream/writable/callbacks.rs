//! Completion tokens handed to a [`Sink`](super::Sink), and the callback types of the
//! public API.
//!
//! A token is how an implementation says "done" (Node's `cb` argument of `_write`,
//! `_final`, `_destroy` and `_construct`). Tokens are `Clone` and may be completed at any
//! later time from the loop (inside `set_immediate`, a timer, an I/O callback). Completing
//! one twice is reported as Node reports it: `ERR_MULTIPLE_CALLBACK` through the stream's
//! error path for `_write`, `_final` and `_construct`; silently ignored for `_destroy`.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::rc::{Rc, Weak};

use crate::error::Error;
use crate::reactor::{HoldId, LoopHandle};

/// A write or end callback: called once with `None` on success or the error.
pub type UserCallback = Box<dyn FnOnce(Option<Error>)>;

/// Calls each callback with `err`, in order (the callbacks of a `_writev` batch, the end
/// callbacks). If one panics, the panic goes on and the callbacks after it run on the next
/// tick, so none is lost.
pub(crate) fn call_each(lp: &LoopHandle, callbacks: Vec<UserCallback>, err: Option<Error>) {
    let mut left = callbacks.into_iter();
    lp.owing_with(
        &mut left,
        |left| {
            for cb in left {
                cb(err.clone());
            }
        },
        |left| {
            let (lp, left, err) = (lp.clone(), left.collect::<Vec<_>>(), err.clone());
            move || call_each(&lp, left, err)
        },
    );
}

/// The user's callback of `destroy_cb`.
pub(crate) type DestroyDone = Box<dyn FnOnce(Option<Error>)>;

/// The state machine's entry points, type-erased so that tokens do not carry the chunk
/// or sink type.
pub(crate) trait Core {
    fn on_write(self: Rc<Self>, err: Option<Error>);
    /// The sink's default `writev` handed its batch back: `chunks` is an
    /// `Option<Vec<T>>` of the stream's chunk type, to take.
    fn on_writev_absent(self: Rc<Self>, chunks: &mut dyn Any);
    fn on_final(self: Rc<Self>, err: Option<Error>);
    /// The sink's default `finalize` answered: it has no `_final`.
    fn on_final_absent(self: Rc<Self>);
    fn on_destroy(self: Rc<Self>, err: Option<Error>, cb: Option<DestroyDone>);
    fn on_construct(self: Rc<Self>, err: Option<Error>, first: bool);
    /// The stream itself, for the loop to hold (see [`Kept`]).
    fn stream(self: Rc<Self>) -> Rc<dyn Any>;
}

/// A completion token that can be kept weakly (crate-internal; see [`Kept`]).
pub(crate) trait Token: Sized {
    /// The token without its hold on the stream.
    type Weak;
    fn downgrade(&self) -> Self::Weak;
    fn upgrade(weak: &Self::Weak) -> Option<Self>;
    /// The stream the token completes.
    fn stream(&self) -> Rc<dyn Any>;
}

/// A completion token kept for later by state that the stream owns (a sink's core, with
/// the write the kernel has not taken yet, a parked connect, a file operation on the
/// pool).
///
/// Kept weakly: a strong token there would make the stream own itself, a cycle that
/// nothing breaks when the stream is never destroyed or its loop is dropped first. The
/// loop holds the stream instead, until the token is taken back or dropped, so a request
/// in flight still completes when the user has let go of every handle (libuv's active
/// requests keep their handle alive the same way). Once the
/// [`EventLoop`](crate::EventLoop) is dropped the hold is gone, and the token completes
/// nothing unless the user still holds the stream.
pub(crate) struct Kept<C: Token> {
    weak: C::Weak,
    hold: Option<(LoopHandle, HoldId)>,
}

impl<C: Token> Kept<C> {
    pub(crate) fn new(lp: &LoopHandle, token: C) -> Kept<C> {
        let weak = token.downgrade();
        let hold = lp.hold(token.stream()).map(|id| (lp.clone(), id));
        Kept { weak, hold }
    }

    /// The token, if its stream is alive (always, while the loop lives); the hold ends.
    pub(crate) fn take(self) -> Option<C> {
        // Upgraded before the hold ends, so ending it never drops the stream here.
        C::upgrade(&self.weak)
    }
}

impl<C: Token> Drop for Kept<C> {
    fn drop(&mut self) {
        if let Some((lp, id)) = self.hold.take() {
            lp.release(id);
        }
    }
}

impl<C: Token> fmt::Debug for Kept<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kept")
            .field("held", &self.hold.is_some())
            .finish()
    }
}

/// Completes a `_write`/`_writev` call (Node's `onwrite`).
///
/// # Node compatibility
///
/// As in Node, the token is not tied to one write: completing a stale token completes
/// whatever write is in flight, and completing with no write in flight is
/// `ERR_MULTIPLE_CALLBACK`.
#[derive(Clone)]
pub struct WriteCallback {
    pub(crate) core: Rc<dyn Core>,
}

impl WriteCallback {
    /// Reports the write done, with `None` for success or the error.
    #[inline]
    pub fn call(self, err: Option<Error>) {
        self.core.on_write(err);
    }

    /// Reports success: `cb()` in Node.
    #[inline]
    pub fn ok(self) {
        self.core.on_write(None);
    }

    /// Reports a failure: `cb(err)` in Node.
    pub fn error(self, err: Error) {
        self.core.on_write(Some(err));
    }

    /// The answer of [`Sink::writev`](super::Sink::writev)'s default body: the sink has no
    /// `_writev`; here is the batch back, untouched. The stream then writes the chunks one
    /// at a time through `write`, each with its own callback, as Node does for a stream
    /// without `_writev`, and does not call `writev` again.
    ///
    /// For a sink that knows only at run time whether it has `_writev` (one built from
    /// optional closures, as Node's `new Writable({ writev })`): give this answer inside
    /// the `writev` call, on the first batch, as the default body does. Given anywhere
    /// else (later, from `write`, or after batches were taken), it fails the write in
    /// flight with `ERR_METHOD_NOT_IMPLEMENTED` instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
    ///
    /// /// `_writev` only when given one.
    /// struct Maybe(Option<Box<dyn FnMut(Vec<Chunk>, WriteCallback)>>);
    /// impl Sink for Maybe {
    ///     fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
    ///         cb.ok();
    ///     }
    ///     fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
    ///         match &mut self.0 {
    ///             Some(f) => f(chunks, cb),
    ///             None => cb.writev_not_implemented(chunks),
    ///         }
    ///     }
    /// }
    /// ```
    pub fn writev_not_implemented<T: 'static>(self, chunks: Vec<T>) {
        // Lent through `dyn Any` (the token does not carry the chunk type), without a
        // box: the stream takes the batch out of the slot.
        let mut slot = Some(chunks);
        self.core.on_writev_absent(&mut slot);
    }
}

impl Token for WriteCallback {
    type Weak = Weak<dyn Core>;

    fn downgrade(&self) -> Weak<dyn Core> {
        Rc::downgrade(&self.core)
    }

    fn upgrade(weak: &Weak<dyn Core>) -> Option<WriteCallback> {
        weak.upgrade().map(|core| WriteCallback { core })
    }

    fn stream(&self) -> Rc<dyn Any> {
        self.core.clone().stream()
    }
}

impl fmt::Debug for WriteCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WriteCallback")
    }
}

/// Completes `_final` (Node's `onFinish`).
#[derive(Clone)]
pub struct FinalCallback {
    pub(crate) core: Rc<dyn Core>,
}

impl FinalCallback {
    /// Reports `_final` done, with `None` for success or the error.
    pub fn call(self, err: Option<Error>) {
        self.core.on_final(err);
    }

    /// Reports success.
    pub fn ok(self) {
        self.call(None);
    }

    /// Reports a failure: the end callbacks get it, then `'error'` and `'close'`.
    pub fn error(self, err: Error) {
        self.call(Some(err));
    }

    /// The answer of [`Sink::finalize`](super::Sink::finalize)'s default body: the sink
    /// has no `_final`. Given inside the call, as the default body does, it makes the
    /// stream take Node's path for a stream without `_final` (`'prefinish'` at once, from
    /// `end()` when the stream is idle).
    ///
    /// For a sink that knows only at run time whether it has `_final`. Given after the
    /// call has returned, it is taken as [`ok`](FinalCallback::ok): the stream has gone
    /// on as one with `_final` by then.
    pub fn not_implemented(self) {
        self.core.on_final_absent();
    }
}

impl Token for FinalCallback {
    type Weak = Weak<dyn Core>;

    fn downgrade(&self) -> Weak<dyn Core> {
        Rc::downgrade(&self.core)
    }

    fn upgrade(weak: &Weak<dyn Core>) -> Option<FinalCallback> {
        weak.upgrade().map(|core| FinalCallback { core })
    }

    fn stream(&self) -> Rc<dyn Any> {
        self.core.clone().stream()
    }
}

impl fmt::Debug for FinalCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FinalCallback")
    }
}

pub(crate) struct DestroyShared {
    pub(crate) called: Cell<bool>,
    pub(crate) user: Cell<Option<DestroyDone>>,
}

/// Completes `_destroy` (Node's `onDestroy`). Only the first completion counts.
#[derive(Clone)]
pub struct DestroyCallback {
    pub(crate) core: Rc<dyn Core>,
    pub(crate) shared: Rc<DestroyShared>,
}

impl DestroyCallback {
    /// Reports the resource released; an error given here is what `'error'` carries (a
    /// `None` suppresses the `'error'` of `destroy(err)`, as in Node).
    pub fn call(self, err: Option<Error>) {
        if self.shared.called.replace(true) {
            return;
        }
        let user = self.shared.user.take();
        self.core.on_destroy(err, user);
    }

    /// Reports success.
    pub fn ok(self) {
        self.call(None);
    }

    /// Reports a failure.
    pub fn error(self, err: Error) {
        self.call(Some(err));
    }
}

impl Token for DestroyCallback {
    type Weak = (Weak<dyn Core>, Rc<DestroyShared>);

    fn downgrade(&self) -> Self::Weak {
        (Rc::downgrade(&self.core), self.shared.clone())
    }

    fn upgrade((core, shared): &Self::Weak) -> Option<DestroyCallback> {
        core.upgrade().map(|core| DestroyCallback {
            core,
            shared: shared.clone(),
        })
    }

    fn stream(&self) -> Rc<dyn Any> {
        self.core.clone().stream()
    }
}

impl fmt::Debug for DestroyCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DestroyCallback")
    }
}

/// Completes `_construct`. Writes wait in the buffer until it is called.
#[derive(Clone)]
pub struct ConstructCallback {
    pub(crate) core: Rc<dyn Core>,
    pub(crate) called: Rc<Cell<bool>>,
}

impl ConstructCallback {
    /// Reports construction done, with `None` for success or the error (which destroys
    /// the stream with it).
    pub fn call(self, err: Option<Error>) {
        let first = !self.called.replace(true);
        self.core.on_construct(err, first);
    }

    /// Reports success.
    pub fn ok(self) {
        self.call(None);
    }

    /// Reports a failure.
    pub fn error(self, err: Error) {
        self.call(Some(err));
    }
}

impl Token for ConstructCallback {
    type Weak = (Weak<dyn Core>, Rc<Cell<bool>>);

    fn downgrade(&self) -> Self::Weak {
        (Rc::downgrade(&self.core), self.called.clone())
    }

    fn upgrade((core, called): &Self::Weak) -> Option<ConstructCallback> {
        core.upgrade().map(|core| ConstructCallback {
            core,
            called: called.clone(),
        })
    }

    fn stream(&self) -> Rc<dyn Any> {
        self.core.clone().stream()
    }
}

impl fmt::Debug for ConstructCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConstructCallback")
    }
}

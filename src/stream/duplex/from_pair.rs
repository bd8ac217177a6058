//! Node's `Duplex.from({ readable, writable })`: one Duplex over a Readable and a Writable
//! that already exist, as `internal/streams/duplexify.js` makes it for such a pair.
//!
//! What is written to the Duplex is written to the Writable (its `write()` returning
//! `false` holds the Duplex's write until `'drain'`), `end()` ends the Writable (the
//! Duplex finishes at its `'finish'`), and the Duplex reads what the Readable gives (in
//! paused mode, as Node's: a `'readable'` listener on the Readable). Either stream failing
//! destroys the Duplex with its error; destroying the Duplex destroys both, with Node's
//! `AbortError` when it was destroyed without an error before both were done.

use std::cell::{Cell, OnceCell};
use std::rc::{Rc, Weak};

use super::{Duplex, DuplexOptions, WeakDuplex};
use crate::stream::finished::{finished, Finishable, FinishedOptions};
use crate::stream::readable::{DestroyDone, Readable, Source, END, READABLE};
use crate::stream::writable::{
    DestroyCallback, FinalCallback, Sink, Writable, WriteCallback, DRAIN, FINISH,
};
use crate::{Error, ErrorCode};

/// What the Duplex and the listeners on the pair share (duplexify's closure variables).
struct Pair<R: 'static, W: 'static, S: Sink<W>> {
    r: Readable<R>,
    w: Writable<W, S>,
    /// The Duplex, once made (weakly: the Duplex owns this state through its sink).
    d: OnceCell<WeakDuplex<R, W>>,
    /// A write held until the Writable's `'drain'` (Node's `ondrain`).
    ondrain: Cell<Option<WriteCallback>>,
    /// `_final`, waiting for the Writable's `'finish'` (Node's `onfinish`).
    onfinish: Cell<Option<FinalCallback>>,
    /// `_read` is waiting for the Readable's `'readable'` (Node's `onreadable`).
    onreadable: Cell<bool>,
    /// Node's `onclose`: `Unset` until the pair's first end or the Duplex's destroy.
    onclose: Cell<OnClose>,
}

/// Node's `onclose`: `undefined`, a destroy callback waiting for the pair, or `null`.
#[derive(Default)]
enum OnClose {
    #[default]
    Unset,
    Waiting(DestroyCallback),
    Done,
}

impl<R: 'static, W: 'static, S: Sink<W>> Pair<R, W, S> {
    fn duplex(&self) -> Option<Duplex<R, W>> {
        self.d.get().and_then(WeakDuplex::upgrade)
    }

    /// Node's `onfinished`: one of the pair is done (or failed).
    fn on_finished(&self, err: Option<Error>) {
        match self.onclose.replace(OnClose::Done) {
            OnClose::Waiting(cb) => cb.call(err),
            _ => {
                if let (Some(err), Some(d)) = (err, self.duplex()) {
                    d.destroy(Some(err));
                }
            }
        }
    }

    /// Node's `_read`: takes what the Readable has, until it has nothing or the Duplex is
    /// full; with nothing, waits for the Readable's `'readable'`.
    fn read(&self) {
        let Some(d) = self.duplex() else {
            return;
        };
        loop {
            match self.r.read() {
                None => {
                    self.onreadable.set(true);
                    return;
                }
                Some(chunk) => {
                    if !d.push(chunk) {
                        return;
                    }
                }
            }
        }
    }
}

/// Node's `destroyer(stream, err)`: destroys a stream not destroyed yet, with `AbortError`
/// when no error is given and it is not done.
fn destroyer<S: Finishable>(stream: &S, destroyed: bool, done: bool, err: Option<&Error>) {
    if destroyed {
        return;
    }
    let err = err
        .cloned()
        .or_else(|| (!done).then(|| Error::from_code(ErrorCode::Aborted)));
    stream.eos_destroy(err);
}

/// What the end of either stream of the pair does (the callback of duplexify's `eos` on
/// each): an error destroys the Readable (Node's duplexify destroys `r` from both), then
/// `onfinished`.
fn on_end_of<R: 'static, W: 'static, S: Sink<W>>(
    pair: &Weak<Pair<R, W, S>>,
) -> impl FnOnce(Option<Error>) + 'static {
    let p = pair.clone();
    move |err| {
        if let Some(p) = p.upgrade() {
            if let Some(e) = &err {
                destroyer(&p.r, p.r.destroyed(), r_done(&p.r), Some(e));
            }
            p.on_finished(err);
        }
    }
}

/// The Duplex's writable side: Node's `_write`, `_final` and `_destroy` of duplexify.
struct PairSink<R: 'static, W: 'static, S: Sink<W>>(Rc<Pair<R, W, S>>);

impl<R: 'static, W: 'static, S: Sink<W>> Sink<W> for PairSink<R, W, S> {
    fn write(&mut self, chunk: W, cb: WriteCallback) {
        if self.0.w.write(chunk) {
            cb.ok();
        } else {
            self.0.ondrain.set(Some(cb));
        }
    }

    fn finalize(&mut self, cb: FinalCallback) {
        self.0.w.end();
        self.0.onfinish.set(Some(cb));
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        let p = &self.0;
        let unset = matches!(p.onclose.take(), OnClose::Unset);
        // `onclose !== null`: the pair is not done yet.
        let err = match err {
            None if unset => Some(Error::from_code(ErrorCode::Aborted)),
            err => err,
        };
        p.onreadable.set(false);
        drop(p.ondrain.take());
        drop(p.onfinish.take());
        if !unset {
            p.onclose.set(OnClose::Done);
            return cb.call(err);
        }
        p.onclose.set(OnClose::Waiting(cb));
        destroyer(&p.w, p.w.destroyed(), w_done(&p.w), err.as_ref());
        destroyer(&p.r, p.r.destroyed(), r_done(&p.r), err.as_ref());
    }
}

/// Node's `isFinished` of a Writable: no longer writable.
fn w_done<W: 'static, S: Sink<W>>(w: &Writable<W, S>) -> bool {
    !w.writable()
}

/// Node's `isFinished` of a Readable: no longer readable.
fn r_done<R: 'static>(r: &Readable<R>) -> bool {
    !r.readable()
}

/// The Duplex's readable side: Node's `_read` of duplexify.
struct PairSource<R: 'static, W: 'static, S: Sink<W>>(Weak<Pair<R, W, S>>);

impl<R: 'static, W: 'static, S: Sink<W>> Source<R> for PairSource<R, W, S> {
    fn read(&self, _stream: &Readable<R>, _size: usize) {
        if let Some(p) = self.0.upgrade() {
            p.read();
        }
    }

    fn destroy(&self, _stream: &Readable<R>, err: Option<Error>, done: DestroyDone<R>) {
        // The sink's destroy is the pair's (see `PairSink::destroy`).
        done.done(err);
    }
}

/// The Duplex's readable side goes with its last handle (its writable side holds it
/// weakly): the callbacks the pair holds go too, since each reaches back into the Duplex's
/// writable side, which owns the pair (a cycle otherwise, as `TransformSource`'s).
impl<R: 'static, W: 'static, S: Sink<W>> Drop for PairSource<R, W, S> {
    fn drop(&mut self) {
        if let Some(p) = self.0.upgrade() {
            drop(p.ondrain.take());
            drop(p.onfinish.take());
        }
    }
}

impl<R: 'static, W: 'static> Duplex<R, W> {
    /// One Duplex over `readable` and `writable`: Node's `Duplex.from({ readable, writable
    /// })`. Writes go to `writable`, reads come from `readable` (which is switched to
    /// paused mode, as Node's duplexify does), `end()` ends `writable`, and either failing
    /// or closing early destroys the Duplex; destroying the Duplex destroys both.
    ///
    /// # Examples
    ///
    /// A child process's stdin and stdout as one stream:
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::process::Command;
    /// use std::rc::Rc;
    /// use nodestream::events::DATA;
    /// use nodestream::stream::Duplex;
    /// use nodestream::{child_process::spawn, EventLoop};
    ///
    /// let lp = EventLoop::new()?;
    /// let cat = spawn(&lp.handle(), &mut Command::new("cat"))?;
    /// let d = Duplex::from_pair(&cat.stdout, cat.stdin.as_writable());
    /// let got = Rc::new(RefCell::new(Vec::new()));
    /// let g = got.clone();
    /// d.on(DATA, move |c| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
    /// d.write("round trip");
    /// d.end();
    /// lp.run()?;
    /// assert_eq!(got.borrow().as_slice(), b"round trip");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pair<S: Sink<W>>(
        readable: &Readable<R>,
        writable: &Writable<W, S>,
    ) -> Duplex<R, W> {
        let lp = readable.loop_handle().clone();
        let pair = Rc::new(Pair {
            r: readable.clone(),
            w: writable.clone(),
            d: OnceCell::new(),
            ondrain: Cell::new(None),
            onfinish: Cell::new(None),
            onreadable: Cell::new(false),
            onclose: Cell::new(OnClose::Unset),
        });
        let options = DuplexOptions::new()
            .readable_object_mode(readable.readable_object_mode())
            .writable_object_mode(writable.writable_object_mode())
            .readable(readable.readable())
            .writable(writable.writable());
        let d = Duplex::new(
            &lp,
            options,
            PairSource(Rc::downgrade(&pair)),
            PairSink(pair.clone()),
        );
        let _ = pair.d.set(d.downgrade());
        let weak = Rc::downgrade(&pair);
        if writable.writable() {
            let _ = finished(writable, FinishedOptions::new(), on_end_of(&weak));
            let p = weak.clone();
            writable.on(DRAIN, move |_| {
                if let Some(cb) = p.upgrade().and_then(|p| p.ondrain.take()) {
                    cb.ok();
                }
            });
            let p = weak.clone();
            writable.on(FINISH, move |_| {
                if let Some(cb) = p.upgrade().and_then(|p| p.onfinish.take()) {
                    cb.ok();
                }
            });
        }
        if readable.readable() {
            let _ = finished(readable, FinishedOptions::new(), on_end_of(&weak));
            let p = weak.clone();
            readable.on(READABLE, move |_| {
                if let Some(p) = p.upgrade() {
                    if p.onreadable.replace(false) {
                        p.read();
                    }
                }
            });
            let p = weak;
            readable.on(END, move |_| {
                if let Some(d) = p.upgrade().and_then(|p| p.duplex()) {
                    d.push(None);
                }
            });
        }
        d
    }
}

//! Node's `Readable.prototype.pipe` and `unpipe`: move a Readable's data into a
//! destination with backpressure.
//!
//! A port of `readable.js`'s `pipe`, `pipeOnDrain` and `unpipe`, with the same listener
//! registrations in the same order, so the events interleave as in Node.

use std::cell::Cell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::rc::{Rc, Weak};

use super::{Chunk, Readable, DATA, END};
use crate::reactor::on_unwind;
use crate::reactor::HoldId;
use crate::Error;
use nodestream_emitter::{names, Event, EventEmitter, ListenerId};

/// `'pipe'`: a readable started piping into this stream ([`Readable::pipe`]); emitted on the
/// destination, the payload is the source.
pub const PIPE: Event<Readable> = Event::new(names::PIPE);
/// `'unpipe'`: a readable stopped piping into this stream; emitted on the destination, the
/// payload is the source.
pub const UNPIPE: Event<Readable> = Event::new(names::UNPIPE);

/// A stream a [`Readable`] of `T` can pipe into: what `pipe()` needs of Node's Writable.
///
/// Implemented by the crate's Writable (a `Writable<T, S>` takes a `Readable<T>`'s
/// values; a byte Writable also takes a byte `Readable`'s chunks); implement it for your
/// own sink to pipe into it.
/// The destination's emitter must emit `'drain'`, `'finish'` and `'close'` with `()` and
/// `'error'` with [`Error`]; `pipe()` emits `'pipe'` and `'unpipe'` on it with the source.
pub trait PipeDestination<T: 'static = Chunk>: 'static {
    /// The destination's emitter; it also names the destination (two destinations are the
    /// same if their emitters are).
    fn emitter(&self) -> EventEmitter;

    /// Node's `dest.write(chunk)`: `false` asks the source to wait for `'drain'`.
    ///
    /// The chunk is lent: Node writes the same object to every destination, so a
    /// destination that keeps it clones it (a byte chunk's clone shares its buffer).
    fn write(&self, chunk: &T) -> bool;

    /// [`write`](PipeDestination::write) with the chunk handed over: what the source calls
    /// when this destination's pipe is the only consumer of the chunk (its only `'data'`
    /// listener), so that the destination can keep it without cloning it. The default
    /// lends it to `write`.
    fn write_owned(&self, chunk: T) -> bool {
        self.write(&chunk)
    }

    /// Node's `dest.end()`.
    fn end(&self);

    /// Node's `dest.writableNeedDrain`.
    fn need_drain(&self) -> bool;

    /// Node's `dest.writable`: it still accepts writes (used by the legacy pipe).
    fn writable(&self) -> bool {
        true
    }

    /// Whether the destination has emitted `'error'` through its own machinery.
    fn error_emitted(&self) -> bool;

    /// Node's `errorOrDestroy(dest, err)`: someone emitted `'error'` on the destination
    /// directly; fail it properly.
    fn error_or_destroy(&self, err: Error);

    /// Node's `dest.destroy()` (used by the legacy pipe when the source closes early).
    fn destroy(&self, err: Option<Error>);

    /// An `'error'` the pipe re-raised on the destination because nobody else listens for
    /// it (Node throws it out of `emit('error')`): report it as uncaught.
    fn uncaught(&self, err: Error);
}

/// Options of [`Readable::pipe_with`]: Node's `pipe(dest, { end })`.
#[derive(Clone, Copy, Debug)]
pub struct PipeOptions {
    /// End the destination when the source ends (default `true`). With `false` the source's
    /// `'end'` unpipes instead, and the destination stays open.
    pub end: bool,
}

impl Default for PipeOptions {
    fn default() -> Self {
        PipeOptions { end: true }
    }
}

/// Node's `state.awaitDrainWriters`: `null`, one destination, or a set.
#[derive(Default)]
pub(super) enum AwaitDrain {
    #[default]
    None,
    One(EventEmitter),
    Set(Vec<EventEmitter>),
}

/// A Readable's piping state: Node's `state.pipes`, `awaitDrainWriters` and
/// `multiAwaitDrain`.
pub(crate) struct Pipes<T: 'static> {
    entries: Vec<Entry<T>>,
    await_drain: AwaitDrain,
    multi: bool,
    next_id: u64,
}

impl<T: 'static> Default for Pipes<T> {
    fn default() -> Self {
        Pipes {
            entries: Vec::new(),
            await_drain: AwaitDrain::None,
            multi: false,
            next_id: 0,
        }
    }
}

struct Entry<T: 'static> {
    id: u64,
    /// Node's `state.pipes` holds the destination: piping keeps it alive.
    #[allow(dead_code)]
    dest: Rc<dyn PipeDestination<T>>,
    dest_em: EventEmitter,
    /// The pipe's context, for the source's own hand-over of a chunk (see `sole_pipe`).
    ctx: Weak<PipeCtx<T>>,
}

impl<T: 'static> Pipes<T> {
    /// What reading a chunk does to `awaitDrainWriters`. Returns the destinations' handles
    /// it let go, for the caller to drop once its borrow of the pipes has ended (the last
    /// handle of an unpiped destination drops its listeners, which are user code).
    pub(super) fn clear_await_drain(&mut self) -> AwaitDrain {
        match &mut self.await_drain {
            AwaitDrain::Set(set) if self.multi => {
                if set.is_empty() {
                    AwaitDrain::None
                } else {
                    AwaitDrain::Set(std::mem::take(set))
                }
            }
            _ if self.multi => AwaitDrain::None,
            _ => std::mem::take(&mut self.await_drain),
        }
    }

    /// The pipe of a source that pipes into exactly one destination.
    fn only_pipe(&self) -> Option<Rc<PipeCtx<T>>> {
        match self.entries.as_slice() {
            [only] => only.ctx.upgrade(),
            _ => None,
        }
    }

    fn contains(&self, id: u64) -> bool {
        self.entries.iter().any(|e| e.id == id)
    }

    fn awaits_any(&self) -> bool {
        match &self.await_drain {
            AwaitDrain::None => false,
            AwaitDrain::One(_) => true,
            AwaitDrain::Set(set) => !set.is_empty(),
        }
    }
}

/// The listeners one pipe registered, for its cleanup.
///
/// A pipe makes both streams reach each other (in Node the source's `state.pipes` holds the
/// destination, and the destination's listeners hold the source). So that neither ends up
/// owning itself through its own listeners, the listeners reach this context weakly, and
/// the loop holds the context, and with it both streams, until the pipe is cleaned up
/// (unpiped, or the destination finished, closed or failed), or until the loop is dropped.
struct PipeCtx<T: 'static> {
    id: u64,
    src: Readable<T>,
    dest: Rc<dyn PipeDestination<T>>,
    dest_em: EventEmitter,
    end_listener: Cell<Option<ListenerId>>,
    data: Cell<Option<ListenerId>>,
    unpipe: Cell<Option<ListenerId>>,
    error: Cell<Option<ListenerId>>,
    close: Cell<Option<ListenerId>>,
    finish: Cell<Option<ListenerId>>,
    drain: Cell<Option<ListenerId>>,
    cleaned_up: Cell<bool>,
    /// The loop's hold on this context (see the type's docs).
    hold: Cell<Option<HoldId>>,
}

/// Runs `f` on the pipe's context if it is still alive (it is while the pipe is, unless
/// the loop was dropped).
fn with_ctx<T: 'static>(weak: &Weak<PipeCtx<T>>, f: impl FnOnce(&Rc<PipeCtx<T>>)) {
    if let Some(ctx) = weak.upgrade() {
        f(&ctx);
    }
}

impl<T: 'static> PipeCtx<T> {
    /// The pipe's `'data'` listener (Node's `ondata`).
    fn ondata(self: &Rc<Self>, chunk: &T) {
        self.write_then(|dest| dest.write(chunk));
    }

    /// [`ondata`](Self::ondata) with the chunk given rather than lent: the destination
    /// takes it without a copy (for bytes, without touching the shared count).
    fn ondata_owned(self: &Rc<Self>, chunk: T) {
        self.write_then(move |dest| dest.write_owned(chunk));
    }

    /// Node's `ondata` around the destination's `write`: pauses the source when it says
    /// so. From v24 a `write()` that throws destroys the destination with the error
    /// (nodejs/node#55270); in v20 the throw goes on, uncaught.
    fn write_then(self: &Rc<Self>, write: impl FnOnce(&dyn PipeDestination<T>) -> bool) {
        let ok = if self.src.inner.lp.compat().pipe_catches_write_panics() {
            match panic::catch_unwind(AssertUnwindSafe(|| write(&*self.dest))) {
                Ok(ok) => ok,
                Err(payload) => {
                    self.dest
                        .destroy(Some(Error::from_panic("write", &*payload)));
                    return;
                }
            }
        } else {
            write(&*self.dest)
        };
        if !ok {
            self.pause();
        }
    }

    fn dest_emitter(&self) -> &EventEmitter {
        &self.dest_em
    }

    /// Node's `cleanup`: remove every listener this pipe added.
    fn cleanup(&self) {
        let dest = self.dest_emitter();
        let src = self.src.emitter();
        for id in [
            &self.close,
            &self.finish,
            &self.drain,
            &self.error,
            &self.unpipe,
        ] {
            if let Some(id) = id.get() {
                dest.off(id);
            }
        }
        for id in [&self.end_listener, &self.data] {
            if let Some(id) = id.take() {
                src.off(id);
            }
        }
        self.cleaned_up.set(true);
        // A source waiting for this destination's 'drain' would never flow again.
        let awaiting = self.src.inner.pipes_mut().await_drain_truthy();
        if self.drain.get().is_some() && awaiting && self.dest.need_drain() {
            self.on_drain();
        }
        // The pipe is over: the loop lets go of it (the caller's upgrade keeps it until
        // it returns).
        if let Some(id) = self.hold.take() {
            self.src.inner.lp.release(id);
        }
    }

    /// Node's `pause` inside `pipe`: wait for this destination's `'drain'`.
    fn pause(self: &Rc<Self>) {
        // A panicking 'pause' listener must not leave the source paused with nobody
        // waiting for 'drain' to resume it.
        on_unwind(|| self.pause_source(), || self.listen_for_drain());
        self.listen_for_drain();
    }

    fn pause_source(self: &Rc<Self>) {
        if !self.cleaned_up.get() {
            {
                let mut pipes = self.src.inner.pipes_mut();
                let me = self.dest_emitter();
                if pipes.entries.len() == 1 && pipes.entries[0].dest_em.ptr_eq(me) {
                    pipes.await_drain = AwaitDrain::One(me.clone());
                    pipes.multi = false;
                } else if pipes.entries.len() > 1
                    && pipes.entries.iter().any(|e| e.dest_em.ptr_eq(me))
                {
                    if let AwaitDrain::Set(set) = &mut pipes.await_drain {
                        set.push(me.clone());
                    }
                }
            }
            self.src.pause();
        }
    }

    /// Listens for the destination's `'drain'` (once per pipe). The listener goes before
    /// the destination's other `'drain'` listeners (Node appends it): a panicking one of
    /// theirs then never leaves the source paused for good.
    fn listen_for_drain(self: &Rc<Self>) {
        if self.drain.get().is_none() {
            let ctx = Rc::downgrade(self);
            let id = self
                .dest_emitter()
                .prepend_listener(DRAIN, move |_: &()| with_ctx(&ctx, |c| c.on_drain()));
            self.drain.set(Some(id));
        }
    }

    /// Node's `pipeOnDrain`.
    fn on_drain(&self) {
        let resume = {
            let mut pipes = self.src.inner.pipes_mut();
            let me = self.dest_emitter();
            let multi = pipes.multi;
            match &mut pipes.await_drain {
                AwaitDrain::One(d) if d.ptr_eq(me) => pipes.await_drain = AwaitDrain::None,
                AwaitDrain::Set(set) if multi => set.retain(|d| !d.ptr_eq(me)),
                _ => {}
            }
            !pipes.awaits_any()
        };
        if resume && self.src.data_listening() {
            self.src.resume();
        }
    }

    /// The end of Node's `pipe`, after `'pipe'`: wait for the destination's `'drain'`, or
    /// start the source flowing.
    fn start(self: &Rc<Self>) {
        if self.dest.need_drain() {
            self.pause();
        } else if !self.src.inner.state.borrow().is_flowing() {
            self.src.resume();
        }
    }

    /// Node's `onerror` inside `pipe`, after the unpipe: stop listening, and re-raise the
    /// error if nobody else listens for it.
    fn after_dest_error(&self, err: &Error) {
        if let Some(id) = self.error.take() {
            self.dest_emitter().off(id);
        }
        if self.dest_emitter().listener_count("error") == 0 {
            if !self.dest.error_emitted() {
                // Someone emitted 'error' on the destination directly.
                self.dest.error_or_destroy(err.clone());
            } else if let Err(unhandled) = self.dest_emitter().emit_error(err.clone()) {
                self.dest.uncaught(unhandled.into_inner());
            }
        }
    }

    /// Node's `unpipe` inside `pipe`.
    fn unpipe(&self) {
        self.src.unpipe(Some(&*self.dest));
    }
}

impl<T: 'static> Pipes<T> {
    /// Node's `if (state.awaitDrainWriters)`: an empty set is still truthy.
    fn await_drain_truthy(&self) -> bool {
        !matches!(self.await_drain, AwaitDrain::None)
    }
}

const DRAIN: nodestream_emitter::Event<()> = nodestream_emitter::Event::new("drain");
const FINISH: nodestream_emitter::Event<()> = nodestream_emitter::Event::new("finish");
const DEST_CLOSE: nodestream_emitter::Event<()> = nodestream_emitter::Event::new("close");
const DEST_ERROR: nodestream_emitter::Event<Error> = nodestream_emitter::Event::new("error");

/// `'pipe'` as emitted by a [`Readable<T>`]: its payload is the source ([`PIPE`] for a
/// byte stream).
pub const fn pipe_event<T: 'static>() -> Event<Readable<T>> {
    Event::new(names::PIPE)
}

/// `'unpipe'` as emitted by a [`Readable<T>`] ([`UNPIPE`] for a byte stream).
pub const fn unpipe_event<T: 'static>() -> Event<Readable<T>> {
    Event::new(names::UNPIPE)
}

impl<T: 'static> Readable<T> {
    /// Pipes this stream into `dest`, ending it when this stream ends; Node's
    /// `readable.pipe(dest)`. Returns `dest` (another handle to it), as Node's returns the
    /// destination. Every writable stream of the crate is a destination as it is:
    /// [`Writable`](crate::stream::Writable), [`FdWritable`](crate::stream::FdWritable)
    /// (child stdin, sockets), [`FileWriteStream`](crate::fs::FileWriteStream).
    ///
    /// # Events
    ///
    /// On `dest`, synchronously: `'pipe'` with this stream. Then data flows from a later
    /// tick: each `'data'` chunk is written to `dest`; a `false` from `write` pauses this
    /// stream until `dest` emits `'drain'`. This stream's `'end'` calls `dest.end()`.
    /// `'unpipe'` (with this stream) is emitted on `dest` once, when [`unpipe`] is called
    /// or `dest` finishes, closes or fails.
    ///
    /// # Node compatibility
    ///
    /// As in Node v20, a source destroyed before its end leaves the destination open
    /// (the legacy [`legacy::pipe`](crate::stream::legacy::pipe) destroys it). The pipe keeps both
    /// streams alive until it is unpiped.
    ///
    /// The pipe's `'drain'` listener on `dest` goes before `dest`'s other `'drain'`
    /// listeners (Node appends it), so that one of them that panics never leaves the
    /// source paused; it resumes the source on a later tick either way, so only the order
    /// of `dest`'s `'drain'` listeners shows it. The pipe's other listeners are added as
    /// Node adds them: a listener added before `pipe()` that panics skips them for that
    /// event, as a throwing one does in Node.
    ///
    /// A typed stream pipes into a destination of the same type, such as a
    /// [`Writable<T, S>`](crate::stream::Writable) in object mode: each value is lent to
    /// every destination, and the crate's Writable clones it to write it (so it needs
    /// `T: Clone`; wrap a value that is costly to clone in an `Rc`).
    ///
    /// [`unpipe`]: Readable::unpipe
    pub fn pipe<D: PipeDestination<T> + Clone>(&self, dest: &D) -> D {
        self.pipe_with(dest, PipeOptions::default())
    }

    /// [`pipe`](Readable::pipe) with options: Node's `readable.pipe(dest, { end })`.
    pub fn pipe_with<D: PipeDestination<T> + Clone>(&self, dest: &D, options: PipeOptions) -> D {
        self.pipe_dyn(Rc::new(dest.clone()), options);
        dest.clone()
    }

    fn pipe_dyn(&self, dest: Rc<dyn PipeDestination<T>>, options: PipeOptions) {
        let dest_em = dest.emitter();
        let id = {
            let mut pipes = self.inner.pipes_mut();
            if pipes.entries.len() == 1 && !pipes.multi {
                pipes.multi = true;
                pipes.await_drain = match std::mem::take(&mut pipes.await_drain) {
                    AwaitDrain::One(d) => AwaitDrain::Set(vec![d]),
                    _ => AwaitDrain::Set(Vec::new()),
                };
            }
            pipes.next_id += 1;
            pipes.next_id
        };
        let ctx = Rc::new(PipeCtx {
            id,
            src: self.clone(),
            dest: dest.clone(),
            dest_em: dest_em.clone(),
            end_listener: Cell::new(None),
            data: Cell::new(None),
            unpipe: Cell::new(None),
            error: Cell::new(None),
            close: Cell::new(None),
            finish: Cell::new(None),
            drain: Cell::new(None),
            cleaned_up: Cell::new(false),
            hold: Cell::new(None),
        });
        self.inner.pipes_mut().entries.push(Entry {
            id,
            dest: dest.clone(),
            dest_em: dest_em.clone(),
            ctx: Rc::downgrade(&ctx),
        });
        let any: Rc<dyn std::any::Any> = ctx.clone();
        ctx.hold.set(self.inner.lp.hold(any));
        let weak = Rc::downgrade(&ctx);
        // At the source's end: end the destination, or (end: false) unpipe.
        let end_fn: Rc<dyn Fn()> = if options.end {
            let d = dest.clone();
            Rc::new(move || d.end())
        } else {
            let c = weak.clone();
            Rc::new(move || with_ctx(&c, |c| c.unpipe()))
        };
        if self.inner.state.borrow().end_emitted {
            self.inner.lp.next_tick(move || end_fn());
        } else {
            let id = self.inner.emitter.once(END, move |_: &()| end_fn());
            ctx.end_listener.set(Some(id));
        }

        let c = weak.clone();
        let id = dest_em.on(unpipe_event::<T>(), move |readable: &Readable<T>| {
            with_ctx(&c, |c| {
                // Only the 'unpipe' that removed this pipe's entry cleans it up.
                if *readable == c.src
                    && !c.cleaned_up.get()
                    && !c.src.inner.pipes_mut().contains(c.id)
                {
                    c.cleanup();
                }
            })
        });
        ctx.unpipe.set(Some(id));

        let c = weak.clone();
        let id = self.on(DATA, move |chunk: &T| with_ctx(&c, |c| c.ondata(chunk)));
        ctx.data.set(Some(id));

        // Before any listener of the user's: stop piping into a failed destination.
        let c = weak.clone();
        let id = dest_em.prepend_listener(DEST_ERROR, move |err: &Error| {
            let Some(c) = c.upgrade() else {
                return;
            };
            // `'pause'`/`'unpipe'` listeners run in the unpipe: if one panics, the rest of
            // this listener still runs, on the next tick.
            c.src.inner.lp.owing(
                || c.unpipe(),
                || {
                    let (c, err) = (c.clone(), err.clone());
                    move || c.after_dest_error(&err)
                },
            );
            c.after_dest_error(err);
        });
        ctx.error.set(Some(id));

        // 'close' and 'finish' both unpipe, once.
        let c = weak.clone();
        let id = dest_em.once(DEST_CLOSE, move |_: &()| {
            with_ctx(&c, |c| {
                if let Some(id) = c.finish.take() {
                    c.dest_emitter().off(id);
                }
                c.unpipe();
            })
        });
        ctx.close.set(Some(id));
        let c = weak;
        let id = dest_em.once(FINISH, move |_: &()| {
            with_ctx(&c, |c| {
                if let Some(id) = c.close.take() {
                    c.dest_emitter().off(id);
                }
                c.unpipe();
            })
        });
        ctx.finish.set(Some(id));

        // A panicking `'pipe'` listener still leaves the data flowing, from the next tick.
        self.inner.lp.owing(
            || dest_em.emit(pipe_event::<T>(), self),
            || {
                let ctx = ctx.clone();
                move || ctx.start()
            },
        );
        ctx.start();
    }

    /// Stops piping into `dest`, or into every destination with `None`; Node's
    /// `readable.unpipe([dest])`. Unpiping a destination that is not piped does nothing.
    ///
    /// # Events
    ///
    /// `'pause'` on this stream when no destination is left (if it was flowing), then
    /// `'unpipe'` with this stream on each destination, synchronously.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn f(src: &nodestream::stream::readable::Readable, dest: &dyn nodestream::stream::readable::PipeDestination) {
    /// src.unpipe(Some(dest));
    /// src.unpipe(None); // all of them
    /// # }
    /// ```
    pub fn unpipe(&self, dest: Option<&dyn PipeDestination<T>>) -> &Readable<T> {
        match dest {
            None => {
                let entries = {
                    let mut pipes = self.inner.pipes_mut();
                    if pipes.entries.is_empty() {
                        return self;
                    }
                    std::mem::take(&mut pipes.entries)
                };
                self.emit_unpipes(entries, true);
            }
            Some(dest) => {
                let wanted = dest.emitter();
                let (entry, now_empty) = {
                    let mut pipes = self.inner.pipes_mut();
                    let Some(index) = pipes.entries.iter().position(|e| e.dest_em.ptr_eq(&wanted))
                    else {
                        return self;
                    };
                    let entry = pipes.entries.remove(index);
                    (entry, pipes.entries.is_empty())
                };
                self.emit_unpipes(vec![entry], now_empty);
            }
        }
        self
    }

    /// The end of Node's `unpipe`: `'pause'` (with `pause`), then `'unpipe'` on each
    /// destination. Each pipe cleans up in its `'unpipe'` listener: if a listener panics,
    /// the destinations after it still get theirs on the next tick.
    fn emit_unpipes(&self, entries: Vec<Entry<T>>, pause: bool) {
        let mut left = entries.into_iter();
        self.inner.lp.owing_with(
            &mut left,
            |left| {
                if pause {
                    self.pause();
                }
                for entry in left {
                    entry.dest_em.emit(unpipe_event::<T>(), self);
                }
            },
            |left| {
                let rest: Vec<Entry<T>> = left.collect();
                self.later(move |r| r.emit_unpipes(rest, false))
            },
        );
    }

    /// How many destinations this stream pipes into (Node's legacy `state.pipesCount`).
    pub fn pipes_count(&self) -> usize {
        self.inner
            .pipes
            .borrow()
            .as_ref()
            .map_or(0, |p| p.entries.len())
    }
}

impl<T: 'static> fmt::Debug for dyn PipeDestination<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeDestination").finish_non_exhaustive()
    }
}

impl<T: 'static> Readable<T> {
    /// Emits `'data'` with a chunk the stream gives away: when its only `'data'` listener
    /// is the pipe into its one destination, the chunk goes straight to that pipe, by
    /// value (the same call the listener would make, without the emit around it or a copy
    /// of the chunk); otherwise it is emitted as usual.
    #[inline]
    pub(super) fn emit_data_owned(&self, chunk: T) {
        let keys = self.inner.keys();
        // The pipes first: an unpiped stream pays one borrow here, not a listener lookup.
        let pipe = self
            .inner
            .pipes
            .borrow()
            .as_ref()
            .and_then(|p| p.only_pipe());
        if let Some(pipe) = pipe {
            if pipe.data.get().is_some()
                && pipe.data.get() == self.inner.emitter.sole_listener(&keys.data)
            {
                return pipe.ondata_owned(chunk);
            }
        }
        self.inner.emitter.emit(&keys.data, &chunk);
    }
}

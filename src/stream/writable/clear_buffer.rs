//! What becomes of buffered writes: Node's `clearBuffer` hands them to the sink (one
//! `_writev` for all, or one `_write` at a time), `errorBuffer` fails them; `cork` and
//! `uncork` hold them back and let them go.

use std::cell::Cell;
use std::rc::Rc;

use crate::error::Error;

use super::buffer::Entry;
use super::callbacks::{call_each, UserCallback};
use super::machine::{destroyed_error, BatchCallbacks, Inner, SinkOp};
use super::sink::Sink;
use super::state::*;

impl<T: 'static, S: Sink<T>> Inner<T, S> {
    /// Node's `errorBuffer`: fails every buffered write and every pending end callback.
    /// If a callback panics, the rest is failed on the next tick.
    pub(crate) fn error_buffer(this: &Rc<Self>) {
        if this.state.has(WRITING) {
            return;
        }
        this.lp.owing(
            || Self::error_buffer_now(this),
            || {
                let t = this.clone();
                move || Self::error_buffer(&t)
            },
        );
    }

    fn error_buffer_now(this: &Rc<Self>) {
        let st = &this.state;
        // One entry at a time, so that writes buffered by a callback are failed too, as
        // Node's loop over the live array does.
        while st.has(BUFFERED) {
            let Some(entry) = st.buffered.borrow_mut().pop() else {
                break;
            };
            st.length.set(st.length.get() - entry.len);
            let err = st.errored().unwrap_or_else(|| destroyed_error("write"));
            if let Some(cb) = entry.callback {
                cb(Some(err));
            }
        }
        let err = st.errored().unwrap_or_else(|| destroyed_error("end"));
        Self::call_finished_callbacks(this, Some(err));
        st.reset_buffer();
    }

    /// Node's `clearBuffer`: hands buffered writes to the sink.
    pub(crate) fn clear_buffer(this: &Rc<Self>) {
        let st = &this.state;
        if st.flags() & (DESTROYED | BUFFER_PROCESSING | CORKED | BUFFERED | CONSTRUCTED)
            != (BUFFERED | CONSTRUCTED)
        {
            return;
        }
        let n = st.buffered.borrow().len();
        if n == 0 {
            return;
        }
        st.set(BUFFER_PROCESSING);
        // A sink method that panics leaves the buffer to a later `clearBuffer`.
        this.lp.owing(
            || Self::hand_over_buffer(this, n),
            || {
                st.clear(BUFFER_PROCESSING);
                let t = this.clone();
                move || {
                    if !t.state.has(WRITING) {
                        Self::clear_buffer(&t);
                    }
                }
            },
        );
        st.clear(BUFFER_PROCESSING);
    }

    /// The inside of `clearBuffer`: the `n` buffered writes to the sink, in one `_writev`
    /// or one `_write` at a time.
    fn hand_over_buffer(this: &Rc<Self>, n: usize) {
        let st = &this.state;
        if n > 1 && !st.has(NO_WRITEV) {
            Self::writev_buffer(this, n);
            if !st.has(NO_WRITEV) {
                return;
            }
            // The sink has no `_writev`: it handed the batch back at once, and the batch
            // is in the buffer again. On as Node's stream without `_writev`.
        }
        loop {
            let Some(entry) = st.buffered.borrow_mut().pop() else {
                break;
            };
            st.writelen.set(entry.len);
            if entry.callback.is_some() {
                st.writecb.set(entry.callback);
                st.set(WRITE_CB);
            }
            st.set(WRITING | EXPECT_WRITE_CB);
            Self::run_sink(this, SinkOp::Write(entry.chunk));
            if st.buffered.borrow().is_empty() || st.has(WRITING) {
                break;
            }
        }
        if st.buffered.borrow().is_empty() {
            st.reset_buffer();
        }
    }

    /// The `_writev` half of `clearBuffer`: the whole buffer as one batch.
    ///
    /// The first batch also asks whether the sink has `_writev` at all. Its callbacks are
    /// then kept one per chunk (a sink with `_writev` calls them together as usual), so
    /// that a sink without one, whose default body hands the batch back, gets each chunk
    /// again with its own callback ([`writev_absent`](Self::writev_absent)).
    fn writev_buffer(this: &Rc<Self>, n: usize) {
        let st = &this.state;
        let first = !st.has(WRITEV_ASKED);
        st.set(WRITEV_ASKED);
        st.pendingcb.set(st.pendingcb.get() - (n - 1));
        let mut chunks = Vec::with_capacity(n);
        let mut kept = None;
        if first {
            let mut callbacks = Vec::with_capacity(n);
            for entry in st.buffered.borrow_mut().drain_all() {
                chunks.push(entry.chunk);
                callbacks.push(entry.callback);
            }
            let any = callbacks.iter().any(Option::is_some);
            let shared: BatchCallbacks = Rc::new(Cell::new(callbacks));
            if any {
                let (lp, cbs) = (this.lp.clone(), shared.clone());
                st.writecb.set(Some(Box::new(move |err: Option<Error>| {
                    call_each(&lp, cbs.take().into_iter().flatten().collect(), err);
                })));
                st.set(WRITE_CB);
            }
            kept = Some(shared);
        } else {
            let mut callbacks: Vec<UserCallback> = Vec::new();
            for entry in st.buffered.borrow_mut().drain_all() {
                chunks.push(entry.chunk);
                if let Some(cb) = entry.callback {
                    callbacks.push(cb);
                }
            }
            if !callbacks.is_empty() {
                let lp = this.lp.clone();
                st.writecb.set(Some(Box::new(move |err: Option<Error>| {
                    call_each(&lp, callbacks, err);
                })));
                st.set(WRITE_CB);
            }
        }
        st.writelen.set(st.length());
        st.set(WRITING | EXPECT_WRITE_CB);
        st.reset_buffer();
        Self::run_sink(this, SinkOp::Writev(chunks, kept));
    }

    /// The sink's default `writev` handed `chunks` back: it has no `_writev`. The batch's
    /// bookkeeping is undone and its writes go back to the front of the buffer, each with
    /// its callback, in order (writes buffered meanwhile stay behind them). A call made
    /// from `clearBuffer` goes on there with the writes one at a time; a queued call
    /// (`deferred`) starts that now.
    pub(super) fn writev_absent(
        this: &Rc<Self>,
        chunks: Vec<T>,
        callbacks: BatchCallbacks,
        deferred: bool,
    ) {
        let st = &this.state;
        let kept = callbacks.take();
        if kept.len() != chunks.len() {
            // Not the batch it was given: nothing to pair the callbacks with.
            callbacks.set(kept);
            Self::on_write(this, Some(super::machine::writev_missing()));
            return;
        }
        st.set(NO_WRITEV);
        drop(st.writecb.take());
        st.clear(WRITING | EXPECT_WRITE_CB | WRITE_CB);
        st.writelen.set(0);
        st.pendingcb.set(st.pendingcb.get() + chunks.len() - 1);
        let flags = st.flags();
        {
            let mut buffered = st.buffered.borrow_mut();
            for (chunk, callback) in chunks.into_iter().zip(kept).rev() {
                let len = Self::chunk_len(&chunk, flags);
                buffered.push_front(Entry {
                    chunk,
                    len,
                    callback,
                });
            }
        }
        st.set(BUFFERED);
        if deferred {
            Self::clear_buffer(this);
        }
    }

    pub(crate) fn cork(this: &Rc<Self>) {
        let st = &this.state;
        st.set(CORKED);
        st.corked.set(st.corked.get() + 1);
    }

    pub(crate) fn uncork(this: &Rc<Self>) {
        let st = &this.state;
        let corked = st.corked.get();
        if corked == 0 {
            return;
        }
        st.corked.set(corked - 1);
        if corked == 1 {
            st.clear(CORKED);
        }
        if !st.has(WRITING) {
            Self::clear_buffer(this);
        }
    }
}

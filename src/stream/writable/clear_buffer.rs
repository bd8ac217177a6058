//! What becomes of buffered writes: Node's `clearBuffer` hands them to the sink (one
//! `_writev` for all, or one `_write` at a time), `errorBuffer` fails them; `cork` and
//! `uncork` hold them back and let them go.

use std::rc::Rc;

use crate::error::Error;
use crate::reactor::LoopHandle;

use super::callbacks::UserCallback;
use super::machine::{destroyed_error, Inner, SinkOp};
use super::sink::Sink;
use super::state::*;

impl<T: 'static, S: Sink<T>> Inner<T, S> {
    /// Node's `errorBuffer`: fails every buffered write and every pending end callback.
    pub(crate) fn error_buffer(this: &Rc<Self>) {
        let st = &this.state;
        if st.has(WRITING) {
            return;
        }
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
        if n > 1 && this.has_writev {
            st.pendingcb.set(st.pendingcb.get() - (n - 1));
            let mut chunks = Vec::with_capacity(n);
            let mut callbacks: Vec<UserCallback> = Vec::new();
            for entry in st.buffered.borrow_mut().drain_all() {
                chunks.push(entry.chunk);
                if let Some(cb) = entry.callback {
                    callbacks.push(cb);
                }
            }
            st.writelen.set(st.length());
            if !callbacks.is_empty() {
                let lp = this.lp.clone();
                st.writecb.set(Some(Box::new(move |err: Option<Error>| {
                    call_each(lp, callbacks, err);
                })));
                st.set(WRITE_CB);
            }
            st.set(WRITING | EXPECT_WRITE_CB);
            st.reset_buffer();
            Self::run_sink(this, SinkOp::Writev(chunks));
        } else {
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
        st.clear(BUFFER_PROCESSING);
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

/// Calls each callback of a `_writev` batch with `err`. If one panics, the panic unwinds
/// to the loop and the callbacks after it run on the next tick, so none is lost.
fn call_each(lp: LoopHandle, callbacks: Vec<UserCallback>, err: Option<Error>) {
    struct Rest {
        lp: LoopHandle,
        left: std::vec::IntoIter<UserCallback>,
        err: Option<Error>,
        armed: bool,
    }
    impl Drop for Rest {
        fn drop(&mut self) {
            if !self.armed {
                return;
            }
            let left: Vec<UserCallback> = std::mem::take(&mut self.left).collect();
            if left.is_empty() {
                return;
            }
            let (lp, err) = (self.lp.clone(), self.err.take());
            self.lp.next_tick(move || call_each(lp, left, err));
        }
    }
    let mut rest = Rest {
        lp,
        left: callbacks.into_iter(),
        err,
        armed: true,
    };
    for cb in rest.left.by_ref() {
        cb(rest.err.clone());
    }
    rest.armed = false;
}

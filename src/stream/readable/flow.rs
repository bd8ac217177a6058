//! The moving parts of Node's readable.js: push and `addChunk`, `read`, `'readable'`
//! emission, flowing mode, `maybeReadMore`, resume and the end.
//!
//! Each function is a port of the Node function named in its comment. State borrows are
//! dropped before any listener, source method or destroy runs.

use super::chunk::Chunk;
use super::item::{chunk_ref, from_chunk, into_chunk};
use super::state::Want;
use super::{Readable, END, RESUME};
use crate::reactor::{catch_as_error, on_unwind};
use crate::{Error, ErrorCode};

impl<T: 'static> Readable<T> {
    /// Runs `f` on the next tick with a handle of this stream.
    pub(super) fn tick(&self, f: impl FnOnce(&Readable<T>) + 'static) {
        self.inner.lp.next_tick(self.later(f));
    }

    /// `f` with a handle of this stream, as a task for the loop: what a panic in user code
    /// leaves owed (see [`LoopHandle::owing`](crate::LoopHandle)).
    pub(super) fn later(&self, f: impl FnOnce(&Readable<T>) + 'static) -> impl FnOnce() + 'static {
        let me = self.clone();
        move || f(&me)
    }

    /// Node's `kDataListening`, read live from the emitter.
    pub(super) fn data_listening(&self) -> bool {
        self.inner.data_listener_count() > 0
    }

    /// Node's `readableAddChunk{Push,Unshift}{ByteMode,ObjectMode}`.
    pub(super) fn add_chunk_push(&self, chunk: Option<T>, add_to_front: bool) -> bool {
        let Some(chunk) = chunk else {
            self.inner.state.borrow_mut().reading = false;
            self.on_eof_chunk();
            return false;
        };
        let mut s = self.inner.state.borrow_mut();
        if !s.object_mode {
            // Only a stream of `Chunk` is ever in byte mode. The chunk is looked at in
            // place, so that the common case (bytes, no encoding) goes on as it came.
            let Some(c) = chunk_ref(&chunk) else {
                unreachable!("byte mode is only possible on a stream of Chunk")
            };
            match c {
                Chunk::Object(_) => {
                    drop(s);
                    self.error_or_destroy(
                        Error::new(
                            ErrorCode::InvalidArgType,
                            "The \"chunk\" argument must be of type string or an instance of \
                             Buffer, TypedArray, or DataView. Received an object",
                        ),
                        false,
                    );
                    return false;
                }
                // Text on a stream without an encoding becomes its bytes; unshifted bytes on
                // a text stream are decoded on their own. The converted chunk goes through
                // here again (and needs no second conversion).
                Chunk::Text(_) if s.decoder.is_none() => {
                    drop(s);
                    return self
                        .add_chunk_push(Some(from_chunk(text_to_bytes(chunk))), add_to_front);
                }
                Chunk::Bytes(_) if add_to_front && s.decoder.is_some() => {
                    let enc = s.decoder.as_ref().map(|d| d.encoding()).unwrap_or_default();
                    drop(s);
                    let text = bytes_to_text(chunk, enc);
                    return self.add_chunk_push(Some(from_chunk(text)), add_to_front);
                }
                c if c.is_empty() => {
                    if !add_to_front {
                        s.reading = false;
                        drop(s);
                        self.maybe_read_more();
                        return self.inner.state.borrow().can_push_more();
                    }
                    return s.can_push_more();
                }
                _ => {}
            }
        }

        if add_to_front {
            if s.end_emitted {
                drop(s);
                self.error_or_destroy(
                    Error::custom(
                        "ERR_STREAM_UNSHIFT_AFTER_END_EVENT",
                        "stream.unshift() after end event",
                    ),
                    false,
                );
                return self.inner.state.borrow().can_push_more();
            }
            if s.destroyed || s.errored.is_some() {
                return false;
            }
            drop(s);
            self.add_chunk(chunk, true);
            return self.inner.state.borrow().can_push_more();
        }

        if s.ended {
            drop(s);
            self.error_or_destroy(
                Error::custom("ERR_STREAM_PUSH_AFTER_EOF", "stream.push() after EOF"),
                false,
            );
            return false;
        }
        if s.destroyed || s.errored.is_some() {
            return false;
        }
        s.reading = false;
        // Only a stream of `Chunk` has a decoder.
        if let Some(decoder) = s.decoder.as_mut() {
            if let Some(Chunk::Bytes(b)) = chunk_ref(&chunk) {
                let text = decoder.write(b);
                if text.is_empty() && !s.object_mode {
                    drop(s);
                    self.maybe_read_more();
                    return self.inner.state.borrow().can_push_more();
                }
                drop(s);
                self.add_chunk(from_chunk(Chunk::Text(text)), false);
                return self.inner.state.borrow().can_push_more();
            }
        }
        drop(s);
        self.add_chunk(chunk, false);
        self.inner.state.borrow().can_push_more()
    }

    /// Node's `addChunk`.
    fn add_chunk(&self, chunk: T, add_to_front: bool) {
        let emit_now = {
            let s = self.inner.state.borrow();
            s.is_flowing() && !s.sync && s.length == 0
        } && self.data_listening();
        if emit_now {
            self.inner.clear_await_drain();
            self.inner.state.borrow_mut().data_emitted = true;
            // A panicking `'data'` listener still leaves the stream reading on (this only
            // schedules the read).
            on_unwind(|| self.emit_data_owned(chunk), || self.maybe_read_more());
        } else {
            let need_readable = {
                let mut s = self.inner.state.borrow_mut();
                s.length += s.chunk_len(&chunk);
                if add_to_front {
                    s.buffer.push_front(chunk);
                } else {
                    s.buffer.push_back(chunk);
                }
                s.need_readable
            };
            if need_readable {
                self.emit_readable();
            }
        }
        self.maybe_read_more();
    }

    /// Node's `onEofChunk`.
    fn on_eof_chunk(&self) {
        let sync = {
            let mut s = self.inner.state.borrow_mut();
            if s.ended {
                return;
            }
            if let Some(decoder) = s.decoder.as_mut() {
                let tail = decoder.end();
                if !tail.is_empty() {
                    let len = if s.object_mode { 1 } else { tail.len() };
                    s.buffer.push_back(from_chunk(Chunk::Text(tail)));
                    s.length += len;
                }
            }
            s.ended = true;
            if !s.sync {
                s.need_readable = false;
                s.emitted_readable = true;
            }
            if s.sync
                && s.skips_unobserved_eof_readable
                && !s.is_flowing()
                && !s.need_readable
                && self
                    .inner
                    .emitter
                    .listener_count(&self.inner.keys().readable)
                    == 0
            {
                // Nobody observes the stream: no 'readable' now; a 'readable' listener
                // added later emits it, and read() and resume() reach the end themselves.
                s.eof_readable_pending = true;
                return;
            }
            s.sync
        };
        if sync {
            // Wait for the next tick: emitting now could flow inside the read() that
            // called the source.
            self.emit_readable();
        } else {
            self.emit_readable_now();
        }
    }

    /// Node's `Readable.prototype.read`, after the high-water mark check.
    pub(super) fn read_want(&self, n_orig: Want) -> Option<T> {
        let mut s = self.inner.state.borrow_mut();
        if n_orig != Want::N(0) {
            s.emitted_readable = false;
            s.eof_readable_pending = false;
        }

        // read(0) with a full buffer (or at the end) only triggers 'readable' or 'end'.
        if n_orig == Want::N(0)
            && s.need_readable
            && ((if s.high_water_mark != 0 {
                s.length >= s.high_water_mark
            } else {
                s.length > 0
            }) || s.ended)
        {
            let end = s.length == 0 && s.ended;
            drop(s);
            if end {
                self.end_readable();
            } else {
                self.emit_readable();
            }
            return None;
        }

        let mut n = s.how_much_to_read(n_orig);

        if n == 0 && s.ended {
            let end = s.length == 0;
            drop(s);
            if end {
                self.end_readable();
            }
            return None;
        }

        let mut do_read = s.need_readable;
        if s.length == 0 || s.length.saturating_sub(n) < s.high_water_mark {
            do_read = true;
        }
        // Not while a read is pending, after the end, before `_construct` has called back,
        // or once destroyed or errored.
        if s.reading || s.ended || s.destroyed || s.errored.is_some() || !s.constructed {
            do_read = false;
        }
        if do_read {
            s.reading = true;
            s.sync = true;
            if s.length == 0 {
                s.need_readable = true;
            }
            let size = s.high_water_mark;
            drop(s);
            let source = self.inner.source.clone();
            // Node's `read` catches a throwing `_read` and fails the stream with it.
            if let Err(err) = catch_as_error("_read", || source.read(self, size)) {
                on_unwind(
                    || self.error_or_destroy(err, false),
                    || self.inner.state.borrow_mut().sync = false,
                );
            }
            s = self.inner.state.borrow_mut();
            s.sync = false;
            // A synchronous push changes how much there is to return.
            if !s.reading {
                n = s.how_much_to_read(n_orig);
            }
        }

        let ret = if n > 0 { s.take_from_list(n) } else { None };
        let mut clear_await = false;
        match &ret {
            None => {
                if s.length <= s.high_water_mark {
                    s.need_readable = true;
                }
                n = 0;
            }
            Some(chunk) => {
                n = s.chunk_len(chunk);
                s.length -= n;
                clear_await = true;
            }
        }

        let mut end = false;
        if s.length == 0 {
            if !s.ended {
                s.need_readable = true;
            }
            // Reading past the end: 'end' on the next tick.
            if n_orig != Want::N(n) && s.ended {
                end = true;
            }
        }
        let emit = ret.is_some() && !s.error_emitted && !s.close_emitted;
        if emit {
            s.data_emitted = true;
        }
        drop(s);
        if clear_await {
            self.inner.clear_await_drain();
        }
        if end {
            self.end_readable();
        }
        if emit {
            if let Some(chunk) = &ret {
                self.inner.emitter.emit(&self.inner.keys().data, chunk);
            }
        }
        ret
    }

    /// Node's `emitReadable`: `'readable'` on the next tick, once.
    pub(super) fn emit_readable(&self) {
        let schedule = {
            let mut s = self.inner.state.borrow_mut();
            s.need_readable = false;
            let schedule = !s.emitted_readable;
            s.emitted_readable = true;
            schedule
        };
        if schedule {
            self.tick(Readable::<T>::emit_readable_now);
        }
    }

    /// Node's `emitReadable_`.
    fn emit_readable_now(&self) {
        let emit = {
            let s = self.inner.state.borrow();
            !s.destroyed && s.errored.is_none() && (s.length > 0 || s.ended)
        };
        if emit {
            self.inner.lp.owing(
                || self.inner.emitter.emit(&self.inner.keys().readable, &()),
                || self.later(|r| r.after_readable(true)),
            );
        }
        self.after_readable(emit);
    }

    /// The end of `emitReadable_`, after `'readable'` (`emitted`: it was emitted).
    fn after_readable(&self, emitted: bool) {
        {
            let mut s = self.inner.state.borrow_mut();
            if emitted {
                s.emitted_readable = false;
            }
            if !s.is_flowing() && !s.ended && s.length <= s.high_water_mark {
                s.need_readable = true;
            }
        }
        self.flow();
    }

    /// Node's `maybeReadMore`: fill the buffer up to the high-water mark on the next tick.
    pub(super) fn maybe_read_more(&self) {
        let schedule = {
            let mut s = self.inner.state.borrow_mut();
            let schedule = !s.reading_more && s.constructed;
            if schedule {
                s.reading_more = true;
            }
            schedule
        };
        if schedule {
            self.tick(Readable::<T>::maybe_read_more_now);
        }
    }

    /// Node's `maybeReadMore_`.
    fn maybe_read_more_now(&self) {
        loop {
            let len = {
                let s = self.inner.state.borrow();
                let more = !s.reading
                    && !s.ended
                    && (s.length < s.high_water_mark || (s.is_flowing() && s.length == 0));
                if !more {
                    break;
                }
                s.length
            };
            self.read_want(Want::N(0));
            if len == self.inner.state.borrow().length {
                break; // no data came: stop spinning
            }
        }
        self.inner.state.borrow_mut().reading_more = false;
    }

    /// Node's `flow`: read while flowing. A panicking `'data'` listener leaves the rest of
    /// the flow to the next tick.
    pub(super) fn flow(&self) {
        self.inner.lp.owing(
            || {
                while self.inner.state.borrow().is_flowing() && self.read_want(Want::Any).is_some()
                {
                }
            },
            || self.later(Readable::<T>::flow),
        );
    }

    /// Node's `endReadable`: `'end'` on the next tick.
    pub(super) fn end_readable(&self) {
        let schedule = {
            let mut s = self.inner.state.borrow_mut();
            if s.end_emitted {
                false
            } else {
                s.ended = true;
                true
            }
        };
        if schedule {
            self.tick(Readable::<T>::end_readable_nt);
        }
    }

    /// Node's `endReadableNT`: `'end'`, then auto-destroy (`'close'` a tick later).
    fn end_readable_nt(&self) {
        let auto_destroy = {
            let mut s = self.inner.state.borrow_mut();
            if s.errored.is_some() || s.close_emitted || s.end_emitted || s.length != 0 {
                return;
            }
            s.end_emitted = true;
            s.auto_destroy
        };
        // A panicking `'end'` listener still leaves the stream destroyed, on the next tick.
        self.inner.lp.owing(
            || self.inner.emitter.emit(END, &()),
            || self.later(move |r| r.end_destroy(auto_destroy)),
        );
        self.end_destroy(auto_destroy);
    }

    /// The end of `endReadableNT`: the writable side ended too, for a Duplex that does
    /// not allow half-open; otherwise auto-destroy (a Duplex's once its writable side has
    /// finished too).
    fn end_destroy(&self, auto_destroy: bool) {
        if let Some(w) = self.inner.partner.get() {
            if w.writable() && !w.allow_half_open() {
                let w = w.clone();
                self.inner.lp.next_tick(move || w.end_writable());
                return;
            }
            if !w.ready_to_auto_destroy() {
                return;
            }
        }
        if auto_destroy {
            self.destroy_impl(None);
        }
    }

    /// Node's `resume(stream, state)`: `resume_` on the next tick, once.
    pub(super) fn schedule_resume(&self) {
        let schedule = {
            let mut s = self.inner.state.borrow_mut();
            let schedule = !s.resume_scheduled;
            s.resume_scheduled = true;
            schedule
        };
        if schedule {
            self.tick(Readable::<T>::resume_now);
        }
    }

    /// Node's `resume_`.
    fn resume_now(&self) {
        if !self.inner.state.borrow().reading {
            self.read_want(Want::N(0));
        }
        self.inner.state.borrow_mut().resume_scheduled = false;
        self.inner.lp.owing(
            || self.inner.emitter.emit(RESUME, &()),
            || self.later(Readable::<T>::after_resume),
        );
        self.after_resume();
    }

    /// The end of `resume_`, after `'resume'`: flow, then ask for more.
    fn after_resume(&self) {
        self.inner.lp.owing(
            || self.flow(),
            || self.later(Readable::<T>::read_more_if_flowing),
        );
        self.read_more_if_flowing();
    }

    fn read_more_if_flowing(&self) {
        let again = {
            let s = self.inner.state.borrow();
            s.is_flowing() && !s.reading
        };
        if again {
            self.read_want(Want::N(0));
        }
    }

    /// The `'data'` branch of Node's `Readable.prototype.on`.
    pub(super) fn on_data_listener_added(&self) {
        let readable_listeners = self.inner.emitter.listener_count("readable") > 0;
        let resume = {
            let mut s = self.inner.state.borrow_mut();
            s.readable_listening |= readable_listeners;
            // Start flowing unless paused explicitly.
            s.flowing != Some(false)
        };
        if resume {
            self.resume();
        }
    }

    /// The `'readable'` branch of Node's `Readable.prototype.on`.
    pub(super) fn on_readable_listener_added(&self) {
        enum Next {
            Nothing,
            EmitReadable,
            /// `read(0)` on the next tick, after the skipped end-of-stream `'readable'` if
            /// one is owed.
            ReadZero {
                eof_readable: bool,
            },
        }
        let next = {
            let mut s = self.inner.state.borrow_mut();
            if s.end_emitted || s.readable_listening {
                Next::Nothing
            } else {
                s.readable_listening = true;
                s.need_readable = true;
                s.flowing = Some(false);
                s.emitted_readable = false;
                if s.length > 0 {
                    Next::EmitReadable
                } else if !std::mem::take(&mut s.eof_readable_pending) {
                    if s.reading {
                        Next::Nothing
                    } else {
                        Next::ReadZero {
                            eof_readable: false,
                        }
                    }
                } else if !s.reading {
                    Next::ReadZero { eof_readable: true }
                } else {
                    Next::EmitReadable
                }
            }
        };
        match next {
            Next::Nothing => {}
            Next::EmitReadable => self.emit_readable(),
            Next::ReadZero { eof_readable } => {
                if eof_readable {
                    self.emit_readable();
                }
                self.tick(|r| {
                    r.read_want(Want::N(0));
                });
            }
        }
    }

    /// Node's `updateReadableListening`, on the next tick, after a `'readable'` listener
    /// goes.
    pub(super) fn schedule_update_readable_listening(&self) {
        self.tick(|r| {
            let readable_listening = r.inner.emitter.listener_count("readable") > 0;
            let data_listening = r.data_listening();
            let resume = {
                let mut s = r.inner.state.borrow_mut();
                s.readable_listening = readable_listening;
                if s.paused == Some(false) && s.resume_scheduled {
                    // Flowing must be set now, or the coming resume will not flow.
                    s.flowing = Some(true);
                    false
                } else if data_listening {
                    true
                } else {
                    if !s.readable_listening {
                        s.flowing = None;
                    }
                    false
                }
            };
            if resume {
                r.resume();
            }
        });
    }
}

/// A text chunk of a byte stream as its UTF-8 bytes.
#[cold]
fn text_to_bytes<T: 'static>(chunk: T) -> Chunk {
    match into_chunk(chunk) {
        Ok(Chunk::Text(t)) => Chunk::Bytes(t.into_bytes().into()),
        Ok(other) => other,
        Err(_) => unreachable!("a stream of Chunk"),
    }
}

/// A byte chunk of a text stream, decoded on its own.
#[cold]
fn bytes_to_text<T: 'static>(chunk: T, enc: crate::stream::encoding::Encoding) -> Chunk {
    match into_chunk(chunk) {
        Ok(Chunk::Bytes(b)) => Chunk::Text(enc.decode(&b)),
        Ok(other) => other,
        Err(_) => unreachable!("a stream of Chunk"),
    }
}

//! The Readable's state: Node's `ReadableState`, as plain fields, and the pure parts of its
//! buffer logic (`howMuchToRead`, `fromList`, `computeNewHighWaterMark`).

use std::collections::VecDeque;

use bytes::Bytes;

use super::chunk::Chunk;
use super::decoder::StringDecoder;
use super::item::{chunk_buffer, chunk_ref, make_as_chunk};
use crate::compat::NodeCompat;
use crate::Error;

/// `read(n)` never raises the high-water mark past 1 GiB.
pub(crate) const MAX_HWM: usize = 0x4000_0000;

/// How much `read()` was asked for: Node's `read()` (NaN) or `read(n)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Want {
    /// `read()`: whatever is buffered (one chunk while flowing).
    Any,
    /// `read(n)`.
    N(usize),
}

/// Node's `ReadableState`. Every flag keeps Node's name; see `readable.js`.
pub(crate) struct State<T = Chunk> {
    pub object_mode: bool,
    /// `read()` without a size takes one chunk even while paused, when nothing decodes
    /// (Node v26's `howMuchToRead`; v20 joins the whole buffer).
    pub reads_one_chunk: bool,
    /// The end pushed inside a synchronous `_read` schedules no `'readable'` when nobody
    /// observes the stream (v26's `onEofChunk`; see `NodeCompat`).
    pub skips_unobserved_eof_readable: bool,
    /// `set_encoding` after the end ends the new decoder (v26; see `NodeCompat`).
    pub ends_late_decoder: bool,
    /// That `'readable'` was skipped: a `'readable'` listener added later emits it (v26's
    /// `kEofReadablePending`).
    pub eof_readable_pending: bool,
    pub high_water_mark: usize,
    pub buffer: VecDeque<T>,
    pub length: usize,
    pub ended: bool,
    pub end_emitted: bool,
    pub reading: bool,
    pub sync: bool,
    pub need_readable: bool,
    pub emitted_readable: bool,
    pub readable_listening: bool,
    pub resume_scheduled: bool,
    pub error_emitted: bool,
    pub emit_close: bool,
    pub auto_destroy: bool,
    /// `readable = false`: the readable side of a Duplex made without one.
    pub readable_off: bool,
    /// Node's `constructed`: `false` while a Duplex's `_construct` has not called back
    /// (no `_read` until then).
    pub constructed: bool,
    pub destroyed: bool,
    pub closed: bool,
    pub close_emitted: bool,
    pub reading_more: bool,
    pub data_emitted: bool,
    /// `null` / `true` / `false`, as Node's `readableFlowing`.
    pub flowing: Option<bool>,
    /// Node's `state.paused` (`kHasPaused`/`kPaused`): `None` until pause or resume is called.
    pub paused: Option<bool>,
    pub errored: Option<Error>,
    /// Boxed: most streams carry bytes.
    pub decoder: Option<Box<StringDecoder>>,
}

impl<T: 'static> State<T> {
    pub(crate) fn new(
        object_mode: bool,
        high_water_mark: Option<usize>,
        compat: NodeCompat,
    ) -> State<T> {
        let hwm = high_water_mark.unwrap_or(compat.default_high_water_mark(object_mode));
        State {
            object_mode,
            reads_one_chunk: compat.reads_one_chunk(),
            skips_unobserved_eof_readable: compat.skips_unobserved_eof_readable(),
            eof_readable_pending: false,
            ends_late_decoder: compat.ends_late_decoder(),
            high_water_mark: hwm,
            buffer: VecDeque::new(),
            length: 0,
            ended: false,
            end_emitted: false,
            reading: false,
            // Node starts with `sync` set: nothing is emitted from inside the first push.
            sync: true,
            need_readable: false,
            emitted_readable: false,
            readable_listening: false,
            resume_scheduled: false,
            error_emitted: false,
            emit_close: true,
            auto_destroy: true,
            readable_off: false,
            constructed: true,
            destroyed: false,
            closed: false,
            close_emitted: false,
            reading_more: false,
            data_emitted: false,
            flowing: None,
            paused: None,
            errored: None,
            decoder: None,
        }
    }

    /// Node's `if (!r.errored) r.errored = err`: the first error stays.
    pub(crate) fn record_error(&mut self, err: Option<&Error>) {
        if let (Some(e), None) = (err, &self.errored) {
            self.errored = Some(e.clone());
        }
    }

    pub(crate) fn is_flowing(&self) -> bool {
        self.flowing == Some(true)
    }

    /// The length one chunk adds to `length`.
    #[inline(always)]
    pub(crate) fn chunk_len(&self, chunk: &T) -> usize {
        if self.object_mode {
            1
        } else {
            chunk_ref(chunk).map_or(1, Chunk::len)
        }
    }

    /// Node's `canPushMore`: what `push()` returns.
    pub(crate) fn can_push_more(&self) -> bool {
        !self.ended && (self.length < self.high_water_mark || self.length == 0)
    }

    /// Node's `howMuchToRead`.
    pub(crate) fn how_much_to_read(&self, n: Want) -> usize {
        if n == Want::N(0) || (self.length == 0 && self.ended) {
            return 0;
        }
        if self.object_mode {
            return 1;
        }
        match n {
            Want::Any => {
                // Only flow one buffer at a time; from v26, hand out one buffer at a time
                // whenever no decoder joins text.
                if self.length > 0
                    && (self.is_flowing() || (self.reads_one_chunk && self.decoder.is_none()))
                {
                    self.buffer
                        .front()
                        .and_then(chunk_ref)
                        .map_or(0, Chunk::len)
                } else {
                    self.length
                }
            }
            Want::N(n) if n <= self.length => n,
            Want::N(_) => {
                if self.ended {
                    self.length
                } else {
                    0
                }
            }
        }
    }

    /// Node's `fromList`: takes `n` units off the front of the buffer (the caller lowers
    /// `length`). Text is cut on a character boundary at or after `n` bytes.
    pub(crate) fn take_from_list(&mut self, n: usize) -> Option<T> {
        if self.length == 0 {
            return None;
        }
        if self.object_mode {
            return self.buffer.pop_front();
        }
        let length = self.length;
        let buffer = chunk_buffer(&mut self.buffer)
            .expect("byte mode is only possible on a stream of Chunk");
        make_as_chunk(|| take_bytes(buffer, length, n))
    }
}

/// [`State::take_from_list`] on a byte or text buffer holding `length` bytes.
#[inline]
fn take_bytes(buffer: &mut VecDeque<Chunk>, length: usize, n: usize) -> Option<Chunk> {
    if n >= length {
        // Everything, joined.
        return match buffer.len() {
            0 => Some(Chunk::Bytes(Bytes::new())),
            1 => buffer.pop_front(),
            _ => Some(join(buffer.drain(..), length)),
        };
    }
    let front_len = buffer.front().map_or(0, Chunk::len);
    if n < front_len {
        let front = buffer.front_mut().expect("length > 0");
        return Some(split_front(front, n));
    }
    if n == front_len {
        return buffer.pop_front();
    }
    // Spans several chunks.
    let mut parts = Vec::new();
    let mut left = n;
    while left > 0 {
        let Some(front) = buffer.front_mut() else {
            break;
        };
        if left >= front.len() {
            left -= front.len();
            parts.push(buffer.pop_front().expect("front exists"));
        } else {
            parts.push(split_front(front, left));
            left = 0;
        }
    }
    Some(join(parts.into_iter(), n))
}

/// Cuts the first `n` bytes off `chunk` and returns them; text is cut at the next
/// character boundary at or after `n`.
fn split_front(chunk: &mut Chunk, n: usize) -> Chunk {
    match chunk {
        Chunk::Bytes(b) => Chunk::Bytes(b.split_to(n)),
        Chunk::Text(s) => {
            let mut at = n;
            while !s.is_char_boundary(at) {
                at += 1;
            }
            let rest = s.split_off(at);
            Chunk::Text(std::mem::replace(s, rest))
        }
        Chunk::Object(_) => unreachable!("objects are never split"),
    }
}

/// Joins byte chunks into one `Bytes`, text chunks into one `Text`.
fn join(parts: impl Iterator<Item = Chunk>, len: usize) -> Chunk {
    let mut parts = parts.peekable();
    if matches!(parts.peek(), Some(Chunk::Text(_))) {
        let mut s = String::with_capacity(len);
        for p in parts {
            if let Chunk::Text(t) = p {
                s.push_str(&t);
            }
        }
        Chunk::Text(s)
    } else {
        let mut v = Vec::with_capacity(len);
        for p in parts {
            if let Some(b) = p.as_bytes() {
                v.extend_from_slice(b);
            }
        }
        Chunk::Bytes(Bytes::from(v))
    }
}

/// Node's `computeNewHighWaterMark`: the next power of two at or above `n`.
///
/// # Errors
///
/// `ERR_OUT_OF_RANGE` past 1 GiB.
pub(crate) fn compute_new_high_water_mark(n: usize) -> Result<usize, Error> {
    if n > MAX_HWM {
        return Err(Error::new(
            crate::ErrorCode::OutOfRange,
            format!("The value of \"size\" is out of range. It must be <= 1GiB. Received {n}"),
        ));
    }
    Ok(n.next_power_of_two())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_state(chunks: &[&str]) -> State {
        bytes_state_as(NodeCompat::V20, chunks)
    }

    fn bytes_state_as(compat: NodeCompat, chunks: &[&str]) -> State {
        let mut s: State = State::new(false, None, compat);
        for c in chunks {
            s.buffer.push_back(Chunk::from(*c));
            s.length += c.len();
        }
        s
    }

    #[test]
    fn default_high_water_mark_follows_the_compat_setting() {
        let s: State = State::new(false, None, NodeCompat::V26);
        assert_eq!(s.high_water_mark, 65536);
        let s: State = State::new(false, None, NodeCompat::V20);
        assert_eq!(s.high_water_mark, 16384);
        let s: State = State::new(false, Some(7), NodeCompat::V26);
        assert_eq!(s.high_water_mark, 7);
    }

    #[test]
    fn read_any_while_paused_takes_one_chunk_from_v26() {
        let mut s = bytes_state_as(NodeCompat::V26, &["ab", "cd", "e"]);
        let n = s.how_much_to_read(Want::Any);
        assert_eq!(n, 2);
        assert_eq!(s.take_from_list(n), Some(Chunk::from("ab")));
        assert_eq!(s.buffer.len(), 2);
    }

    #[test]
    fn read_any_with_a_decoder_joins_everything_under_v26_too() {
        let mut s = bytes_state_as(NodeCompat::V26, &["ab", "cd", "e"]);
        s.decoder = Some(Box::new(StringDecoder::new(crate::Encoding::Utf8)));
        assert_eq!(s.how_much_to_read(Want::Any), 5);
    }

    #[test]
    fn read_any_while_paused_joins_everything() {
        let mut s = bytes_state(&["ab", "cd", "e"]);
        let n = s.how_much_to_read(Want::Any);
        assert_eq!(n, 5);
        assert_eq!(s.take_from_list(n), Some(Chunk::from("abcde")));
        assert!(s.buffer.is_empty());
    }

    #[test]
    fn read_any_while_flowing_takes_one_chunk() {
        let mut s = bytes_state(&["ab", "cd"]);
        s.flowing = Some(true);
        let n = s.how_much_to_read(Want::Any);
        assert_eq!(n, 2);
        assert_eq!(s.take_from_list(n), Some(Chunk::from("ab")));
        assert_eq!(s.buffer.len(), 1);
    }

    #[test]
    fn read_n_splits_and_spans_chunks() {
        let mut s = bytes_state(&["abc", "def", "gh"]);
        assert_eq!(s.take_from_list(2), Some(Chunk::from("ab")));
        s.length -= 2;
        assert_eq!(s.take_from_list(5), Some(Chunk::from("cdefg")));
        s.length -= 5;
        assert_eq!(s.take_from_list(1), Some(Chunk::from("h")));
    }

    #[test]
    fn read_n_more_than_buffered_waits_unless_ended() {
        let mut s = bytes_state(&["abc"]);
        assert_eq!(s.how_much_to_read(Want::N(4)), 0);
        s.ended = true;
        assert_eq!(s.how_much_to_read(Want::N(4)), 3);
        assert_eq!(s.how_much_to_read(Want::N(0)), 0);
    }

    #[test]
    fn text_is_cut_on_a_char_boundary() {
        let mut s: State = State::new(false, None, NodeCompat::V20);
        s.buffer.push_back(Chunk::Text("é€x".into()));
        s.length = "é€x".len();
        assert_eq!(s.take_from_list(1), Some(Chunk::Text("é".into())));
    }

    #[test]
    fn object_mode_reads_one_object() {
        let mut s: State = State::new(true, None, NodeCompat::V26);
        assert_eq!(s.high_water_mark, 16);
        s.buffer.push_back(Chunk::object(1u32));
        s.buffer.push_back(Chunk::object(2u32));
        s.length = 2;
        assert_eq!(s.how_much_to_read(Want::N(100)), 1);
        let c = s.take_from_list(1).unwrap();
        assert_eq!(c.downcast_ref::<u32>(), Some(&1));
    }

    #[test]
    fn new_high_water_mark_is_a_power_of_two_up_to_1gib() {
        assert_eq!(compute_new_high_water_mark(20000).unwrap(), 32768);
        assert_eq!(compute_new_high_water_mark(16384).unwrap(), 16384);
        assert_eq!(
            compute_new_high_water_mark(MAX_HWM + 1)
                .unwrap_err()
                .code()
                .as_str(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn can_push_more_follows_hwm_and_empty_rule() {
        let mut s: State = State::new(false, Some(0), NodeCompat::V26);
        assert!(s.can_push_more());
        s.length = 1;
        assert!(!s.can_push_more());
        s.ended = true;
        s.length = 0;
        assert!(!s.can_push_more());
    }
}

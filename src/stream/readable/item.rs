//! How the machinery tells a byte stream from a typed object stream: a [`Readable<T>`]
//! with `T` = [`Chunk`] may carry bytes and text (split, joined, decoded, counted by
//! length); any other `T` is an object-mode stream of `T` values.
//!
//! The tests below are on `TypeId`s known where each function is instantiated, so they
//! fold away: a byte stream pays nothing for the generic parameter, and no user type has
//! to implement a trait to be carried.
//!
//! [`Readable<T>`]: super::Readable

use std::any::Any;
use std::collections::VecDeque;

use super::chunk::Chunk;

/// The chunk inside `value`, when the stream carries [`Chunk`]s.
#[inline(always)]
pub(crate) fn chunk_ref<T: 'static>(value: &T) -> Option<&Chunk> {
    (value as &dyn Any).downcast_ref::<Chunk>()
}

/// `value` as a [`Chunk`], or given back when the stream carries another type.
#[inline(always)]
pub(crate) fn into_chunk<T: 'static>(value: T) -> Result<Chunk, T> {
    let mut slot = Some(value);
    match (&mut slot as &mut dyn Any).downcast_mut::<Option<Chunk>>() {
        Some(chunk) => Ok(chunk.take().expect("just filled")),
        None => Err(slot.expect("not taken")),
    }
}

/// A [`Chunk`] as the stream's item type. Only called on byte-mode paths, which exist only
/// for `T` = [`Chunk`] (any other `T` is always in object mode).
#[inline(always)]
pub(crate) fn from_chunk<T: 'static>(chunk: Chunk) -> T {
    let mut slot = Some(chunk);
    (&mut slot as &mut dyn Any)
        .downcast_mut::<Option<T>>()
        .and_then(Option::take)
        .expect("byte mode is only possible on a stream of Chunk")
}

/// Runs `f` with the place of an `Option<T>` as an `Option<Chunk>` and returns it: a
/// byte-mode result is made in place, with no move from one type to the other.
#[inline(always)]
pub(crate) fn make_as_chunk<T: 'static>(f: impl FnOnce() -> Option<Chunk>) -> Option<T> {
    let mut out: Option<T> = None;
    *(&mut out as &mut dyn Any)
        .downcast_mut::<Option<Chunk>>()
        .expect("byte mode is only possible on a stream of Chunk") = f();
    out
}

/// The buffer as a buffer of chunks, when the stream carries [`Chunk`]s.
#[inline(always)]
pub(crate) fn chunk_buffer<T: 'static>(buffer: &mut VecDeque<T>) -> Option<&mut VecDeque<Chunk>> {
    (buffer as &mut dyn Any).downcast_mut::<VecDeque<Chunk>>()
}

/// Whether a stream of `T` can be a byte stream at all.
#[inline(always)]
pub(crate) fn carries_chunks<T: 'static>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<Chunk>()
}

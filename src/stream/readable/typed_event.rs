//! The `'data'` key, whose payload is the item type of the stream it is used on, and the
//! trait that lets a Readable's `on` take it beside every other event key.

use nodestream_emitter::{Event, IntoEvent};

/// The type of [`DATA`](super::DATA): Node's `'data'` event, whose payload on a
/// [`Readable<T>`](super::Readable) is a `T` ([`Chunk`](super::Chunk) on a byte stream).
///
/// Unlike a fixed [`Event`], one key serves every item type, and a listener's payload type
/// is inferred from the stream: `r.on(DATA, |c| c.len())` on a byte stream takes
/// `&Chunk`. For the emitter itself (no stream to infer from), name the type:
/// [`DataEvent::of`].
///
/// A listener of another type than the stream's items does not compile:
///
/// ```compile_fail
/// use nodestream::stream::readable::{Readable, DATA};
/// struct Point(i32);
/// fn listen(r: &Readable<Point>) {
///     r.on(DATA, |s: &String| println!("{s}"));
/// }
/// ```
///
/// (by name, as `r.on("data", |s: &String| ..)`, it compiles and is refused when added:
/// the stream declares its `'data'` payload type). Nor can a typed stream be decoded or
/// piped into a Writable of another type:
///
/// ```compile_fail
/// use nodestream::stream::readable::Readable;
/// use nodestream::stream::Encoding;
/// struct Point(i32);
/// fn decode(r: &Readable<Point>) {
///     r.set_encoding(Encoding::Utf8);
/// }
/// ```
///
/// ```compile_fail
/// use nodestream::stream::readable::Readable;
/// use nodestream::stream::Writable;
/// #[derive(Clone)]
/// struct Point(i32);
/// fn into_bytes(r: &Readable<Point>, w: &Writable) {
///     r.pipe(w);
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataEvent;

impl DataEvent {
    /// The `'data'` key of a stream of `T`, for calls that take a plain [`Event`] (the
    /// stream's [`emitter`](super::Readable::emitter), `listener_count`).
    pub const fn of<T: 'static>(self) -> Event<T> {
        Event::new("data")
    }
}

/// An event key a [`Readable<I>`](super::Readable) listens and emits with, carrying a `P`:
/// every emitter key ([`Event`], a name, an [`EventKey`](nodestream_emitter::EventKey)) with
/// its own payload type, and [`DATA`](super::DATA) with the stream's item type `I`.
pub trait StreamEvent<I, P: 'static> {
    /// The emitter key it stands for.
    type Key: IntoEvent<P>;

    /// The emitter key.
    fn into_key(self) -> Self::Key;
}

impl<I, P: 'static, E: IntoEvent<P>> StreamEvent<I, P> for E {
    type Key = E;

    #[inline(always)]
    fn into_key(self) -> E {
        self
    }
}

impl<I: 'static> StreamEvent<I, I> for DataEvent {
    type Key = Event<I>;

    #[inline(always)]
    fn into_key(self) -> Event<I> {
        self.of::<I>()
    }
}

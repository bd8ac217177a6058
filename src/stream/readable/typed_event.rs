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

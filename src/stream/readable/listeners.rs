//! A Readable's listener methods: the emitter's, with Node's `Readable.prototype.on` and
//! `removeListener` hooks (a `'data'` listener starts the flow, a `'readable'` one switches
//! to paused mode).

use std::cell::Cell;
use std::rc::Rc;

use nodestream_emitter::{EventEmitter, ListenerId};

use super::{Readable, StreamEvent};

impl<T: 'static> Readable<T> {
    /// Adds a listener; Node's `readable.on(event, fn)`.
    ///
    /// A `'data'` listener switches the stream into flowing mode (on the next tick) unless
    /// it was paused explicitly; a `'readable'` listener switches it into paused mode.
    ///
    /// The payload type of [`DATA`](super::DATA) is the stream's item type, so an unannotated
    /// `|c| c.len()` takes a `&Chunk` on a byte stream. A listener of another payload type
    /// than the stream emits for a Readable event panics here (it could never run).
    pub fn on<P, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        P: 'static,
        E: StreamEvent<T, P>,
        F: Fn(&P) + 'static,
    {
        self.add_listener_with(|em| em.on(event.into_key(), listener))
    }

    /// Adds a listener that runs at most once; Node's `readable.once(event, fn)`.
    pub fn once<P, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        P: 'static,
        E: StreamEvent<T, P>,
        F: Fn(&P) + 'static,
    {
        let weak = self.downgrade();
        let is_readable = Rc::new(Cell::new(false));
        let flag = is_readable.clone();
        let wrapped = move |payload: &P| {
            // Node's once wrapper goes through the Readable's removeListener first.
            if flag.get() {
                if let Some(r) = weak.upgrade() {
                    r.schedule_update_readable_listening();
                }
            }
            listener(payload);
        };
        let before = self.inner.emitter.listener_count("readable");
        let id = self.add_listener_with(|em| em.once(event.into_key(), wrapped));
        is_readable.set(self.inner.emitter.listener_count("readable") > before);
        id
    }

    /// Adds a listener at the front; Node's `readable.prependListener(event, fn)`.
    pub fn prepend_listener<P, E, F>(&self, event: E, listener: F) -> ListenerId
    where
        P: 'static,
        E: StreamEvent<T, P>,
        F: Fn(&P) + 'static,
    {
        self.add_listener_with(|em| em.prepend_listener(event.into_key(), listener))
    }

    /// Removes a listener; Node's `readable.removeListener(event, fn)`.
    pub fn off(&self, id: ListenerId) -> bool {
        let readable_before = self.inner.emitter.listener_count("readable");
        let removed = self.inner.emitter.off(id);
        if removed && self.inner.emitter.listener_count("readable") != readable_before {
            self.schedule_update_readable_listening();
        }
        removed
    }

    /// Removes every listener of `event`, or of every event; Node's
    /// `readable.removeAllListeners([event])`.
    pub fn remove_all_listeners(&self, event: Option<&str>) {
        self.inner.emitter.remove_all_listeners(event);
        if event.is_none() || event == Some("readable") {
            self.schedule_update_readable_listening();
        }
    }

    /// The number of listeners of `event`: Node's `listenerCount(event)`.
    pub fn listener_count(&self, event: &str) -> usize {
        self.inner.emitter.listener_count(event)
    }

    /// Emits an event on the stream's emitter: Node's `emit`.
    pub fn emit<P: 'static, E: StreamEvent<T, P>>(&self, event: E, payload: &P) -> bool {
        self.inner.emitter.emit(event.into_key(), payload)
    }

    fn add_listener_with(&self, add: impl FnOnce(&EventEmitter) -> ListenerId) -> ListenerId {
        let em = &self.inner.emitter;
        let keys = self.inner.keys();
        let (data, readable) = (&keys.data, &keys.readable);
        let data_before = em.listener_count(data);
        let readable_before = em.listener_count(readable);
        let id = add(em);
        if em.listener_count(data) > data_before {
            self.on_data_listener_added();
        }
        if em.listener_count(readable) > readable_before {
            self.on_readable_listener_added();
        }
        id
    }
}

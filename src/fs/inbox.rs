//! Results of work done on other threads (the file worker pool), delivered to their stream
//! on the loop thread.
//!
//! A stream is `!Send`, so a worker cannot carry it. The stream registers a handler in a
//! table of its loop thread ([`Inbox`]); the worker carries only the handler's number and
//! the result ([`Outbox`], `Send`), and posts both through the loop's
//! [`RemoteHandle`]. On the loop thread the number finds the handler; a result whose stream
//! is gone is dropped there (closing any fd it held).

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::reactor::RemoteHandle;

type Handler = Rc<dyn Fn(Box<dyn Any + Send>)>;

thread_local! {
    static HANDLERS: RefCell<HashMap<u64, Handler>> = RefCell::new(HashMap::new());
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A handler registered on this thread; unregistered on drop.
#[derive(Debug)]
pub(crate) struct Inbox {
    id: u64,
}

impl Inbox {
    /// Registers `handler` for values of type `T` posted to this inbox.
    pub(crate) fn new<T: Send + 'static>(handler: impl Fn(T) + 'static) -> Inbox {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let handler: Handler = Rc::new(move |value: Box<dyn Any + Send>| {
            if let Ok(value) = value.downcast::<T>() {
                handler(*value);
            }
        });
        HANDLERS.with(|h| h.borrow_mut().insert(id, handler));
        Inbox { id }
    }

    /// The sending side, for a worker thread.
    pub(crate) fn outbox(&self, remote: RemoteHandle) -> Outbox {
        Outbox {
            id: self.id,
            remote,
        }
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let _ = HANDLERS.try_with(|h| h.borrow_mut().remove(&self.id));
    }
}

/// Posts values to an [`Inbox`] from any thread.
#[derive(Clone, Debug)]
pub(crate) struct Outbox {
    id: u64,
    remote: RemoteHandle,
}

impl Outbox {
    /// Posts `value`; the inbox's handler gets it on the loop thread. If the loop is gone,
    /// `value` is dropped here. Consumes the outbox, so its hold on the loop's remote
    /// handle ends here: a caller holding a [`KeepAlive`](crate::KeepAlive) drops it after
    /// this, and the loop never outlives the call.
    pub(crate) fn send<T: Send + 'static>(self, value: T) {
        let id = self.id;
        let _ = self.remote.post(move || {
            let handler = HANDLERS.with(|h| h.borrow().get(&id).cloned());
            // The table's borrow is released: the handler runs user code.
            if let Some(handler) = handler {
                handler(Box::new(value));
            }
        });
    }
}

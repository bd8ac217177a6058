//! EventEmitter: order, once, prepend, removal during emit, meta events, errors:
//! e01-e17.
//!
//! JS functions have identity and a name; listeners here are [`ListenerId`]s. [`Fns`] gives
//! each registration the name of the JS function it stands for, so meta events print
//! `fn:name` as lib.js does. Node's `throw` from `emit('error')` is `emit_error`'s `Err`, a
//! throwing listener is a panic, and Node's process `'warning'` is the emitter's
//! `log::warn!`, caught by [`WarningLog`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Once;

use nodestream::events::{
    names, EventEmitter, ListenerEvent, ListenerId, DEFAULT_MAX_LISTENERS, NEW_LISTENER,
    REMOVE_LISTENER,
};
use nodestream::{Error, WritableOptions};

use super::writable_util::{err, sync_sink, Env};
use super::Scenario;
use crate::trace::{errc, tlog, Json, Trace, Value};

/// The JS functions of a scenario: the name of the function each registration stands for.
#[derive(Clone, Default)]
struct Fns {
    names: Rc<RefCell<HashMap<ListenerId, String>>>,
    /// The function being registered right now: `'newListener'` sees its id before the
    /// registering call returns it (Node passes the function, which exists already).
    adding: Rc<RefCell<Option<String>>>,
}

impl Fns {
    /// Registers the function `name` through `register` (`ee.on(..)`, `ee.once(..)`).
    fn add(&self, name: &str, register: impl FnOnce() -> ListenerId) -> ListenerId {
        *self.adding.borrow_mut() = Some(name.to_owned());
        let id = register();
        *self.adding.borrow_mut() = None;
        self.names.borrow_mut().insert(id, name.to_owned());
        id
    }

    /// The function name of `id`, if it was registered through [`Fns::add`].
    fn name(&self, id: ListenerId) -> Option<String> {
        if let Some(name) = self.names.borrow().get(&id) {
            return Some(name.clone());
        }
        self.adding.borrow().clone()
    }

    /// lib.js `fmt(fn)`: `fn:name`, or `fn:anonymous`.
    fn value(&self, id: ListenerId) -> Value {
        Value::func(&self.name(id).unwrap_or_default())
    }
}

/// `ee.eventNames()` as lib.js prints the array.
fn event_names(ee: &EventEmitter) -> Json {
    Json::strings(ee.event_names().iter())
}

/// The emitter seen from inside one of its listeners (JS closes over `ee`).
fn weak_ee(ee: &EventEmitter) -> impl Fn() -> EventEmitter {
    let weak = ee.downgrade();
    move || weak.upgrade().expect("emitter alive while it emits")
}

fn e01_emit_basics() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    // Several arguments travel as one tuple payload; `this` is the emitter the listener
    // holds a weak handle to.
    let (t2, this, ee2) = (t.clone(), weak_ee(&ee), ee.downgrade());
    ee.on("x", move |(a, b): &(i32, i32)| {
        let same = ee2.upgrade().is_some_and(|ee| this().ptr_eq(&ee));
        tlog!(t2, "L1", *a, *b, "this===ee", same);
    });
    let t2 = t.clone();
    ee.add_listener("x", move |(a, _): &(i32, i32)| tlog!(t2, "L2", *a));
    tlog!(t, "emit x ->", ee.emit("x", &(1, 2)));
    tlog!(t, "emit y ->", ee.emit("y", &()));
    t.take()
}

fn e02_once() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let (t2, ee2) = (t.clone(), weak_ee(&ee));
    let f = ee.once("x", move |v: &i32| {
        tlog!(t2, "f", *v, "count inside", ee2().listener_count("x"));
    });
    // No once-wrapper and no rawListeners(): the registration is its id.
    tlog!(
        t,
        "listeners()[0]===f",
        ee.listeners("x").first() == Some(&f)
    );
    tlog!(t, "emit1 ->", ee.emit("x", &1));
    tlog!(t, "emit2 ->", ee.emit("x", &2));
    t.take()
}

fn e03_prepend() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let t2 = t.clone();
    ee.on("x", move |_: &()| tlog!(t2, "a"));
    let t2 = t.clone();
    ee.prepend_listener("x", move |_: &()| tlog!(t2, "b"));
    let t2 = t.clone();
    ee.prepend_once_listener("x", move |_: &()| tlog!(t2, "c-once"));
    ee.emit("x", &());
    tlog!(t, "--");
    ee.emit("x", &());
    t.take()
}

/// Node's `removeListener(event, fn)` rule played on ids: removes the last-added
/// registration of `event` that stands for the function `name`.
fn remove_last_named(ee: &EventEmitter, fns: &Fns, event: &str, name: &str) -> bool {
    let last = ee
        .listeners(event)
        .into_iter()
        .rev()
        .find(|&id| fns.name(id).as_deref() == Some(name));
    last.is_some_and(|id| ee.remove_listener(id))
}

fn e04_remove_duplicate_removes_last() -> Vec<String> {
    let t = Trace::new();
    let fns = Fns::default();
    let n = Rc::new(std::cell::Cell::new(0));
    let f = {
        let (t, n) = (t.clone(), n.clone());
        move |_: &()| {
            n.set(n.get() + 1);
            tlog!(t, "f call", n.get());
        }
    };
    let ee = EventEmitter::new();
    fns.add("f", || ee.on("x", f.clone()));
    fns.add("f", || ee.once("x", f.clone()));
    remove_last_named(&ee, &fns, "x", "f"); // the once registration (added last)
    ee.emit("x", &());
    ee.emit("x", &());
    tlog!(t, "-- reversed registration");
    let e2 = EventEmitter::new();
    n.set(0);
    fns.add("f", || e2.once("x", f.clone()));
    fns.add("f", || e2.on("x", f.clone()));
    remove_last_named(&e2, &fns, "x", "f"); // the plain one (added last)
    e2.emit("x", &());
    e2.emit("x", &());
    tlog!(t, "listenerCount", e2.listener_count("x"));
    t.take()
}

/// e05 and e07: A removes B (added with `on` or `once`) during the emit.
fn remove_during_emit(once: bool, b_line: &'static str) -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let b: Rc<RefCell<Option<ListenerId>>> = Rc::default();
    let (t2, ee2, b2) = (t.clone(), weak_ee(&ee), b.clone());
    ee.on("x", move |_: &()| {
        tlog!(t2, "A removes B");
        let id = *b2.borrow();
        if let Some(id) = id {
            ee2().remove_listener(id);
        }
    });
    let t2 = t.clone();
    let listener = move |_: &()| tlog!(t2, b_line);
    *b.borrow_mut() = Some(if once {
        ee.once("x", listener)
    } else {
        ee.on("x", listener)
    });
    ee.emit("x", &());
    tlog!(t, "--");
    ee.emit("x", &());
    t.take()
}

fn e05_remove_during_emit() -> Vec<String> {
    remove_during_emit(false, "B")
}

fn e06_add_during_emit() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let added = Rc::new(std::cell::Cell::new(false));
    let (t2, ee2) = (t.clone(), weak_ee(&ee));
    ee.on("x", move |_: &()| {
        tlog!(t2, "A");
        if !added.replace(true) {
            let t3 = t2.clone();
            ee2().on("x", move |_: &()| tlog!(t3, "C (added by A)"));
        }
    });
    ee.emit("x", &());
    tlog!(t, "--");
    ee.emit("x", &());
    t.take()
}

fn e07_once_removed_mid_emit_still_fires() -> Vec<String> {
    remove_during_emit(true, "B (once)")
}

fn e08_new_listener_order() -> Vec<String> {
    let t = Trace::new();
    let fns = Fns::default();
    let ee = EventEmitter::new();
    let (t2, ee2, fns2) = (t.clone(), weak_ee(&ee), fns.clone());
    ee.once(NEW_LISTENER, move |e: &ListenerEvent| {
        let ee = ee2();
        tlog!(
            t2,
            "newListener",
            &*e.event,
            fns2.value(e.id),
            "count now",
            ee.listener_count(&*e.event)
        );
        let t3 = t2.clone();
        ee.on(&*e.event, move |_: &()| {
            tlog!(t3, "B (added inside newListener)");
        });
    });
    let t2 = t.clone();
    fns.add("A", || ee.on("x", move |_: &()| tlog!(t2, "A")));
    let (t2, fns2) = (t.clone(), fns.clone());
    ee.on(NEW_LISTENER, move |e: &ListenerEvent| {
        tlog!(t2, "newListener#2", &*e.event, fns2.value(e.id));
    });
    fns.add("onceFn", || ee.once("x", |_: &()| {}));
    ee.emit("x", &());
    t.take()
}

fn e09_remove_listener_meta() -> Vec<String> {
    let t = Trace::new();
    let fns = Fns::default();
    let ee = EventEmitter::new();
    let (t2, ee2, fns2) = (t.clone(), weak_ee(&ee), fns.clone());
    ee.on(REMOVE_LISTENER, move |e: &ListenerEvent| {
        let count = ee2().listener_count(&*e.event);
        tlog!(
            t2,
            "removeListener",
            &*e.event,
            fns2.value(e.id),
            "count now",
            count
        );
    });
    let a = fns.add("a", || ee.on("x", |_: &()| {}));
    // `b` is not registered on `ee`: its id comes from another emitter.
    let b = fns.add("b", || EventEmitter::new().on("x", |_: &()| {}));
    ee.remove_listener(b); // not registered: nothing
    ee.remove_listener(a); // single listener case
    let t2 = t.clone();
    fns.add("g", || ee.once("y", move |_: &()| tlog!(t2, "g runs")));
    ee.emit("y", &());
    fns.add("a", || ee.on("z", |_: &()| {}));
    let t2 = t.clone();
    fns.add("g", || ee.once("z", move |_: &()| tlog!(t2, "g runs")));
    ee.emit("z", &()); // node reports its once-wrapper here; the id is g's own
    t.take()
}

fn e10_remove_all_listeners() -> Vec<String> {
    let t = Trace::new();
    let fns = Fns::default();
    let ee = EventEmitter::new();
    fns.add("a", || ee.on("x", |_: &()| {}));
    fns.add("b", || ee.on("x", |_: &()| {}));
    fns.add("c", || ee.on("y", |_: &()| {}));
    let (t2, fns2) = (t.clone(), fns.clone());
    fns.add("meta", || {
        ee.on(REMOVE_LISTENER, move |e: &ListenerEvent| {
            tlog!(t2, "removeListener", &*e.event, fns2.value(e.id));
        })
    });
    ee.remove_all_listeners(Some("x"));
    tlog!(t, "eventNames", event_names(&ee));
    fns.add("a", || ee.on("x", |_: &()| {}));
    ee.remove_all_listeners(None);
    tlog!(t, "eventNames", event_names(&ee));
    t.take()
}

fn e11_error_without_listener() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    // Node throws from emit('error') without a listener; `emit_error` hands the payload
    // back in `Err(Unhandled)` instead (the same object; a non-Error by Node's code).
    let e = Rc::new(err("plain"));
    if let Err(x) = ee.emit_error(e.clone()) {
        tlog!(t, "threw same object", Rc::ptr_eq(&x.into_inner(), &e));
    }
    if let Err(x) = ee.emit_error("a string") {
        tlog!(t, "threw", x.code());
    }
    if let Err(x) = ee.emit_error(()) {
        tlog!(t, "threw", x.code());
    }
    let t2 = t.clone();
    ee.on(names::ERROR, move |er: &Rc<Error>| {
        tlog!(t2, "handled", errc(&**er))
    });
    tlog!(t, "with listener returns", ee.emit(names::ERROR, &e));
    t.take()
}

fn e12_error_monitor() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let t2 = t.clone();
    ee.on(names::ERROR_MONITOR, move |er: &Error| {
        tlog!(t2, "monitor", errc(er))
    });
    if let Err(x) = ee.emit_error(err("m")) {
        tlog!(t, "then threw", errc(x.get_ref()));
    }
    t.take()
}

fn e13_listener_throws() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let t2 = t.clone();
    ee.on("x", move |_: &()| {
        tlog!(t2, "L1 throws");
        // `throw new Error('L1')`: an unwind that skips the panic hook's message.
        resume_unwind(Box::new("L1"));
    });
    let t2 = t.clone();
    ee.on("x", move |_: &()| tlog!(t2, "L2"));
    match catch_unwind(AssertUnwindSafe(|| ee.emit("x", &()))) {
        Ok(ran) => tlog!(t, "emit returned", ran),
        Err(thrown) => {
            let what = thrown.downcast_ref::<&str>().copied().unwrap_or("?");
            tlog!(t, "emit threw", what);
        }
    }
    t.take()
}

/// lib.js's `process.on('warning')` handler: the emitter's `log::warn!` lines, logged to
/// the trace of the scenario running on this thread (if any) as they are logged.
struct WarningLog;

thread_local! {
    static WARNINGS_TO: RefCell<Option<Trace>> = const { RefCell::new(None) };
    /// Whether each warning is followed by a `message <text>` line (the `we` scenarios'
    /// own `process.on('warning')` listener logs `w.message`).
    static WARNING_MESSAGES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl log::Log for WarningLog {
    fn enabled(&self, meta: &log::Metadata<'_>) -> bool {
        meta.level() <= log::Level::Warn
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.level() != log::Level::Warn {
            return;
        }
        let Some(t) = WARNINGS_TO.with(|w| w.borrow().clone()) else {
            return;
        };
        let msg = record.args().to_string();
        // "MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 x
        // listeners added to ..." -> lib.js's "WARNING <name> count=<n> type=<event>".
        let text = msg.strip_prefix("MaxListenersExceededWarning: ");
        let max = text
            .and_then(|text| text.strip_prefix("Possible EventEmitter memory leak detected. "))
            .and_then(|rest| rest.split_once(" listeners added to "))
            .and_then(|(count_type, _)| count_type.split_once(' '));
        match max {
            Some((count, event)) => tlog!(
                t,
                "WARNING",
                "MaxListenersExceededWarning",
                format!("count={count}"),
                format!("type={event}")
            ),
            None => tlog!(t, "WARNING", msg.clone()),
        }
        // Node's `warning.message` is the text after the name.
        if WARNING_MESSAGES.with(std::cell::Cell::get) {
            tlog!(t, "message", text.unwrap_or(&msg));
        }
    }

    fn flush(&self) {}
}

/// Runs `scenario` with the emitter's warnings logged to `t`, each followed by its
/// message when `messages` is set.
pub(super) fn with_warnings_as<R>(t: &Trace, messages: bool, scenario: impl FnOnce() -> R) -> R {
    WARNING_MESSAGES.with(|m| m.set(messages));
    let out = catch_unwind(AssertUnwindSafe(|| with_warnings(t, scenario)));
    WARNING_MESSAGES.with(|m| m.set(false));
    out.unwrap_or_else(|p| resume_unwind(p))
}

/// Runs `scenario` with the emitter's warnings logged to `t`.
pub(super) fn with_warnings<R>(t: &Trace, scenario: impl FnOnce() -> R) -> R {
    static LOGGER: WarningLog = WarningLog;
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(log::LevelFilter::Warn);
        }
    });
    WARNINGS_TO.with(|w| *w.borrow_mut() = Some(t.clone()));
    let out = catch_unwind(AssertUnwindSafe(scenario));
    WARNINGS_TO.with(|w| *w.borrow_mut() = None);
    out.unwrap_or_else(|p| resume_unwind(p))
}

fn e14_max_listeners_warning() -> Vec<String> {
    let t = Trace::new();
    with_warnings(&t, || {
        let ee = EventEmitter::new();
        tlog!(t, "default max", ee.max_listeners(), DEFAULT_MAX_LISTENERS);
        for _ in 1..=12 {
            ee.on("x", |_: &()| {});
        }
        tlog!(t, "added 12 x listeners (sync)");
        for _ in 1..=11 {
            ee.on("y", |_: &()| {});
        }
        let e2 = EventEmitter::new();
        e2.set_max_listeners(0);
        for _ in 1..=50 {
            e2.on("z", |_: &()| {});
        }
        let e3 = EventEmitter::new();
        e3.set_max_listeners(1);
        e3.on("w", |_: &()| {});
        e3.on("w", |_: &()| {});
        tlog!(t, "sync-end");
    });
    t.take()
}

fn e15_introspection() -> Vec<String> {
    let t = Trace::new();
    let fns = Fns::default();
    let ee = EventEmitter::new();
    // Names are strings: the symbol is played by the name "Symbol(s)".
    let b = fns.add("f", || ee.on("b", |_: &()| {}));
    fns.add("f", || ee.on("Symbol(s)", |_: &()| {}));
    fns.add("f", || ee.on("a", |_: &()| {}));
    fns.add("f", || ee.on("a", |_: &()| {}));
    tlog!(t, "names", event_names(&ee));
    // listenerCount('a', f): a's registrations that stand for f.
    let count_f = ee
        .listeners("a")
        .into_iter()
        .filter(|&id| fns.name(id).as_deref() == Some("f"))
        .count();
    tlog!(
        t,
        "count a",
        ee.listener_count("a"),
        "count a,f",
        count_f,
        "count none",
        ee.listener_count("none")
    );
    ee.off(b);
    tlog!(t, "names after off b", event_names(&ee));
    tlog!(
        t,
        "listeners(a).length",
        ee.listeners("a").len(),
        "copy?",
        ee.listeners("a").as_ptr() != ee.listeners("a").as_ptr()
    );
    t.take()
}

fn e16_stream_remove_listener_quirk() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    let fns = Fns::default();
    let w = sync_sink(&env, WritableOptions::default());
    let (t2, fns2) = (t.clone(), fns.clone());
    w.on(REMOVE_LISTENER, move |e: &ListenerEvent| {
        tlog!(t2, "meta removeListener", &*e.event, fns2.value(e.id));
    });
    let f = fns.add("f", || w.on("finish", |_: &()| {}));
    w.off(f);
    tlog!(t, "removed sole finish listener");
    let f = fns.add("f", || w.on("finish", |_: &()| {}));
    fns.add("g", || w.on("finish", |_: &()| {}));
    w.off(f);
    tlog!(t, "removed one of two");
    tlog!(t, "eventNames", event_names(&w.emitter()));
    env.finish()
}

fn e17_new_listener_for_new_listener() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let t2 = t.clone();
    ee.on(NEW_LISTENER, move |e: &ListenerEvent| {
        tlog!(t2, "first saw", &*e.event);
    });
    ee.on(NEW_LISTENER, |_: &ListenerEvent| {});
    ee.on("foo", |_: &()| {});
    t.take()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "e01-emit-basics",
        run: e01_emit_basics,
    },
    Scenario {
        name: "e02-once",
        run: e02_once,
    },
    Scenario {
        name: "e03-prepend",
        run: e03_prepend,
    },
    Scenario {
        name: "e04-remove-duplicate-removes-last",
        run: e04_remove_duplicate_removes_last,
    },
    Scenario {
        name: "e05-remove-during-emit",
        run: e05_remove_during_emit,
    },
    Scenario {
        name: "e06-add-during-emit",
        run: e06_add_during_emit,
    },
    Scenario {
        name: "e07-once-removed-mid-emit-still-fires",
        run: e07_once_removed_mid_emit_still_fires,
    },
    Scenario {
        name: "e08-newListener-order",
        run: e08_new_listener_order,
    },
    Scenario {
        name: "e09-removeListener-meta",
        run: e09_remove_listener_meta,
    },
    Scenario {
        name: "e10-removeAllListeners",
        run: e10_remove_all_listeners,
    },
    Scenario {
        name: "e11-error-without-listener",
        run: e11_error_without_listener,
    },
    Scenario {
        name: "e12-errorMonitor",
        run: e12_error_monitor,
    },
    Scenario {
        name: "e13-listener-throws",
        run: e13_listener_throws,
    },
    Scenario {
        name: "e14-max-listeners-warning",
        run: e14_max_listeners_warning,
    },
    Scenario {
        name: "e15-introspection",
        run: e15_introspection,
    },
    Scenario {
        name: "e16-stream-removeListener-quirk",
        run: e16_stream_remove_listener_quirk,
    },
    Scenario {
        name: "e17-newListener-for-newListener",
        run: e17_new_listener_for_new_listener,
    },
];

//! EventEmitter, ported from node's `test/parallel/test-event-emitter-*.js`: the
//! max-listeners warning and its settings, `errorMonitor`, `'removeListener'` from inside
//! its own listeners, `removeAllListeners`, special names, `once` re-entrancy: we01-we13.
//!
//! The warning scenarios end every step with its adds and start the next step on a later
//! turn, so node's warning (emitted on the next tick) and nodestream's (logged inside the
//! add, caught by the `WarningLog` of `emitter.rs`) land on the same trace line.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use nodestream::events::{
    names, EventEmitter, ListenerEvent, ListenerId, DEFAULT_MAX_LISTENERS, DRAIN, ERROR,
    REMOVE_LISTENER,
};
use nodestream::stream::writable::{Chunk, Writable, WritableOptions, WriteCallback};
use nodestream::{Error, LoopHandle};

use super::emitter::{with_warnings, with_warnings_as};
use super::writable_util::{err, Env, FnSink};
use super::Scenario;
use crate::trace::{errc, tlog, Json, Trace, Value};

/// scenarios.js `series(...steps)` where each step ends with `setImmediate(next)`: the first
/// step now, each later one on an immediate after the one before.
fn series(h: &LoopHandle, mut steps: VecDeque<Box<dyn FnOnce()>>) {
    let Some(step) = steps.pop_front() else {
        return;
    };
    step();
    if !steps.is_empty() {
        let h2 = h.clone();
        h.set_immediate(move || series(&h2, steps));
    }
}

/// Boxes the steps for [`series`].
macro_rules! steps {
    ($($step:expr),+ $(,)?) => {
        VecDeque::from(vec![$(Box::new($step) as Box<dyn FnOnce()>),+])
    };
}

/// `n` listeners of `name` that do nothing.
fn add(ee: &EventEmitter, name: &str, n: usize) {
    for _ in 0..n {
        ee.on(name, |_: &()| {});
    }
}

/// A Writable whose `_write` completes at once.
fn sync_writable(env: &Env) -> Writable {
    Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.ok()),
        WritableOptions::new(),
    )
}

/// The names of JS functions registered as listeners, by id (see `emitter.rs`'s `Fns`).
#[derive(Clone, Default)]
struct Names(Rc<RefCell<HashMap<ListenerId, &'static str>>>);

impl Names {
    fn add(&self, name: &'static str, id: ListenerId) -> ListenerId {
        self.0.borrow_mut().insert(id, name);
        id
    }

    fn func(&self, id: ListenerId) -> Value {
        Value::func(self.0.borrow().get(&id).copied().unwrap_or(""))
    }

    /// `ee.listeners(event).map((f) => f.name)`.
    fn of(&self, ee: &EventEmitter, event: &str) -> Json {
        let names = self.0.borrow();
        Json::strings(
            ee.listeners(event)
                .iter()
                .map(|id| names.get(id).copied().unwrap_or("")),
        )
    }
}

fn we01() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    with_warnings_as(&t, true, || {
        let e = EventEmitter::new();
        e.set_max_listeners(1);
        let w = sync_writable(&env);
        w.emitter().set_max_listeners(1);
        let (t2, e2) = (t.clone(), e.clone());
        let t3 = t.clone();
        series(
            &env.h,
            steps![
                move || add(&e, "event-type", 3),
                move || {
                    tlog!(t2, "count", e2.listener_count("event-type"));
                    w.on(DRAIN, |_| {});
                    w.on(DRAIN, |_| {});
                },
                move || tlog!(t3, "done"),
            ],
        );
        env.finish()
    })
}

fn we02() -> Vec<String> {
    let t = Trace::new();
    let e = EventEmitter::new();
    tlog!(t, "default", e.max_listeners(), DEFAULT_MAX_LISTENERS);
    e.set_max_listeners(0);
    tlog!(t, "after set 0", e.max_listeners());
    e.set_max_listeners(3);
    tlog!(t, "after set 3", e.max_listeners());
    e.set_max_listeners(1);
    tlog!(t, "after set 1", e.max_listeners());
    t.take()
}

fn we03() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    with_warnings(&t, || {
        let e = EventEmitter::new();
        let f = EventEmitter::new();
        // Each step: log what the last one did, then add.
        let step = |label: Option<&'static str>,
                    em: &EventEmitter,
                    set: Option<usize>,
                    name: &'static str,
                    n: usize| {
            let (t, em) = (t.clone(), em.clone());
            move || {
                if let Some(label) = label {
                    tlog!(t, label);
                }
                if let Some(max) = set {
                    em.set_max_listeners(max);
                }
                add(&em, name, n);
            }
        };
        let (t2, f2) = (t.clone(), f.clone());
        let t3 = t.clone();
        series(
            &env.h,
            steps![
                step(None, &e, None, "default", 10),
                step(Some("10 default"), &e, None, "default", 1),
                step(Some("11 default"), &e, Some(5), "specific", 5),
                step(Some("5 specific"), &e, None, "specific", 1),
                step(Some("6 specific"), &e, Some(1), "only one", 1),
                step(Some("1 only one"), &e, None, "only one", 1),
                step(Some("2 only one"), &e, Some(0), "unlimited", 100),
                move || {
                    tlog!(t2, "100 unlimited");
                    add(&f2, "x", 5);
                    f2.set_max_listeners(3);
                },
                step(Some("lowered to 3 with 5 listeners"), &f, None, "x", 1),
                move || tlog!(t3, "6th x"),
            ],
        );
        env.finish()
    })
}

fn we04() -> Vec<String> {
    /// What every step of we04 reaches: the trace, the emitter, and the ids of `f` and `g`.
    struct We04 {
        t: Trace,
        e: EventEmitter,
        f: Cell<Option<ListenerId>>,
        g: Cell<Option<ListenerId>>,
    }
    let env = Env::new();
    let t = env.t.clone();
    with_warnings(&t, || {
        let st = Rc::new(We04 {
            t: t.clone(),
            e: EventEmitter::new(),
            f: Cell::new(None),
            g: Cell::new(None),
        });
        st.e.set_max_listeners(1);
        let step = |f: fn(&We04)| {
            let st = st.clone();
            move || f(&st)
        };
        series(
            &env.h,
            steps![
                step(|s| add(&s.e, "x", 2)),
                step(|s| {
                    tlog!(s.t, "two x");
                    s.e.remove_all_listeners(Some("x"));
                    add(&s.e, "x", 2);
                }),
                step(|s| {
                    tlog!(s.t, "two x again");
                    s.f.set(Some(s.e.on("y", |_: &()| {})));
                    add(&s.e, "y", 1);
                }),
                step(|s| {
                    tlog!(s.t, "two y");
                    if let Some(id) = s.f.get() {
                        s.e.remove_listener(id);
                    }
                    add(&s.e, "y", 1);
                }),
                step(|s| {
                    tlog!(s.t, "y: one removed, one more");
                    s.g.set(Some(s.e.on("z", |_: &()| {})));
                    add(&s.e, "z", 2);
                }),
                step(|s| {
                    tlog!(s.t, "three z");
                    if let Some(id) = s.g.get() {
                        s.e.remove_listener(id);
                    }
                    add(&s.e, "z", 1);
                }),
                step(|s| tlog!(s.t, "z: one removed (two left), one more")),
            ],
        );
        env.finish()
    })
}

fn we05() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    with_warnings(&t, || {
        let old = EventEmitter::new();
        EventEmitter::set_default_max_listeners(2);
        let e = EventEmitter::new();
        let own = EventEmitter::new();
        own.set_max_listeners(5);
        tlog!(
            t,
            "new",
            e.max_listeners(),
            "old",
            old.max_listeners(),
            "own",
            own.max_listeners()
        );
        let (e1, e2) = (e.clone(), e.clone());
        let (t2, t3, t4) = (t.clone(), t.clone(), t.clone());
        series(
            &env.h,
            steps![
                move || add(&e1, "two", 2),
                move || {
                    tlog!(t2, "two listeners");
                    add(&e2, "two", 1);
                },
                move || {
                    tlog!(t3, "three listeners");
                    add(&own, "own", 3);
                },
                move || {
                    tlog!(t4, "own limit 5, three listeners");
                    EventEmitter::set_default_max_listeners(10);
                },
            ],
        );
        env.finish()
    })
}

fn we06() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let t2 = t.clone();
    ee.on(names::ERROR_MONITOR, move |e: &Error| {
        tlog!(t2, "monitor", errc(e))
    });
    if let Err(x) = ee.emit_error(err("MyError")) {
        tlog!(t, "threw", errc(x.get_ref()));
    }
    let t2 = t.clone();
    ee.once(names::ERROR, move |e: &Error| {
        tlog!(t2, "once error", errc(e))
    });
    tlog!(t, "handled emit ->", ee.emit_error(err("MyError")).is_ok());
    if let Err(x) = ee.emit_error(err("again")) {
        tlog!(t, "threw again", errc(x.get_ref()));
    }
    let t2 = t.clone();
    ee.on("aEvent", move |_: &()| tlog!(t2, "aEvent"));
    ee.emit("aEvent", &());
    tlog!(
        t,
        "monitor count",
        ee.listener_count(names::ERROR_MONITOR),
        "error count",
        ee.listener_count(names::ERROR)
    );
    t.take()
}

fn we07() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = Writable::new(
        &env.h,
        FnSink::new().write(|_: Chunk, cb: WriteCallback| cb.error(err("a-fail"))),
        WritableOptions::new(),
    );
    let t2 = t.clone();
    a.on(ERROR, move |e| tlog!(t2, "a error", errc(e)));
    let t2 = t.clone();
    a.on(names::ERROR_MONITOR, move |e: &Error| {
        tlog!(t2, "a monitor", errc(e))
    });
    let t2 = t.clone();
    a.on("close", move |_: &()| tlog!(t2, "a close"));
    a.write("x");
    let b = sync_writable(&env);
    let t2 = t.clone();
    b.on(names::ERROR_MONITOR, move |e: &Error| {
        tlog!(t2, "b monitor", errc(e))
    });
    b.destroy(Some(err("b-fail")));
    env.finish()
}

fn we08() -> Vec<String> {
    let t = Trace::new();
    let names = Names::default();
    let ee = EventEmitter::new();
    let listener1 = names.add("listener1", ee.on("hello", |_: &()| {}));
    let listener2 = names.add("listener2", ee.on("hello", |_: &()| {}));
    let (t2, n2, weak) = (t.clone(), names.clone(), ee.downgrade());
    ee.once(REMOVE_LISTENER, move |e: &ListenerEvent| {
        let ee = weak.upgrade().expect("emitter alive while it emits");
        tlog!(
            t2,
            "meta 1",
            &*e.event,
            n2.func(e.id),
            "left",
            n2.of(&ee, "hello")
        );
        let (t3, n3, weak2) = (t2.clone(), n2.clone(), ee.downgrade());
        ee.once(REMOVE_LISTENER, move |e: &ListenerEvent| {
            let ee = weak2.upgrade().expect("emitter alive while it emits");
            tlog!(
                t3,
                "meta 2",
                &*e.event,
                n3.func(e.id),
                "left",
                n3.of(&ee, "hello")
            );
        });
        ee.remove_listener(listener2);
        tlog!(t2, "inside meta 1 after remove", n2.of(&ee, "hello"));
    });
    ee.remove_listener(listener1);
    tlog!(
        t,
        "after",
        names.of(&ee, "hello"),
        "meta listeners",
        ee.listener_count(REMOVE_LISTENER)
    );
    t.take()
}

fn we09() -> Vec<String> {
    let t = Trace::new();
    let names = Names::default();
    let ee = EventEmitter::new();
    let ids: Rc<RefCell<Vec<ListenerId>>> = Rc::default();
    let (t2, n2, weak, ids2) = (t.clone(), names.clone(), ee.downgrade(), ids.clone());
    ee.on(REMOVE_LISTENER, move |e: &ListenerEvent| {
        tlog!(t2, "meta", &*e.event, n2.func(e.id));
        let (remove1, remove2) = {
            let ids = ids2.borrow();
            (ids[0], ids[1])
        };
        if e.id != remove1 {
            return;
        }
        let ee = weak.upgrade().expect("emitter alive while it emits");
        ee.remove_listener(remove2);
        tlog!(t2, "emit quux ->", ee.emit("quux", &()));
    });
    let t2 = t.clone();
    let remove1 = names.add(
        "remove1",
        ee.on("quux", move |_: &()| tlog!(t2, "remove1 (never)")),
    );
    let t2 = t.clone();
    let remove2 = names.add(
        "remove2",
        ee.on("quux", move |_: &()| tlog!(t2, "remove2 (never)")),
    );
    *ids.borrow_mut() = vec![remove1, remove2];
    ee.remove_listener(remove1);
    tlog!(t, "quux count", ee.listener_count("quux"));
    t.take()
}

fn we10() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let (t2, weak) = (t.clone(), ee.downgrade());
    ee.on(REMOVE_LISTENER, move |e: &ListenerEvent| {
        let ee = weak.upgrade().expect("emitter alive while it emits");
        tlog!(t2, "meta", &*e.event, "left", ee.listeners(&*e.event).len());
    });
    add(&ee, "baz", 3);
    add(&ee, "foo", 1);
    ee.remove_all_listeners(Some("baz"));
    tlog!(
        t,
        "baz",
        ee.listener_count("baz"),
        "foo",
        ee.listener_count("foo")
    );
    ee.remove_all_listeners(Some("nothing"));
    tlog!(t, "names", Json::strings(ee.event_names().iter()));
    ee.remove_all_listeners(None);
    tlog!(t, "names after all", Json::strings(ee.event_names().iter()));
    t.take()
}

fn we11() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    // `handler` ignores its arguments: here it takes the payload every emit of these
    // names carries.
    let handler = |_: &i32| {};
    tlog!(t, "toString count", ee.listener_count("toString"));
    ee.on("__proto__", handler);
    ee.on("__defineGetter__", handler);
    ee.on("toString", handler);
    tlog!(t, "names", Json::strings(ee.event_names().iter()));
    tlog!(
        t,
        "counts",
        ee.listener_count("__proto__"),
        ee.listener_count("__defineGetter__"),
        ee.listener_count("toString")
    );
    let t2 = t.clone();
    ee.on("__proto__", move |v: &i32| tlog!(t2, "__proto__ got", *v));
    tlog!(t, "emit ->", ee.emit("__proto__", &1));
    t.take()
}

fn we12() -> Vec<String> {
    let env = Env::new();
    let t = env.t.clone();
    with_warnings(&t, || {
        let a = sync_writable(&env);
        let b = sync_writable(&env);
        b.emitter().set_max_listeners(0);
        tlog!(
            t,
            "max",
            a.emitter().max_listeners(),
            b.emitter().max_listeners()
        );
        for _ in 0..11 {
            b.on(DRAIN, |_| {});
        }
        for _ in 0..11 {
            a.on(DRAIN, |_| {});
        }
        env.finish()
    })
}

fn we13() -> Vec<String> {
    let t = Trace::new();
    let ee = EventEmitter::new();
    let depth = Rc::new(Cell::new(0));
    let (t2, weak) = (t.clone(), ee.downgrade());
    ee.once("x", move |_: &()| {
        depth.set(depth.get() + 1);
        tlog!(t2, "once A depth", depth.get());
        let ee = weak.upgrade().expect("emitter alive while it emits");
        let t3 = t2.clone();
        ee.once("x", move |_: &()| tlog!(t3, "once B (added inside A)"));
        tlog!(t2, "inner emit ->", ee.emit("x", &()));
    });
    tlog!(t, "outer emit ->", ee.emit("x", &()));
    tlog!(t, "third emit ->", ee.emit("x", &()));
    t.take()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "we01-max-listeners-warning-text",
        run: we01,
    },
    Scenario {
        name: "we02-get-set-max-listeners",
        run: we02,
    },
    Scenario {
        name: "we03-listener-leak-thresholds",
        run: we03,
    },
    Scenario {
        name: "we04-warning-again-after-removeAll",
        run: we04,
    },
    Scenario {
        name: "we05-defaultMaxListeners-change",
        run: we05,
    },
    Scenario {
        name: "we06-errorMonitor-every-emit",
        run: we06,
    },
    Scenario {
        name: "we07-stream-errorMonitor",
        run: we07,
    },
    Scenario {
        name: "we08-removeListener-meta-nested",
        run: we08,
    },
    Scenario {
        name: "we09-remove-and-emit-inside-removeListener",
        run: we09,
    },
    Scenario {
        name: "we10-removeAllListeners-counts",
        run: we10,
    },
    Scenario {
        name: "we11-special-event-names",
        run: we11,
    },
    Scenario {
        name: "we12-stream-max-listeners",
        run: we12,
    },
    Scenario {
        name: "we13-once-emit-inside-itself",
        run: we13,
    },
];

//! Random sequences of add/once/prepend/remove/remove-all/emit, also done from inside
//! listeners (recursive emits included), checked against a plain `Vec` model of Node's
//! rules: call order, the snapshot rule, once firing at most once and being removed before
//! it runs, skipped listeners of another payload type, and `event_names` order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream::events::{Event, EventEmitter, ListenerId, WeakEmitter};
use proptest::prelude::*;

const EVENTS: [&str; 3] = ["a", "b", "c"];
const MAX_DEPTH: u32 = 3;

/// What a listener does when it runs (after logging its label).
#[derive(Clone, Copy, Debug)]
enum Action {
    Nothing,
    /// Remove the registration with label `pick % labels issued so far`.
    Remove(usize),
    /// Add a listener (with no action of its own).
    Add {
        ev: usize,
        once: bool,
        prepend: bool,
    },
    /// Emit an event (up to `MAX_DEPTH` deep).
    Emit(usize),
}

#[derive(Clone, Debug)]
enum Op {
    Add {
        ev: usize,
        once: bool,
        prepend: bool,
        other_type: bool,
        action: Action,
    },
    Remove(usize),
    RemoveAll(Option<usize>),
    Emit(usize),
    /// Emit through a resolved `EventKey` (its cached typed list).
    EmitKey(usize),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => Just(Action::Nothing),
        2 => any::<usize>().prop_map(Action::Remove),
        1 => (0..3usize, any::<bool>(), any::<bool>())
            .prop_map(|(ev, once, prepend)| Action::Add { ev, once, prepend }),
        2 => (0..3usize).prop_map(Action::Emit),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, any::<bool>(), any::<bool>(), prop::bool::weighted(0.1), action())
            .prop_map(|(ev, once, prepend, other_type, action)| Op::Add {
                ev, once, prepend, other_type, action
            }),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => prop::option::of(0..3usize).prop_map(Op::RemoveAll),
        2 => (0..3usize).prop_map(Op::Emit),
        2 => (0..3usize).prop_map(Op::EmitKey),
    ]
}

// ---- the model ----

#[derive(Clone)]
struct MEntry {
    label: usize,
    once: bool,
    other_type: bool,
    action: Action,
}

#[derive(Default)]
struct Model {
    lists: [Vec<MEntry>; 3],
    /// Event indices in `event_names` order (only non-empty ones are reported).
    order: Vec<usize>,
    fired: Vec<bool>,
    labels: usize,
    log: Vec<usize>,
    depth: u32,
}

impl Model {
    fn add(&mut self, ev: usize, once: bool, prepend: bool, other_type: bool, action: Action) {
        let label = self.labels;
        self.labels += 1;
        self.fired.push(false);
        if self.lists[ev].is_empty() {
            self.order.retain(|&e| e != ev);
            self.order.push(ev);
        }
        let e = MEntry {
            label,
            once,
            other_type,
            action,
        };
        if prepend {
            self.lists[ev].insert(0, e);
        } else {
            self.lists[ev].push(e);
        }
    }

    fn remove(&mut self, label: usize) -> bool {
        for list in &mut self.lists {
            if let Some(p) = list.iter().position(|e| e.label == label) {
                list.remove(p);
                return true;
            }
        }
        false
    }

    fn remove_all(&mut self, ev: Option<usize>) {
        match ev {
            Some(ev) => self.lists[ev].clear(),
            None => self.lists.iter_mut().for_each(Vec::clear),
        }
    }

    fn emit(&mut self, ev: usize) -> bool {
        let snapshot = self.lists[ev].clone();
        let mut ran = false;
        for e in snapshot {
            if e.other_type {
                continue;
            }
            if e.once {
                if self.fired[e.label] {
                    continue;
                }
                self.fired[e.label] = true;
                self.remove(e.label);
            }
            ran = true;
            self.log.push(e.label);
            self.act(e.action);
        }
        ran
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Nothing => {}
            Action::Remove(pick) => {
                let label = pick % self.labels;
                self.remove(label);
            }
            Action::Add { ev, once, prepend } => {
                self.add(ev, once, prepend, false, Action::Nothing)
            }
            Action::Emit(ev) => {
                if self.depth < MAX_DEPTH {
                    self.depth += 1;
                    self.emit(ev);
                    self.depth -= 1;
                }
            }
        }
    }

    fn names(&self) -> Vec<String> {
        self.order
            .iter()
            .filter(|&&e| !self.lists[e].is_empty())
            .map(|&e| EVENTS[e].to_string())
            .collect()
    }
}

// ---- the real emitter, driven the same way ----

#[derive(Default)]
struct Real {
    em: RefCell<Option<WeakEmitter>>,
    ids: RefCell<Vec<ListenerId>>,
    log: RefCell<Vec<usize>>,
    depth: Cell<u32>,
}

fn add_real(
    ctx: &Rc<Real>,
    em: &EventEmitter,
    ev: usize,
    once: bool,
    prepend: bool,
    other_type: bool,
    action: Action,
) {
    let label = ctx.ids.borrow().len();
    let id = if other_type {
        let f = |_: &String| panic!("a listener of another payload type ran");
        match (once, prepend) {
            (false, false) => em.on(EVENTS[ev], f),
            (true, false) => em.once(EVENTS[ev], f),
            (false, true) => em.prepend_listener(EVENTS[ev], f),
            (true, true) => em.prepend_once_listener(EVENTS[ev], f),
        }
    } else {
        let c = ctx.clone();
        let f = move |_: &u32| {
            c.log.borrow_mut().push(label);
            act_real(&c, action);
        };
        match (once, prepend) {
            (false, false) => em.on(EVENTS[ev], f),
            (true, false) => em.once(EVENTS[ev], f),
            (false, true) => em.prepend_listener(EVENTS[ev], f),
            (true, true) => em.prepend_once_listener(EVENTS[ev], f),
        }
    };
    ctx.ids.borrow_mut().push(id);
}

fn act_real(ctx: &Rc<Real>, action: Action) {
    let em = ctx
        .em
        .borrow()
        .as_ref()
        .and_then(WeakEmitter::upgrade)
        .unwrap();
    match action {
        Action::Nothing => {}
        Action::Remove(pick) => {
            let id = {
                let ids = ctx.ids.borrow();
                ids[pick % ids.len()]
            };
            em.off(id);
        }
        Action::Add { ev, once, prepend } => {
            add_real(ctx, &em, ev, once, prepend, false, Action::Nothing)
        }
        Action::Emit(ev) => {
            if ctx.depth.get() < MAX_DEPTH {
                ctx.depth.set(ctx.depth.get() + 1);
                em.emit(EVENTS[ev], &0u32);
                ctx.depth.set(ctx.depth.get() - 1);
            }
        }
    }
}

fn check_state(em: &EventEmitter, ctx: &Real, model: &Model) -> Result<(), TestCaseError> {
    for (ev, name) in EVENTS.iter().enumerate() {
        let ids = ctx.ids.borrow();
        let real: Vec<usize> = em
            .listeners(*name)
            .iter()
            .map(|id| ids.iter().position(|x| x == id).unwrap())
            .collect();
        let want: Vec<usize> = model.lists[ev].iter().map(|e| e.label).collect();
        prop_assert_eq!(real, want, "listeners({})", name);
        prop_assert_eq!(em.listener_count(*name), model.lists[ev].len());
    }
    let names: Vec<String> = em.event_names().iter().map(|n| n.to_string()).collect();
    prop_assert_eq!(names, model.names());
    prop_assert_eq!(&*ctx.log.borrow(), &model.log);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn emitter_matches_the_model(ops in prop::collection::vec(op(), 1..40)) {
        let em = EventEmitter::new();
        em.set_max_listeners(0);
        let ctx = Rc::new(Real::default());
        *ctx.em.borrow_mut() = Some(em.downgrade());
        let mut model = Model::default();
        let keys: Vec<_> = EVENTS.iter().map(|n| em.key(Event::<u32>::new(n))).collect();
        for op in ops {
            match op {
                Op::Add { ev, once, prepend, other_type, action } => {
                    add_real(&ctx, &em, ev, once, prepend, other_type, action);
                    model.add(ev, once, prepend, other_type, action);
                }
                Op::Remove(pick) => {
                    if model.labels > 0 {
                        let id = ctx.ids.borrow()[pick % model.labels];
                        let want = model.remove(pick % model.labels);
                        prop_assert_eq!(em.off(id), want);
                    }
                }
                Op::RemoveAll(ev) => {
                    em.remove_all_listeners(ev.map(|e| EVENTS[e]));
                    model.remove_all(ev);
                }
                Op::Emit(ev) => {
                    let real = em.emit(EVENTS[ev], &0u32);
                    let want = model.emit(ev);
                    prop_assert_eq!(real, want, "emit {} returned", EVENTS[ev]);
                }
                Op::EmitKey(ev) => {
                    let real = em.emit(&keys[ev], &0u32);
                    let want = model.emit(ev);
                    prop_assert_eq!(real, want, "keyed emit {} returned", EVENTS[ev]);
                }
            }
            check_state(&em, &ctx, &model)?;
        }
    }
}

//! The typed mirror of a slot's listener list, and the snapshot an emit walks.
//!
//! While every listener of a slot takes the same payload type `T`, the slot keeps a typed
//! mirror list ([`Typed<T>`]) in lockstep with its type-erased list. An emit through a key
//! uses the mirror the key cached; an emit by name of an event with several listeners
//! downcasts the mirror once. Either then calls each listener directly as `&T`, with no
//! per-listener type check. (An emit by name of an event with one listener skips the
//! mirror: that listener checks the payload's type itself.)

use std::any::Any;
use std::cell::Cell;
use std::rc::Rc;

use crate::entry::{List, Listener, TypedRc};

/// One event's listeners through their common payload type `T`: a mirror of the slot's
/// list, copy-on-write like it. Shared with the [`EventKey`](crate::EventKey)s of the
/// event, which emit through it without touching the table. `live` turns false when the
/// slot stops using it (its listeners took different types, or the emitter went away).
pub(crate) struct Typed<T: 'static> {
    /// The list; always there, except inside [`with_list`](Typed::with_list) and
    /// [`snapshot`](Typed::snapshot), which run no user code. (A `Cell` taken and put
    /// back costs an emit two plain stores, where a `RefCell` borrow moves a flag.)
    list: Cell<Option<TypedList<T>>>,
    pub(crate) live: Cell<bool>,
}

/// A mirror's list.
type TypedList<T> = Rc<Vec<TypedRc<T>>>;

/// What a slot does with its mirror without knowing its `T`.
pub(crate) trait Mirror {
    /// Removes position `pos` (the slot removed the same position from its list).
    fn remove(&self, pos: usize);
    /// Empties the mirror (the slot was emptied).
    fn clear(&self);
    /// Retires the mirror: empty and no longer live.
    fn kill(&self);
}

impl<T: 'static> Mirror for Typed<T> {
    fn remove(&self, pos: usize) {
        // The slot's own list still holds the entry, so dropping it drops no closure.
        self.with_list(|list| drop(take(Rc::make_mut(list), pos)));
    }

    fn clear(&self) {
        // The slot's own list still holds every entry, so this drops no closure.
        drop(self.list.replace(Some(Rc::new(Vec::new()))));
    }

    fn kill(&self) {
        self.live.set(false);
        self.clear();
    }
}

/// What an emit walks: one listener (no list shared, so a `once` removal does not copy the
/// list) or the whole list; typed (every listener takes the payload's type) or erased (the
/// listener checks the payload's type itself).
pub(crate) enum Snapshot<T: 'static> {
    One(TypedRc<T>),
    Many(Rc<Vec<TypedRc<T>>>),
    /// The only listener of an event emitted by name: one type check inside the call
    /// costs less than finding the typed mirror.
    AnyOne(Rc<dyn Listener>),
    Erased(List),
}

impl<T: 'static> Typed<T> {
    /// A live mirror of `list`.
    pub(crate) fn new(list: Vec<TypedRc<T>>) -> Self {
        Typed {
            list: Cell::new(Some(Rc::new(list))),
            live: Cell::new(true),
        }
    }

    /// Runs `f` on the list. `f` must run no user code (nor drop the last handle on a
    /// closure): the list is out of its cell meanwhile.
    #[inline]
    pub(crate) fn with_list<R>(&self, f: impl FnOnce(&mut TypedList<T>) -> R) -> Option<R> {
        let mut list = self.list.take()?;
        let r = f(&mut list);
        // Taken just above, and `f` ran no user code: the cell is empty, nothing to drop.
        let empty = self.list.replace(Some(list));
        debug_assert!(empty.is_none());
        std::mem::forget(empty);
        Some(r)
    }

    /// Adds `entry` at the front or the end (the slot did the same to its list).
    #[inline]
    pub(crate) fn add(&self, entry: TypedRc<T>, front: bool) {
        let Some(mut list) = self.list.take() else {
            return;
        };
        let typed = Rc::make_mut(&mut list);
        if front {
            typed.insert(0, entry);
        } else {
            typed.push(entry);
        }
        // Taken just above, with no user code run since: nothing to drop.
        std::mem::forget(self.list.replace(Some(list)));
    }

    /// The snapshot an emit walks, or `None` if there are no listeners.
    #[inline(always)]
    pub(crate) fn snapshot(&self) -> Option<Snapshot<T>> {
        let list = self.list.take()?;
        let snapshot = match list.len() {
            0 => None,
            1 => Some(Snapshot::One(list[0].clone())),
            _ => Some(Snapshot::Many(list.clone())),
        };
        // Taken just above, with nothing run since: the cell is empty, nothing to drop.
        let empty = self.list.replace(Some(list));
        debug_assert!(empty.is_none());
        std::mem::forget(empty);
        snapshot
    }
}

/// A slot's mirror, seen both ways (one allocation).
pub(crate) struct MirrorRef {
    pub(crate) any: Rc<dyn Any>,
    pub(crate) ops: Rc<dyn Mirror>,
}

impl MirrorRef {
    /// The mirror as a `Typed<T>`, if its listeners take a `T`.
    #[inline(always)]
    pub(crate) fn get<T: 'static>(&self) -> Option<&Typed<T>> {
        self.any.downcast_ref::<Typed<T>>()
    }
}

/// `v.remove(pos)`, without the call to move nothing when `pos` is last (the common case:
/// a `once` listener alone in its list).
#[inline]
pub(crate) fn take<E>(v: &mut Vec<E>, pos: usize) -> E {
    if pos + 1 == v.len() {
        if let Some(e) = v.pop() {
            return e;
        }
    }
    v.remove(pos)
}

//! Registered mio sources: a slab of callbacks, the ready list, and the per-turn budget.
//!
//! mio is edge-triggered: a source is told once that it became readable and must drain it
//! until `WouldBlock`. A source that stops early (its per-turn budget, [`IO_BUDGET`], ran
//! out) returns [`PostAction::Again`] and stays on the ready list, keeping its readiness,
//! so it is called again next turn without a new edge: no readiness is lost and one busy
//! source cannot starve the others.

use std::collections::VecDeque;
use std::fmt;

use mio::event::Event;
use mio::Token;
use slab::Slab;

/// How many operations (reads, writes, accepts) a source should do per turn before it
/// returns [`PostAction::Again`] and lets the other sources run. libuv uses 32.
pub const IO_BUDGET: usize = crate::sys::IO_BUDGET;

/// Names a source registered with [`LoopHandle::register`](crate::LoopHandle::register).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SourceId {
    key: usize,
    gen: usize,
}

/// What a source's callback asks the loop to do after it returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostAction {
    /// The source drained to `WouldBlock`: wait for its next edge.
    Continue,
    /// The source stopped on its budget with work left: call it again next turn, with the
    /// same readiness, without waiting for a new edge.
    Again,
    /// Forget the callback (the source's slot is freed). The caller still owns the mio
    /// source and should deregister or drop it; events for it are ignored from now on.
    Remove,
}

/// The readiness a source's callback is given: a copy of the event's bits, merged over
/// every event since the callback last ran.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Readiness(u8);

impl Readiness {
    const READABLE: u8 = 1;
    const WRITABLE: u8 = 2;
    const ERROR: u8 = 4;
    const READ_CLOSED: u8 = 8;
    const WRITE_CLOSED: u8 = 16;

    /// No readiness.
    pub const EMPTY: Readiness = Readiness(0);
    /// Readable only.
    pub const READABLE_ONLY: Readiness = Readiness(Self::READABLE);
    /// Writable only.
    pub const WRITABLE_ONLY: Readiness = Readiness(Self::WRITABLE);

    /// The bits of a mio event.
    pub fn from_event(event: &Event) -> Readiness {
        let mut bits = 0;
        if event.is_readable() {
            bits |= Self::READABLE;
        }
        if event.is_writable() {
            bits |= Self::WRITABLE;
        }
        if event.is_error() {
            bits |= Self::ERROR;
        }
        if event.is_read_closed() {
            bits |= Self::READ_CLOSED;
        }
        if event.is_write_closed() {
            bits |= Self::WRITE_CLOSED;
        }
        Readiness(bits)
    }

    /// Data (or EOF) can be read.
    pub fn is_readable(self) -> bool {
        self.0 & Self::READABLE != 0
    }
    /// Data can be written.
    pub fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE != 0
    }
    /// The source has an error pending.
    pub fn is_error(self) -> bool {
        self.0 & Self::ERROR != 0
    }
    /// The read half is closed (EOF or hang-up).
    pub fn is_read_closed(self) -> bool {
        self.0 & Self::READ_CLOSED != 0
    }
    /// The write half is closed (the peer hung up).
    pub fn is_write_closed(self) -> bool {
        self.0 & Self::WRITE_CLOSED != 0
    }
    /// No bit is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The bits of both.
    pub fn union(self, other: Readiness) -> Readiness {
        Readiness(self.0 | other.0)
    }
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::READABLE, "READABLE"),
            (Self::WRITABLE, "WRITABLE"),
            (Self::ERROR, "ERROR"),
            (Self::READ_CLOSED, "READ_CLOSED"),
            (Self::WRITE_CLOSED, "WRITE_CLOSED"),
        ];
        let mut first = true;
        f.write_str("Readiness(")?;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        f.write_str(")")
    }
}

/// A source's callback.
pub(crate) type SourceCallback = Box<dyn FnMut(Readiness) -> PostAction>;

/// Half the bits of a token name the slot, half its generation.
const KEY_BITS: u32 = usize::BITS / 2;
const KEY_MASK: usize = (1 << KEY_BITS) - 1;
/// The waker's token: never a source's (a source's key is below `KEY_MASK`).
pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX);

struct Entry {
    gen: usize,
    /// `None` while the callback runs.
    callback: Option<SourceCallback>,
    readiness: Readiness,
    queued: bool,
    referenced: bool,
}

pub(crate) struct Sources {
    slab: Slab<Entry>,
    ready: VecDeque<SourceId>,
    next_gen: usize,
    referenced: usize,
}

impl SourceId {
    pub(crate) fn token(self) -> Token {
        Token((self.gen << KEY_BITS) | self.key)
    }
}

impl Sources {
    pub(crate) fn new() -> Sources {
        Sources {
            slab: Slab::new(),
            ready: VecDeque::new(),
            next_gen: 0,
            referenced: 0,
        }
    }

    /// Adds an entry (ref'd) and gives its id.
    pub(crate) fn insert(&mut self, callback: SourceCallback) -> Option<SourceId> {
        if self.slab.vacant_key() >= KEY_MASK {
            return None;
        }
        let gen = self.next_gen;
        self.next_gen = (self.next_gen + 1) & KEY_MASK;
        let key = self.slab.insert(Entry {
            gen,
            callback: Some(callback),
            readiness: Readiness::EMPTY,
            queued: false,
            referenced: true,
        });
        self.referenced += 1;
        Some(SourceId { key, gen })
    }

    fn entry_mut(&mut self, id: SourceId) -> Option<&mut Entry> {
        self.slab.get_mut(id.key).filter(|e| e.gen == id.gen)
    }

    /// Whether the id names a live entry.
    pub(crate) fn contains(&self, id: SourceId) -> bool {
        self.slab.get(id.key).is_some_and(|e| e.gen == id.gen)
    }

    /// Removes an entry; gives its callback back (to be dropped outside any borrow).
    pub(crate) fn remove(&mut self, id: SourceId) -> Option<Option<SourceCallback>> {
        self.entry_mut(id)?;
        let entry = self.slab.remove(id.key);
        if entry.referenced {
            self.referenced -= 1;
        }
        Some(entry.callback)
    }

    pub(crate) fn set_ref(&mut self, id: SourceId, referenced: bool) {
        let Some(entry) = self.entry_mut(id) else {
            return;
        };
        let was = std::mem::replace(&mut entry.referenced, referenced);
        super::count_ref(&mut self.referenced, was, referenced);
    }

    #[inline]
    pub(crate) fn referenced(&self) -> usize {
        self.referenced
    }

    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// How many sources wait on the ready list.
    #[inline]
    pub(crate) fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// Records an event for a token; queues its source on the ready list.
    pub(crate) fn on_event(&mut self, token: Token, readiness: Readiness) {
        let id = SourceId {
            key: token.0 & KEY_MASK,
            gen: token.0 >> KEY_BITS,
        };
        let Some(entry) = self.entry_mut(id) else {
            return;
        };
        entry.readiness = entry.readiness.union(readiness);
        if !entry.queued {
            entry.queued = true;
            self.ready.push_back(id);
        }
    }

    /// Takes the next source off the ready list, with its callback and readiness. `None`
    /// for an entry removed since it was queued (or an empty list).
    pub(crate) fn pop_ready(&mut self) -> Option<(SourceId, SourceCallback, Readiness)> {
        let id = self.ready.pop_front()?;
        let entry = self.entry_mut(id)?;
        entry.queued = false;
        let readiness = std::mem::take(&mut entry.readiness);
        let callback = entry.callback.take()?;
        Some((id, callback, readiness))
    }

    /// Puts a callback back after it ran and applies its [`PostAction`]. Gives the callback
    /// back when it is to be dropped (removed, or the source was deregistered meanwhile).
    pub(crate) fn finish(
        &mut self,
        id: SourceId,
        callback: SourceCallback,
        readiness: Readiness,
        action: PostAction,
    ) -> Option<SourceCallback> {
        let Some(entry) = self.entry_mut(id) else {
            return Some(callback);
        };
        if entry.callback.is_some() {
            return Some(callback);
        }
        match action {
            PostAction::Continue => {
                entry.callback = Some(callback);
                None
            }
            PostAction::Again => {
                entry.callback = Some(callback);
                entry.readiness = entry.readiness.union(readiness);
                if !entry.queued {
                    entry.queued = true;
                    self.ready.push_back(id);
                }
                None
            }
            PostAction::Remove => {
                self.remove(id);
                Some(callback)
            }
        }
    }

    /// Removes everything (callbacks to be dropped by the caller, outside any borrow).
    pub(crate) fn take_all(&mut self) -> Vec<SourceCallback> {
        self.ready.clear();
        self.referenced = 0;
        self.slab.drain().filter_map(|e| e.callback).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_stale_ids_are_ignored() {
        let mut s = Sources::new();
        let a = s.insert(Box::new(|_| PostAction::Continue)).unwrap();
        s.remove(a).unwrap();
        let b = s.insert(Box::new(|_| PostAction::Continue)).unwrap();
        assert_eq!(a.key, b.key);
        assert_ne!(a.token(), b.token());
        s.on_event(a.token(), Readiness::READABLE_ONLY);
        assert_eq!(s.ready_len(), 0);
        s.on_event(b.token(), Readiness::READABLE_ONLY);
        s.on_event(b.token(), Readiness::WRITABLE_ONLY);
        assert_eq!(s.ready_len(), 1);
        let (id, cb, r) = s.pop_ready().unwrap();
        assert_eq!(id, b);
        assert!(r.is_readable() && r.is_writable());
        assert!(s.finish(id, cb, r, PostAction::Again).is_none());
        let (_, cb, r2) = s.pop_ready().unwrap();
        assert_eq!(r2, r);
        assert!(s.finish(id, cb, r2, PostAction::Remove).is_some());
        assert_eq!(s.len(), 0);
        assert_eq!(s.referenced(), 0);
    }
}

//! Timers: a slab of entries and an indexed binary min-heap of their keys.
//!
//! The heap is ordered by (deadline in loop milliseconds, sequence number), so timers with
//! equal deadlines fire in the order they were armed, as Node's do. Every entry knows its
//! heap position, so cancelling removes it from the heap at once (O(log n)) and frees its
//! slot: there are no tombstones. Ids carry a serial number, so a stale id never reaches a
//! reused slot.

use slab::Slab;
use std::time::Duration;

/// Names a timer made by [`LoopHandle::set_timeout`](crate::LoopHandle::set_timeout) or
/// [`LoopHandle::set_interval`](crate::LoopHandle::set_interval).
///
/// Clearing a timer that already fired (a timeout) or was cleared is a no-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    key: usize,
    serial: u64,
}

/// Node's largest delay (`TIMEOUT_MAX`, 2^31 - 1 ms); longer delays become 1 ms, as in Node.
pub(crate) const TIMEOUT_MAX_MS: u64 = (1 << 31) - 1;

/// A delay as Node counts it: whole milliseconds rounded up, at least 1 (Node turns 0 and
/// anything below 1 into 1), and 1 for anything above [`TIMEOUT_MAX_MS`].
pub(crate) fn delay_ms(d: Duration) -> u64 {
    let nanos = d.as_nanos();
    let ms = nanos.div_ceil(1_000_000);
    if ms > u128::from(TIMEOUT_MAX_MS) {
        1
    } else {
        (ms as u64).max(1)
    }
}

/// What a timer runs.
pub(crate) enum TimerCallback {
    Once(Box<dyn FnOnce()>),
    Repeat(Box<dyn FnMut()>),
}

const NOT_IN_HEAP: usize = usize::MAX;

struct Entry {
    serial: u64,
    deadline: u64,
    seq: u64,
    /// The period of an interval, in ms.
    period: Option<u64>,
    heap_pos: usize,
    referenced: bool,
    /// `None` while an interval's callback is running.
    callback: Option<TimerCallback>,
}

pub(crate) struct Timers {
    slab: Slab<Entry>,
    heap: Vec<usize>,
    next_serial: u64,
    next_seq: u64,
    referenced: usize,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            slab: Slab::new(),
            heap: Vec::new(),
            next_serial: 0,
            next_seq: 0,
            referenced: 0,
        }
    }

    /// Arms a timer for `now_ms + delay_ms`.
    pub(crate) fn insert(
        &mut self,
        now_ms: u64,
        delay_ms: u64,
        period: Option<u64>,
        callback: TimerCallback,
    ) -> TimerId {
        let serial = self.next_serial;
        self.next_serial += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = self.slab.insert(Entry {
            serial,
            deadline: now_ms.saturating_add(delay_ms),
            seq,
            period,
            heap_pos: NOT_IN_HEAP,
            referenced: true,
            callback: Some(callback),
        });
        self.referenced += 1;
        self.heap_push(key);
        TimerId { key, serial }
    }

    /// An id that never named a live timer (for one refused by a dropped loop): it is not
    /// active, and clearing it is a no-op.
    pub(crate) fn spent_id(&mut self) -> TimerId {
        let serial = self.next_serial;
        self.next_serial += 1;
        TimerId {
            key: usize::MAX,
            serial,
        }
    }

    fn entry(&self, id: TimerId) -> Option<&Entry> {
        self.slab.get(id.key).filter(|e| e.serial == id.serial)
    }

    fn entry_mut(&mut self, id: TimerId) -> Option<&mut Entry> {
        self.slab.get_mut(id.key).filter(|e| e.serial == id.serial)
    }

    /// Whether the id names a live timer.
    pub(crate) fn contains(&self, id: TimerId) -> bool {
        self.entry(id).is_some()
    }

    /// Cancels a timer: frees its slot and heap place. Returns whether it was live, and its
    /// callback (to be dropped by the caller outside any borrow).
    pub(crate) fn cancel(&mut self, id: TimerId) -> (bool, Option<TimerCallback>) {
        let Some(entry) = self.entry(id) else {
            return (false, None);
        };
        let pos = entry.heap_pos;
        if pos != NOT_IN_HEAP {
            self.heap_remove(pos);
        }
        let entry = self.slab.remove(id.key);
        if entry.referenced {
            self.referenced -= 1;
        }
        (true, entry.callback)
    }

    /// Marks a timer as keeping the loop alive or not.
    pub(crate) fn set_ref(&mut self, id: TimerId, referenced: bool) {
        let Some(entry) = self.entry_mut(id) else {
            return;
        };
        let was = std::mem::replace(&mut entry.referenced, referenced);
        super::count_ref(&mut self.referenced, was, referenced);
    }

    /// Whether a timer keeps the loop alive (`false` for a stale id).
    pub(crate) fn has_ref(&self, id: TimerId) -> bool {
        self.entry(id).is_some_and(|e| e.referenced)
    }

    /// How many live timers keep the loop alive.
    #[inline]
    pub(crate) fn referenced(&self) -> usize {
        self.referenced
    }

    /// How many timers are live.
    pub(crate) fn len(&self) -> usize {
        self.slab.len()
    }

    /// The earliest deadline, in loop milliseconds.
    #[inline]
    pub(crate) fn next_deadline(&self) -> Option<u64> {
        self.heap.first().map(|&key| self.slab[key].deadline)
    }

    /// The arming sequence number the next timer (or re-armed interval) will get: with
    /// [`Self::pop_due`], what tells the timers armed before a point from those after it.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Takes the earliest timer if it is due at `now_ms` and was armed before `armed_before`
    /// (a [`Self::next_seq`]). A timeout leaves the timers entirely; an interval stays (out
    /// of the heap, callback taken) until [`Self::rearm`].
    ///
    /// A timer armed while the due ones run has a later deadline than the phase's time, so
    /// the sequence bound only matters where time cannot move on (a manual clock at its
    /// end, where every deadline counts as past): there it keeps a re-armed interval from
    /// running again in the same pass.
    pub(crate) fn pop_due(
        &mut self,
        now_ms: u64,
        armed_before: u64,
    ) -> Option<(TimerId, TimerCallback)> {
        let &key = self.heap.first()?;
        if self.slab[key].deadline > now_ms || self.slab[key].seq >= armed_before {
            return None;
        }
        self.heap_remove(0);
        let entry = &mut self.slab[key];
        let id = TimerId {
            key,
            serial: entry.serial,
        };
        if entry.period.is_some() {
            let callback = entry
                .callback
                .take()
                .expect("an armed interval has its callback");
            return Some((id, callback));
        }
        let entry = self.slab.remove(key);
        if entry.referenced {
            self.referenced -= 1;
        }
        Some((id, entry.callback.expect("an armed timer has its callback")))
    }

    /// Puts an interval's callback back and arms it for `now_ms + period`. If the interval
    /// was cleared meanwhile, gives the callback back (to be dropped outside any borrow).
    pub(crate) fn rearm(
        &mut self,
        id: TimerId,
        now_ms: u64,
        callback: Box<dyn FnMut()>,
    ) -> Option<Box<dyn FnMut()>> {
        let seq = self.next_seq;
        let Some(entry) = self.entry_mut(id) else {
            return Some(callback);
        };
        if entry.callback.is_some() || entry.heap_pos != NOT_IN_HEAP {
            return Some(callback);
        }
        let period = entry.period.expect("only intervals are re-armed");
        entry.deadline = now_ms.saturating_add(period);
        entry.seq = seq;
        entry.callback = Some(TimerCallback::Repeat(callback));
        self.next_seq += 1;
        self.heap_push(id.key);
        None
    }

    /// Removes every timer (callbacks to be dropped by the caller, outside any borrow).
    pub(crate) fn take_all(&mut self) -> Vec<TimerCallback> {
        self.heap.clear();
        self.referenced = 0;
        self.slab.drain().filter_map(|e| e.callback).collect()
    }

    // The indexed heap.

    #[inline]
    fn less(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.slab[a], &self.slab[b]);
        (x.deadline, x.seq) < (y.deadline, y.seq)
    }

    #[inline]
    fn swap(&mut self, i: usize, j: usize) {
        self.heap.swap(i, j);
        let (ki, kj) = (self.heap[i], self.heap[j]);
        self.slab[ki].heap_pos = i;
        self.slab[kj].heap_pos = j;
    }

    fn heap_push(&mut self, key: usize) {
        let pos = self.heap.len();
        self.heap.push(key);
        self.slab[key].heap_pos = pos;
        self.sift_up(pos);
    }

    fn heap_remove(&mut self, pos: usize) {
        let last = self.heap.len() - 1;
        if pos != last {
            self.swap(pos, last);
        }
        let key = self.heap.pop().expect("heap_remove on a non-empty heap");
        self.slab[key].heap_pos = NOT_IN_HEAP;
        if pos < self.heap.len() {
            self.sift_down(pos);
            self.sift_up(pos);
        }
    }

    fn sift_up(&mut self, mut pos: usize) {
        while pos > 0 {
            let parent = (pos - 1) / 2;
            if !self.less(self.heap[pos], self.heap[parent]) {
                break;
            }
            self.swap(pos, parent);
            pos = parent;
        }
    }

    fn sift_down(&mut self, mut pos: usize) {
        let len = self.heap.len();
        loop {
            let left = 2 * pos + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.less(self.heap[right], self.heap[left]) {
                right
            } else {
                left
            };
            if !self.less(self.heap[child], self.heap[pos]) {
                break;
            }
            self.swap(pos, child);
            pos = child;
        }
    }

    #[cfg(test)]
    fn check_heap(&self) {
        for (i, &key) in self.heap.iter().enumerate() {
            assert_eq!(self.slab[key].heap_pos, i);
            if i > 0 {
                assert!(!self.less(key, self.heap[(i - 1) / 2]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn once() -> TimerCallback {
        TimerCallback::Once(Box::new(|| {}))
    }

    #[test]
    fn node_delay_rules() {
        assert_eq!(delay_ms(Duration::ZERO), 1);
        assert_eq!(delay_ms(Duration::from_micros(500)), 1);
        assert_eq!(delay_ms(Duration::from_micros(1500)), 2);
        assert_eq!(delay_ms(Duration::from_millis(7)), 7);
        assert_eq!(
            delay_ms(Duration::from_millis(TIMEOUT_MAX_MS)),
            TIMEOUT_MAX_MS
        );
        assert_eq!(delay_ms(Duration::from_millis(TIMEOUT_MAX_MS + 1)), 1);
        assert_eq!(delay_ms(Duration::MAX), 1);
    }

    #[test]
    fn cancel_frees_the_slot_and_heap_place() {
        let mut t = Timers::new();
        let ids: Vec<_> = (0..100)
            .map(|i| t.insert(0, i % 7 + 1, None, once()))
            .collect();
        for id in &ids[..90] {
            assert!(t.cancel(*id).0);
        }
        assert_eq!(t.len(), 10);
        assert_eq!(t.heap.len(), 10);
        assert!(!t.cancel(ids[0]).0);
        t.check_heap();
        // A stale id never reaches the reused slot.
        let new = t.insert(0, 1, None, once());
        assert_eq!(new.key, ids[89].key);
        assert!(!t.cancel(ids[89]).0);
        assert!(t.contains(new));
    }

    proptest! {
        #[test]
        fn pops_in_deadline_then_arming_order(
            ops in proptest::collection::vec((0u64..20, any::<bool>()), 1..200)
        ) {
            let mut t = Timers::new();
            let mut model: Vec<(u64, u64, TimerId)> = Vec::new();
            for (seq, (delay, cancel_one)) in ops.into_iter().enumerate() {
                let id = t.insert(0, delay, None, once());
                model.push((delay, seq as u64, id));
                if cancel_one && model.len() > 1 {
                    let victim = model.remove(model.len() / 2);
                    prop_assert!(t.cancel(victim.2).0);
                }
                t.check_heap();
            }
            model.sort_by_key(|m| (m.0, m.1));
            let mut popped = Vec::new();
            while let Some((id, _)) = t.pop_due(u64::MAX, u64::MAX) {
                popped.push(id);
            }
            prop_assert_eq!(popped, model.iter().map(|m| m.2).collect::<Vec<_>>());
            prop_assert_eq!(t.referenced(), 0);
        }
    }
}

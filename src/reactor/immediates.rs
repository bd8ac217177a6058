//! `setImmediate`: the check-phase queue, with cancellation by id.
//!
//! Ids are serial numbers handed out in queue order, so both deques stay sorted by id and
//! `clear_immediate` finds its entry by binary search. A cleared entry's callback is taken
//! out at once (and dropped by the caller); its empty slot leaves the deque when the check
//! phase reaches it, so slots live at most one turn.

use std::collections::VecDeque;

use super::ticks::Task;

/// Names an immediate made by [`LoopHandle::set_immediate`](crate::LoopHandle::set_immediate).
///
/// Clearing an immediate that already ran or was cleared is a no-op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImmediateId(u64);

pub(crate) struct Immediates {
    queue: VecDeque<(u64, Option<Task>)>,
    running: VecDeque<(u64, Option<Task>)>,
    next_id: u64,
    live: usize,
}

impl Immediates {
    pub(crate) fn new() -> Immediates {
        Immediates {
            queue: VecDeque::new(),
            running: VecDeque::new(),
            next_id: 0,
            live: 0,
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, task: Task) -> ImmediateId {
        let id = self.next_id;
        self.next_id += 1;
        self.queue.push_back((id, Some(task)));
        self.live += 1;
        ImmediateId(id)
    }

    /// An id that never named a queued immediate (for one refused by a dropped loop):
    /// clearing it is a no-op.
    pub(crate) fn spent_id(&mut self) -> ImmediateId {
        let id = self.next_id;
        self.next_id += 1;
        ImmediateId(id)
    }

    /// Takes the callback of a queued immediate out, or `None` if it already ran or was
    /// cleared.
    pub(crate) fn cancel(&mut self, id: ImmediateId) -> Option<Task> {
        for deque in [&mut self.running, &mut self.queue] {
            if let Ok(i) = deque.binary_search_by_key(&id.0, |(id, _)| *id) {
                let task = deque[i].1.take();
                if task.is_some() {
                    self.live -= 1;
                }
                return task;
            }
        }
        None
    }

    /// How many immediates are queued and not cleared.
    #[inline]
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Starts the check phase: everything queued so far runs in this phase, after what a
    /// cut-short phase left; immediates queued from now on wait for the next turn.
    pub(crate) fn start_check(&mut self) {
        if self.running.is_empty() {
            std::mem::swap(&mut self.queue, &mut self.running);
        } else {
            self.running.append(&mut self.queue);
        }
    }

    /// The next callback of this check phase.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Task> {
        while let Some((_, task)) = self.running.pop_front() {
            if let Some(task) = task {
                self.live -= 1;
                return Some(task);
            }
        }
        None
    }

    /// Removes everything (to be dropped by the caller, outside any borrow).
    pub(crate) fn take_all(&mut self) -> Vec<Task> {
        self.live = 0;
        self.running
            .drain(..)
            .chain(self.queue.drain(..))
            .filter_map(|(_, t)| t)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_in_either_deque_and_count_live() {
        let mut im = Immediates::new();
        let a = im.push(Box::new(|| {}));
        let b = im.push(Box::new(|| {}));
        im.start_check();
        let c = im.push(Box::new(|| {}));
        assert_eq!(im.live(), 3);
        assert!(im.cancel(b).is_some());
        assert!(im.cancel(b).is_none());
        assert!(im.cancel(c).is_some());
        assert_eq!(im.live(), 1);
        assert!(im.pop().is_some());
        assert!(im.pop().is_none());
        assert!(im.cancel(a).is_none());
        assert_eq!(im.live(), 0);
    }
}

//! The next-tick queue (and the close-callback queue, which has the same shape).
//!
//! A queue is two deques: `queue`, where new tasks go, and `running`, the batch being run.
//! A drain takes the whole queue as a batch and pops one task at a time with a short
//! borrow, so no borrow is held while a task runs, the work per batch is bounded, and a
//! batch cut short (by an error or a panic) keeps its unrun tasks in order for the next
//! drain. Both deques keep their capacity, so a steady loop does not allocate for them.
//!
//! Work owed by code that panicked ([`push_owed`](TaskQueue::push_owed)) goes ahead of
//! everything queued: it is the rest of what was running.

use std::collections::VecDeque;

/// A deferred callback that runs on the loop thread.
pub(crate) type Task = Box<dyn FnOnce()>;

/// A FIFO of tasks drained in batches.
pub(crate) struct TaskQueue<T> {
    queue: VecDeque<T>,
    running: VecDeque<T>,
    /// How many owed tasks were put at the front of `running` since a task was last
    /// taken: the next owed task goes after them.
    owed: usize,
}

impl<T> TaskQueue<T> {
    pub(crate) fn new() -> TaskQueue<T> {
        TaskQueue {
            queue: VecDeque::new(),
            running: VecDeque::new(),
            owed: 0,
        }
    }

    /// Queues a task.
    #[inline]
    pub(crate) fn push(&mut self, task: T) {
        self.queue.push_back(task);
    }

    /// Queues the rest of the work of code that panicked, to run before every other task:
    /// had the code not panicked, that work would have run before them. The tasks owed
    /// while one panic unwinds (the innermost caller's first) keep their order.
    pub(crate) fn push_owed(&mut self, task: T) {
        let at = self.owed.min(self.running.len());
        self.running.insert(at, task);
        self.owed = at + 1;
    }

    /// Whether no task is queued or left in the current batch.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty() && self.running.is_empty()
    }

    /// The next task of the current batch; when the batch is done, takes the queue as the
    /// next batch if `refill` is set. `None` when there is nothing to run.
    #[inline]
    pub(crate) fn pop(&mut self, refill: bool) -> Option<T> {
        self.owed = 0;
        if let Some(task) = self.running.pop_front() {
            return Some(task);
        }
        if refill && !self.queue.is_empty() {
            std::mem::swap(&mut self.queue, &mut self.running);
            return self.running.pop_front();
        }
        None
    }

    /// Starts a batch: everything queued so far (after what is left of the last batch).
    /// Tasks queued from now on wait for the next batch.
    pub(crate) fn start_batch(&mut self) {
        if self.running.is_empty() {
            std::mem::swap(&mut self.queue, &mut self.running);
        } else {
            self.running.append(&mut self.queue);
        }
    }

    /// Removes every task (to be dropped by the caller, outside any borrow).
    pub(crate) fn take_all(&mut self) -> (VecDeque<T>, VecDeque<T>) {
        (
            std::mem::take(&mut self.running),
            std::mem::take(&mut self.queue),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_then_new_tasks_in_fifo_order() {
        let mut q = TaskQueue::new();
        q.push(1);
        q.push(2);
        assert_eq!(q.pop(true), Some(1));
        q.push(3);
        assert_eq!(q.pop(true), Some(2));
        assert_eq!(q.pop(false), None);
        assert_eq!(q.pop(true), Some(3));
        assert!(q.is_empty());
    }

    #[test]
    fn owed_tasks_go_first_in_the_order_they_were_owed() {
        let mut q = TaskQueue::new();
        q.push(1);
        q.push(2);
        assert_eq!(q.pop(true), Some(1));
        // One unwinding owes 10 (innermost), then 11.
        q.push_owed(10);
        q.push_owed(11);
        q.push(3);
        assert_eq!(q.pop(true), Some(10));
        // Running 10 panics again, owing 20: before 11, the rest of the first unwinding.
        q.push_owed(20);
        assert_eq!(q.pop(true), Some(20));
        assert_eq!(q.pop(true), Some(11));
        assert_eq!(q.pop(true), Some(2));
        assert_eq!(q.pop(true), Some(3));
        // Owed with nothing running: ahead of the queue.
        q.push(4);
        q.push_owed(30);
        assert_eq!(q.pop(true), Some(30));
        assert_eq!(q.pop(true), Some(4));
        assert!(q.is_empty());
    }

    #[test]
    fn start_batch_keeps_leftovers_first() {
        let mut q = TaskQueue::new();
        q.push(1);
        q.push(2);
        q.start_batch();
        assert_eq!(q.pop(false), Some(1));
        q.push(3);
        q.start_batch();
        assert_eq!(q.pop(false), Some(2));
        assert_eq!(q.pop(false), Some(3));
        assert_eq!(q.pop(false), None);
    }
}

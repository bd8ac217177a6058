//! The queue of writes waiting their turn (Node's `state.buffered`).

use std::collections::VecDeque;

use super::callbacks::UserCallback;

/// One buffered write: the chunk, what it adds to `writableLength`, and its callback.
pub(crate) struct Entry<T> {
    pub(crate) chunk: T,
    pub(crate) len: usize,
    pub(crate) callback: Option<UserCallback>,
}

/// A FIFO of [`Entry`]s. Its storage is kept between bursts, so a steady stream of writes
/// that queue up behind a slow sink allocates nothing once the queue has grown.
pub(crate) struct Buffered<T> {
    entries: VecDeque<Entry<T>>,
}

impl<T> Buffered<T> {
    pub(crate) fn new() -> Self {
        Buffered {
            entries: VecDeque::new(),
        }
    }

    pub(crate) fn push(&mut self, entry: Entry<T>) {
        self.entries.push_back(entry);
    }

    /// Puts an entry back at the front (a batch the sink handed back).
    pub(crate) fn push_front(&mut self, entry: Entry<T>) {
        self.entries.push_front(entry);
    }

    pub(crate) fn pop(&mut self) -> Option<Entry<T>> {
        self.entries.pop_front()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes every entry out, in order, leaving the storage in place.
    pub(crate) fn drain_all(&mut self) -> std::collections::vec_deque::Drain<'_, Entry<T>> {
        self.entries.drain(..)
    }

    /// Forgets every entry (their callbacks are dropped uncalled).
    pub(crate) fn reset(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn iter(&self) -> std::collections::vec_deque::Iter<'_, Entry<T>> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_and_reset() {
        let mut b = Buffered::new();
        for i in 0..3 {
            b.push(Entry {
                chunk: i,
                len: 1,
                callback: None,
            });
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.pop().map(|e| e.chunk), Some(0));
        let rest: Vec<i32> = b.drain_all().map(|e| e.chunk).collect();
        assert_eq!(rest, [1, 2]);
        assert!(b.is_empty());
        b.push(Entry {
            chunk: 9,
            len: 1,
            callback: None,
        });
        b.reset();
        assert!(b.is_empty());
    }
}

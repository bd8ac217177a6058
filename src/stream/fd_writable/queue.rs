//! The batch in flight: the chunks the sink has not yet written, how far into the first
//! one the kernel got, and the descriptors waiting to ride on their chunks.

use std::collections::VecDeque;
use std::os::fd::OwnedFd;

use bytes::Bytes;

use super::Core;
use crate::stream::writable::{Kept, WriteCallback};

/// A chunk's descriptors still to be sent, by the chunk's ordinal among every chunk the sink
/// has received.
#[derive(Debug)]
pub(super) struct Attachment {
    pub(super) ordinal: u64,
    pub(super) fds: VecDeque<OwnedFd>,
}

/// The batch in flight and the descriptors waiting to ride on their chunks.
#[derive(Default)]
pub(super) struct Queue {
    /// The unwritten chunks of the batch in flight, in order.
    pub(super) chunks: VecDeque<Bytes>,
    /// Bytes of `chunks[0]` already written.
    pub(super) offset: usize,
    /// The ordinal of `chunks[0]`.
    pub(super) front: u64,
    /// How many chunks the sink has received in all (the next one's ordinal).
    pub(super) received: u64,
    /// Completes the batch in flight (weak: the loop holds the stream meanwhile).
    pub(super) cb: Option<Kept<WriteCallback>>,
    /// Descriptors queued with a chunk, by ordinal, ascending.
    pub(super) attachments: VecDeque<Attachment>,
}

impl Queue {
    /// Drops `n` written bytes from the front of the batch in flight; returns how many of
    /// them lay beyond it.
    pub(super) fn skip(&mut self, mut n: usize) -> usize {
        while n > 0 {
            let Some(front) = self.chunks.front() else {
                break;
            };
            let rest = front.len() - self.offset;
            if n < rest {
                self.offset += n;
                return 0;
            }
            n -= rest;
            self.chunks.pop_front();
            self.front += 1;
            self.offset = 0;
        }
        n
    }
}

impl Core {
    /// Drops the batch in flight and every queued descriptor (closing our copies).
    pub(super) fn clear_queue(&self) {
        let mut q = self.queue.borrow_mut();
        q.front += q.chunks.len() as u64;
        q.chunks.clear();
        q.offset = 0;
        q.attachments.clear();
    }
}

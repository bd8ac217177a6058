//! Writing the batch in flight to the fd: [`Core::pump`] runs the crate's fd funnel (and
//! `sendmsg` for a chunk that carries descriptors) until the batch is done, the kernel is
//! full, the budget is spent or the write failed; [`Core::drive`] acts on the outcome;
//! [`Core::on_ready`] is the loop's readiness callback.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::rc::Rc;

use super::Core;
use crate::error::{Error, ErrorCode};
use crate::fdpass::MAX_FDS;
use crate::reactor::{PostAction, IO_BUDGET};
use crate::stream::shared_fd::Ready;
use crate::stream::writable::{Kept, WriteCallback};
use crate::sys::{socket, write_chunks, WriteStop};

/// What one [`Core::pump`] achieved.
pub(super) enum Pump {
    /// Nothing left of the batch (its callback, if one was waiting).
    Done(Option<WriteCallback>),
    /// The kernel is full: wait for readiness.
    Blocked,
    /// The budget ran out with more to write: go again next turn.
    Budget,
    /// The write failed.
    Failed(io::Error, Option<WriteCallback>),
}

impl Core {
    /// Writes what the queue holds until done, blocked, failed or out of budget.
    ///
    /// No user code runs here; the caller completes the callback afterwards.
    pub(super) fn pump(&self) -> Pump {
        let fd_ref = self.fd.borrow();
        let Some(fd) = fd_ref.as_ref().map(AsFd::as_fd) else {
            let cb = self.queue.borrow_mut().cb.take().and_then(Kept::take);
            return Pump::Failed(Error::from_code(ErrorCode::Destroyed).into(), cb);
        };
        let mut q = self.queue.borrow_mut();
        let mut calls = 0usize;
        loop {
            if q.chunks.is_empty() {
                return Pump::Done(q.cb.take().and_then(Kept::take));
            }
            if calls >= IO_BUDGET {
                return Pump::Budget;
            }
            let front = q.front;
            let carries = q
                .attachments
                .front()
                .is_some_and(|a| a.ordinal == front && !a.fds.is_empty());
            if carries {
                // This chunk's descriptors (the next batch of at most 253) ride on the next
                // byte of the chunk: the first byte, or, past 253 descriptors, one byte per
                // batch. A sendmsg that sends any byte delivers them, so they are closed here
                // and never sent again.
                let q = &mut *q;
                let att = q.attachments.front_mut().expect("checked");
                let batches = att.fds.len().div_ceil(MAX_FDS);
                let take = att.fds.len().min(MAX_FDS);
                let chunk = &q.chunks[0];
                let data = if batches > 1 {
                    &chunk[q.offset..q.offset + 1]
                } else {
                    &chunk[q.offset..]
                };
                let borrowed: Vec<BorrowedFd<'_>> =
                    att.fds.iter().take(take).map(AsFd::as_fd).collect();
                let sent = crate::fdpass::send_with_fds(fd, data, &borrowed);
                drop(borrowed);
                calls += 1;
                match sent {
                    Ok(n) => {
                        att.fds.drain(..take);
                        if att.fds.is_empty() {
                            q.attachments.pop_front();
                        }
                        q.offset += n;
                        if q.offset == q.chunks[0].len() {
                            q.chunks.pop_front();
                            q.front += 1;
                            q.offset = 0;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Pump::Blocked,
                    Err(e) => return Pump::Failed(e, q.cb.take().and_then(Kept::take)),
                }
                continue;
            }
            // Plain chunks, up to the next chunk that carries descriptors.
            let limit = q
                .attachments
                .front()
                .map_or(q.chunks.len(), |a| (a.ordinal - front) as usize);
            let out = write_chunks(
                fd,
                self.kind,
                q.offset,
                q.chunks.iter().take(limit).map(|b| &b[..]),
            );
            calls += 1;
            let done = out.progress.completed;
            q.chunks.drain(..done);
            q.front += done as u64;
            q.offset = out.progress.offset;
            match out.stop {
                WriteStop::Done => {}
                WriteStop::WouldBlock => return Pump::Blocked,
                WriteStop::Budget => return Pump::Budget,
                WriteStop::Error(e) => return Pump::Failed(e, q.cb.take().and_then(Kept::take)),
            }
        }
    }

    /// Runs [`pump`](Core::pump) and acts on the outcome: completes the batch, waits for the
    /// fd, or schedules the next turn. Returns what the readiness callback should return.
    ///
    /// With `settle_later`, a batch that completes (or fails) is not completed here but left
    /// in `settled` for [`Core::flush`].
    pub(super) fn drive(self: &Rc<Self>, from_readiness: bool, settle_later: bool) -> PostAction {
        let outcome = self.pump();
        let pending = !self.queue.borrow().chunks.is_empty();
        if let Some(fd) = self.fd.borrow().as_ref() {
            // A write in flight keeps the loop alive, as a libuv write request does.
            fd.set_ref(pending);
            // Node refreshes a socket's idle timer when a write completes, and while a
            // write progresses its timeout is put off (`_onTimeout`).
            fd.note_active();
        }
        match outcome {
            Pump::Done(cb) => {
                match cb {
                    Some(cb) if settle_later => {
                        self.settled.set(Some((Kept::new(&self.lp, cb), None)))
                    }
                    Some(cb) => cb.ok(),
                    None => {}
                }
                PostAction::Continue
            }
            // An unregistered fd (a regular file) gets no readiness to wait for.
            Pump::Blocked if !self.polled => {
                self.schedule_kick();
                PostAction::Continue
            }
            Pump::Blocked => PostAction::Continue,
            Pump::Budget if from_readiness => PostAction::Again,
            Pump::Budget => {
                self.schedule_kick();
                PostAction::Continue
            }
            Pump::Failed(err, cb) => {
                self.clear_queue();
                match cb {
                    Some(cb) if settle_later => self.settled.set(Some((
                        Kept::new(&self.lp, cb),
                        Some(Error::syscall_failed(err, "write")),
                    ))),
                    Some(cb) => cb.error(Error::syscall_failed(err, "write")),
                    None => {}
                }
                PostAction::Continue
            }
        }
    }

    /// Continues on a later turn without waiting for an edge (the budget ran out outside a
    /// readiness callback).
    fn schedule_kick(self: &Rc<Self>) {
        if self.kick_scheduled.replace(true) {
            return;
        }
        let me = self.clone();
        self.lp.set_immediate(move || {
            me.kick_scheduled.set(false);
            if !me.queue.borrow().chunks.is_empty() {
                me.drive(false, false);
            }
        });
    }

    /// The readiness callback: a connect decided, or room to write.
    pub(super) fn on_ready(self: &Rc<Self>) -> PostAction {
        if self.connecting.borrow().is_some() {
            match self.with_fd(|fd| socket::connect_result(fd)) {
                Some(Ok(false)) | None => return PostAction::Continue,
                Some(Ok(true)) => self.connected(None),
                Some(Err(err)) => self.connected(Some(err)),
            }
            return PostAction::Continue;
        }
        if self.queue.borrow().chunks.is_empty() {
            return PostAction::Continue;
        }
        self.drive(true, false)
    }
}

impl Ready for Core {
    fn ready(self: Rc<Self>) -> PostAction {
        self.on_ready()
    }
}

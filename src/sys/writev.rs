//! The funnel's write half: every write on a registered fd goes through here.
//!
//! mio is edge-triggered, so an fd must be driven until the kernel says `WouldBlock`, or the
//! next readiness edge never comes. [`write_chunks`] does exactly that, with a per-call
//! budget so one busy fd cannot starve the loop (its read twin is [`super::read`]):
//!
//! - [`write_chunks`] hands a queue of chunks to the kernel with `writev` (`sendmsg` on
//!   sockets), up to [`IOV_MAX`] chunks and [`MAX_BYTES_PER_CALL`] bytes per call (runs of
//!   chunks under 512 bytes are first copied together into one 64 KiB staging buffer, as a
//!   C program batching its writes would), and reports
//!   exactly which chunks went ([`Progress`]): a partial write leaves the rest of the queue
//!   alone and says how far into the next chunk it got.
//!
//! `EINTR` is retried. `WouldBlock` is control flow, never an error.
//!
//! # SIGPIPE
//!
//! Writing to a pipe or socket whose reader is gone raises `SIGPIPE`, whose default action
//! kills the process. Node (like every libuv program) ignores `SIGPIPE` process-wide at
//! startup; Rust's runtime does the same for Rust binaries, but a library can be embedded in
//! a host that did not, and changing a process's signal dispositions behind its back is not a
//! library's call. So nodestream flips no switch:
//!
//! - sockets are written with `sendmsg(MSG_NOSIGNAL)`, which never raises the signal;
//! - ttys, character devices and regular files never raise it (the kernel raises it for
//!   pipes and sockets only), so they are written with plain `writev`;
//! - pipes and FIFOs (which have no `MSG_NOSIGNAL`) are written under a [`SigpipeGuard`]:
//!   `SIGPIPE` is blocked in the writing thread for the duration of one [`write_chunks`]
//!   call, a `SIGPIPE` raised by an `EPIPE` is taken off the pending set with a zero-timeout
//!   `sigtimedwait`, and the thread's mask is restored. The write reports `EPIPE` and the
//!   process lives, whatever its disposition.
//!
//! That costs three cheap syscalls (`sigpending` and two `pthread_sigmask`) per funnel call on
//! a pipe, not per chunk, and is skipped when it cannot matter: when the process's `SIGPIPE`
//! disposition is `SIG_IGN` (the default for Rust binaries, and for every libuv program such
//! as Node) a raised `SIGPIPE` is discarded by the kernel, so the write goes unguarded. The
//! disposition is read with one `sigaction` query (which changes nothing), and inside a loop
//! run the answer is reused for at most 64 funnel calls and never past the end of a loop
//! turn (see [`sigpipe_ignored_cached`]): a pipe that keeps up is written once per batch,
//! and a syscall per batch spent asking the same question was a tenth of a fast writer's
//! time. So a host that changes the disposition (a handler, or back to `SIG_DFL`) from a
//! loop callback is guarded from the next loop turn on, or within 64 writes if it did so in
//! the middle of a long turn. Writes to a pipe made outside a run (before `run`, between two
//! `dispatch` calls) ask every time; writes that cannot raise the signal (a synchronous
//! stdout on a file or a terminal) never ask. (Another thread changing it *during* one of
//! our writes is the other race left.)

use std::cell::Cell;
use std::io::{self, IoSlice};
use std::os::fd::BorrowedFd;

use rustix::net::{SendAncillaryBuffer, SendFlags};
use smallvec::SmallVec;

use super::fd::FdKind;
use super::raw::{sigpipe_ignored_cached, SigpipeGuard};

/// The most iovecs one `writev` takes (Linux's `IOV_MAX`).
pub(crate) const IOV_MAX: usize = 1024;

/// The most bytes one `writev` is offered, so a huge queue does not pin the loop in one call.
pub(crate) const MAX_BYTES_PER_CALL: usize = 4 * 1024 * 1024;

/// How many `writev` calls one [`write_chunks`] call makes before yielding to the loop: the
/// loop's per-turn budget, [`IO_BUDGET`](super::IO_BUDGET).
pub(crate) const WRITE_BUDGET: usize = super::IO_BUDGET;

/// How far a [`write_chunks`] call got through the queue it was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Bytes the kernel took in this call.
    pub(crate) bytes: usize,
    /// How many chunks, from the front of the queue, are now written completely.
    pub(crate) completed: usize,
    /// How many bytes of the next chunk (the first not completed) are written, counting the
    /// `first_offset` the call was given when no chunk completed.
    pub(crate) offset: usize,
}

/// Why a [`write_chunks`] call returned.
#[derive(Debug)]
pub(crate) enum WriteStop {
    /// Every chunk was written.
    Done,
    /// The kernel buffer is full: wait for writable readiness, then call again.
    WouldBlock,
    /// [`WRITE_BUDGET`] calls were made and the kernel still takes more: no readiness edge
    /// will come, so the caller must schedule the next call itself (say, as an immediate).
    Budget,
    /// The write failed (`EPIPE`, `ECONNRESET`, `ENOSPC`, ...); [`Progress`] counts what went
    /// before it.
    Error(io::Error),
}

/// The result of a [`write_chunks`] call.
#[derive(Debug)]
pub(crate) struct WriteOutcome {
    /// What went.
    pub(crate) progress: Progress,
    /// Why the call stopped.
    pub(crate) stop: WriteStop,
}

/// One slice of the queue offered to the kernel: a chunk, or the written-through tail of one,
/// or (past the per-call byte cap) a head of one.
#[derive(Debug)]
struct Entry<'a> {
    bytes: &'a [u8],
    /// This slice runs to the end of its chunk: writing it completes the chunk.
    ends_chunk: bool,
}

/// Writes a queue of chunks to `fd` with as few syscalls as the kernel allows; see the module
/// docs.
///
/// `chunks` is the queue in order; `first_offset` is how many bytes of the first chunk were
/// written by an earlier call. The iterator is only consumed as far as needed.
///
/// Returns what went ([`Progress`]) and why it stopped ([`WriteStop`]). Empty chunks complete
/// as soon as everything before them has.
///
/// # Panics
///
/// If `first_offset` is larger than the first chunk.
pub(crate) fn write_chunks<'a, I>(
    fd: BorrowedFd<'_>,
    kind: FdKind,
    first_offset: usize,
    chunks: I,
) -> WriteOutcome
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut chunks = chunks.into_iter();
    let mut progress = Progress {
        bytes: 0,
        completed: 0,
        offset: first_offset,
    };
    // Slices pulled from `chunks` but not yet written (from `window[head]` on), and the
    // untaken rest of a chunk that did not fit under the byte cap. Inline storage and a head
    // index instead of a queue: a typical batch (a high-water mark of chunks) costs no
    // allocation.
    let mut window: Window<'a> = SmallVec::new();
    let mut head = 0usize;
    let mut window_bytes = 0usize;
    let mut carry: Option<&'a [u8]> = chunks.next().map(|first| {
        assert!(
            first_offset <= first.len(),
            "first_offset {first_offset} past the first chunk ({} bytes)",
            first.len()
        );
        &first[first_offset..]
    });
    // Small chunks are copied into one staging buffer, so the kernel walks a few large
    // iovecs instead of hundreds of tiny ones. The buffer is the thread's, lent for the call.
    let mut staging = Staging::lend();
    let mut segments: SmallVec<[Segment<'a>; INLINE_SLICES]> = SmallVec::new();
    let mut guard: Option<SigpipeGuard> = None;
    // Whether this call has decided on the SIGPIPE guard yet (decided at its first write).
    let mut guard_decided = false;
    let mut calls = 0usize;

    loop {
        // Refill the window up to the iovec and byte caps.
        if head > 0 {
            window.drain(..head);
            head = 0;
        }
        while window.len() - head < IOV_MAX && window_bytes < MAX_BYTES_PER_CALL {
            let Some(slice) = carry.take().or_else(|| chunks.next()) else {
                break;
            };
            let take = slice.len().min(MAX_BYTES_PER_CALL - window_bytes);
            window.push(Entry {
                bytes: &slice[..take],
                ends_chunk: take == slice.len(),
            });
            window_bytes += take;
            if take < slice.len() {
                carry = Some(&slice[take..]);
            }
        }
        if head == window.len() {
            return WriteOutcome {
                progress,
                stop: WriteStop::Done,
            };
        }
        if window_bytes == 0 {
            // Only empty chunks: they complete without a syscall.
            head = retire(&mut window, head, &mut progress, 0);
            continue;
        }
        if calls == WRITE_BUDGET {
            return WriteOutcome {
                progress,
                stop: WriteStop::Budget,
            };
        }

        plan_segments(&window[head..], &mut staging.0, &mut segments);
        let iov: SmallVec<[IoSlice<'_>; INLINE_SLICES]> = segments
            .iter()
            .map(|segment| match *segment {
                Segment::Staged(start, end) => IoSlice::new(&staging.0[start..end]),
                Segment::Direct(bytes) => IoSlice::new(bytes),
            })
            .collect();
        let result = match kind {
            FdKind::Socket => rustix::net::sendmsg(
                fd,
                &iov,
                &mut SendAncillaryBuffer::default(),
                SendFlags::NOSIGNAL | SendFlags::DONTWAIT,
            ),
            FdKind::Other => rustix::io::writev(fd, &iov),
            FdKind::Pipe => {
                if !guard_decided {
                    guard_decided = true;
                    if !sigpipe_ignored_cached() {
                        match SigpipeGuard::new() {
                            Ok(g) => guard = Some(g),
                            Err(e) => {
                                return WriteOutcome {
                                    progress,
                                    stop: WriteStop::Error(e),
                                }
                            }
                        }
                    }
                }
                rustix::io::writev(fd, &iov)
            }
        };
        drop(iov);
        calls += 1;
        match result {
            Ok(0) => {
                return WriteOutcome {
                    progress,
                    stop: WriteStop::Error(io::ErrorKind::WriteZero.into()),
                }
            }
            Ok(n) => {
                window_bytes -= n;
                head = retire(&mut window, head, &mut progress, n);
            }
            Err(rustix::io::Errno::INTR) => calls -= 1,
            Err(rustix::io::Errno::AGAIN) => {
                return WriteOutcome {
                    progress,
                    stop: WriteStop::WouldBlock,
                }
            }
            Err(errno) => {
                if errno == rustix::io::Errno::PIPE {
                    if let Some(guard) = guard.as_mut() {
                        guard.consume_epipe();
                    }
                }
                return WriteOutcome {
                    progress,
                    stop: WriteStop::Error(errno.into()),
                };
            }
        }
    }
}

/// How many iovecs a `writev` keeps inline before its lists spill to the heap: a high-water
/// mark's worth of 1 KiB chunks is 16, and staged runs of small chunks take one each.
const INLINE_SLICES: usize = 64;

/// How many slices of the queue a call keeps inline: the default high-water mark's worth
/// of 100-byte chunks is 164 (6 KiB of stack).
const INLINE_WINDOW: usize = 256;

/// The slices of the queue offered to the kernel, in order.
type Window<'a> = SmallVec<[Entry<'a>; INLINE_WINDOW]>;

thread_local! {
    /// The staging buffer of the thread's funnel calls, kept between calls so a run of
    /// small writes does not allocate 64 KiB per `writev`.
    static STAGING: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The thread's staging buffer, lent to one [`write_chunks`] call and given back on drop (a
/// nested call, which cannot happen today, would get an empty one of its own).
struct Staging(Vec<u8>);

impl Staging {
    fn lend() -> Staging {
        Staging(STAGING.with(Cell::take))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.0);
        if buf.capacity() > 0 {
            STAGING.with(|slot| slot.set(buf));
        }
    }
}

/// Chunks shorter than this are copied into the staging buffer rather than given their own
/// iovec: for 100-byte chunks the copy costs less than the kernel's walk over 600 iovecs.
const SMALL_CHUNK: usize = 512;

/// The most bytes staged per `writev` (a pipe's default capacity).
const STAGING_CAPACITY: usize = 64 * 1024;

/// One iovec of a `writev`: a run of small chunks copied into the staging buffer, or a chunk
/// given as it is.
#[derive(Debug)]
enum Segment<'a> {
    Staged(usize, usize),
    Direct(&'a [u8]),
}

/// Plans the iovecs for the window: runs of small chunks are copied, in order, into `staging`
/// (up to [`STAGING_CAPACITY`] bytes), everything else is given directly. The bytes offered are
/// exactly the window's bytes in order, so a partial write retires entries as usual.
fn plan_segments<'a>(
    window: &[Entry<'a>],
    staging: &mut Vec<u8>,
    segments: &mut SmallVec<[Segment<'a>; INLINE_SLICES]>,
) {
    staging.clear();
    segments.clear();
    for entry in window.iter().filter(|e| !e.bytes.is_empty()) {
        let len = entry.bytes.len();
        if len < SMALL_CHUNK && staging.len() + len <= STAGING_CAPACITY {
            if staging.capacity() == 0 {
                // Once per thread: the buffer is kept (see `Staging`).
                staging.reserve_exact(STAGING_CAPACITY);
            }
            let start = staging.len();
            staging.extend_from_slice(entry.bytes);
            match segments.last_mut() {
                Some(Segment::Staged(_, end)) if *end == start => *end = staging.len(),
                _ => segments.push(Segment::Staged(start, staging.len())),
            }
        } else {
            segments.push(Segment::Direct(entry.bytes));
        }
    }
}

/// Takes `n` written bytes off the front of `window[head..]`, counting completed chunks;
/// returns the new head.
fn retire(
    window: &mut [Entry<'_>],
    mut head: usize,
    progress: &mut Progress,
    mut n: usize,
) -> usize {
    progress.bytes += n;
    while let Some(front) = window.get_mut(head) {
        if front.bytes.len() <= n {
            n -= front.bytes.len();
            if front.ends_chunk {
                progress.completed += 1;
                progress.offset = 0;
            } else {
                progress.offset += front.bytes.len();
            }
            head += 1;
        } else {
            front.bytes = &front.bytes[n..];
            progress.offset += n;
            break;
        }
    }
    head
}

#[cfg(test)]
mod tests {
    use std::os::fd::{AsFd, OwnedFd};

    use super::*;
    use crate::sys::read::{read_until_blocked, ReadStop};
    use crate::sys::testing::{isolated, nonblocking_pipe as pipe, pattern};
    use crate::sys::testing::{
        sigpipe_blocked, sigpipe_default, sigpipe_ignore, sigpipe_is_pending,
    };

    /// Reads everything the pipe holds right now.
    fn drain(fd: &OwnedFd) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 65536];
        let r = read_until_blocked(fd.as_fd(), FdKind::Pipe, &mut buf, usize::MAX, |b| {
            out.extend_from_slice(b)
        });
        assert!(matches!(r.stop, ReadStop::WouldBlock), "{r:?}");
        assert_eq!(r.bytes, out.len());
        out
    }

    #[test]
    fn coalesces_many_chunks_into_few_writes_with_exact_bytes() {
        isolated!(
            coalesces_many_chunks_into_few_writes_with_exact_bytes,
            || {
                let (r, w) = pipe();
                // 300 chunks of assorted sizes (some empty), 30 KiB in all: fits in the pipe.
                let chunks: Vec<Vec<u8>> =
                    (0..300).map(|i| pattern((i * 7) % 200, i as u8)).collect();
                let total: usize = chunks.iter().map(Vec::len).sum();
                let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, chunks.iter().map(|c| &c[..]));
                assert!(matches!(out.stop, WriteStop::Done), "{out:?}");
                assert_eq!(
                    out.progress,
                    Progress {
                        bytes: total,
                        completed: 300,
                        offset: 0
                    }
                );
                assert_eq!(drain(&r), chunks.concat());
            }
        );
    }

    #[test]
    fn more_chunks_than_iov_max_all_go_in_order() {
        isolated!(more_chunks_than_iov_max_all_go_in_order, || {
            let (r, w) = pipe();
            // 3000 chunks of 10 bytes: three writev calls' worth of iovecs.
            let chunks: Vec<Vec<u8>> = (0..3000).map(|i| pattern(10, i as u8)).collect();
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, chunks.iter().map(|c| &c[..]));
            assert!(matches!(out.stop, WriteStop::Done), "{out:?}");
            assert_eq!(out.progress.completed, 3000);
            assert_eq!(drain(&r), chunks.concat());
        });
    }

    #[test]
    fn partial_write_reports_exactly_which_chunks_completed() {
        isolated!(partial_write_reports_exactly_which_chunks_completed, || {
            // Staged (small), direct (large) and mixed chunk sizes.
            for sizes in [&[100usize][..], &[1000], &[7, 2000, 511, 512, 90]] {
                partial_then_resume(sizes);
            }
        });
    }

    /// Writes chunks of the given sizes (cycled), 3x a pipe's capacity, with nobody reading:
    /// the first call stops part way; its progress must match the bytes the pipe holds; then
    /// resuming from that progress delivers the rest, once, in order.
    fn partial_then_resume(sizes: &[usize]) {
        let (r, w) = pipe();
        let capacity = rustix::pipe::fcntl_getpipe_size(&w).unwrap();
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut total = 0;
        for (i, &size) in sizes.iter().cycle().enumerate() {
            if total >= capacity * 3 {
                break;
            }
            chunks.push(pattern(size, i as u8));
            total += size;
        }
        let all = chunks.concat();
        let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, chunks.iter().map(|c| &c[..]));
        assert!(matches!(out.stop, WriteStop::WouldBlock), "{out:?}");
        let p = out.progress;
        assert!(p.bytes > 0 && p.bytes <= capacity, "{p:?}");
        let done_bytes: usize = chunks[..p.completed].iter().map(Vec::len).sum();
        assert_eq!(done_bytes + p.offset, p.bytes, "{sizes:?}");
        assert!(p.offset < chunks[p.completed].len());
        assert_eq!(drain(&r), all[..p.bytes]);

        let mut got = Vec::new();
        let mut done = p.completed;
        let mut offset = p.offset;
        loop {
            let out = write_chunks(
                w.as_fd(),
                FdKind::Pipe,
                offset,
                chunks[done..].iter().map(|c| &c[..]),
            );
            done += out.progress.completed;
            offset = out.progress.offset;
            got.extend(drain(&r));
            match out.stop {
                WriteStop::Done => break,
                WriteStop::WouldBlock => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(done, chunks.len());
        assert_eq!(offset, 0);
        assert!(got == all[p.bytes..], "{sizes:?}");
    }

    #[test]
    fn small_chunks_are_staged_in_runs_and_large_ones_go_direct() {
        let small = [1u8; 10];
        let big = [2u8; SMALL_CHUNK];
        let window: Vec<Entry<'_>> = [&small[..], &small, &[][..], &big, &small, &big]
            .into_iter()
            .map(|bytes| Entry {
                bytes,
                ends_chunk: true,
            })
            .collect();
        let mut staging = Vec::new();
        let mut segments = SmallVec::new();
        plan_segments(&window, &mut staging, &mut segments);
        let shape: Vec<String> = segments
            .iter()
            .map(|s| match s {
                Segment::Staged(a, b) => format!("staged {a}..{b}"),
                Segment::Direct(bytes) => format!("direct {}", bytes.len()),
            })
            .collect();
        assert_eq!(
            shape,
            ["staged 0..20", "direct 512", "staged 20..30", "direct 512"]
        );
        assert_eq!(staging, [1u8; 30]);

        // Past the staging capacity, small chunks go direct.
        let many: Vec<Entry<'_>> = (0..700)
            .map(|_| Entry {
                bytes: &[3u8; 100][..],
                ends_chunk: true,
            })
            .collect();
        plan_segments(&many, &mut staging, &mut segments);
        assert_eq!(staging.len(), STAGING_CAPACITY / 100 * 100);
        assert_eq!(segments.len(), 1 + (700 - STAGING_CAPACITY / 100));
    }

    #[test]
    fn a_chunk_past_the_byte_cap_is_split_across_calls() {
        isolated!(a_chunk_past_the_byte_cap_is_split_across_calls, || {
            // A socket with a reader thread: 9 MiB in one chunk needs three capped calls.
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let big = pattern(9 * 1024 * 1024 + 5, 7);
            let reader = std::thread::spawn(move || {
                use std::io::Read;
                let mut got = Vec::new();
                (&b).read_to_end(&mut got).unwrap();
                got
            });
            let mut offset = 0;
            loop {
                let out = write_chunks(a.as_fd(), FdKind::Socket, offset, [&big[..]]);
                match out.stop {
                    WriteStop::Done => {
                        assert_eq!(out.progress.completed, 1);
                        break;
                    }
                    WriteStop::WouldBlock | WriteStop::Budget => {
                        assert_eq!(out.progress.completed, 0);
                        offset = out.progress.offset;
                        std::thread::yield_now();
                    }
                    WriteStop::Error(e) => panic!("{e}"),
                }
            }
            drop(a);
            assert!(reader.join().unwrap() == big);
        });
    }

    #[test]
    fn empty_chunks_complete_only_after_what_precedes_them() {
        isolated!(empty_chunks_complete_only_after_what_precedes_them, || {
            let (_r, w) = pipe();
            // Fill the pipe first.
            let filler = vec![0u8; 1 << 20];
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&filler[..]]);
            assert!(matches!(out.stop, WriteStop::WouldBlock));
            // Now a non-empty chunk that cannot go, then an empty one: neither completes.
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b"x"[..], &b""[..]]);
            assert!(matches!(out.stop, WriteStop::WouldBlock));
            assert_eq!(out.progress, Progress::default());
            // Only empty chunks: all complete with no syscall, even on a full pipe.
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b""[..], &b""[..]]);
            assert!(matches!(out.stop, WriteStop::Done));
            assert_eq!(out.progress.completed, 2);
        });
    }

    #[test]
    fn epipe_on_a_pipe_is_an_error_and_the_process_lives() {
        isolated!(epipe_on_a_pipe_is_an_error_and_the_process_lives, || {
            // As a C host would leave it: SIGPIPE kills. This child runs only this test.
            sigpipe_default();
            let (r, w) = pipe();
            drop(r);
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b"hello"[..]]);
            match out.stop {
                WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                other => panic!("{other:?}"),
            }
            assert_eq!(out.progress, Progress::default());
            assert!(!sigpipe_is_pending(), "the SIGPIPE was not consumed");
            assert!(!sigpipe_blocked(), "the thread's mask was not restored");
            // Twice, to show nothing was left behind by the first.
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b"again"[..]]);
            assert!(matches!(out.stop, WriteStop::Error(_)));
            assert!(!sigpipe_is_pending());
        });
    }

    #[test]
    fn epipe_is_guarded_again_once_sigpipe_is_no_longer_ignored() {
        isolated!(
            epipe_is_guarded_again_once_sigpipe_is_no_longer_ignored,
            || {
                // Ignored, as in a Rust binary: the write goes unguarded and fails with EPIPE.
                sigpipe_ignore();
                assert!(crate::sys::raw::sigpipe_ignored());
                let (r, w) = pipe();
                drop(r);
                let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b"one"[..]]);
                match out.stop {
                    WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                    other => panic!("{other:?}"),
                }
                // The host puts the default (kill) back; the loop's next turn forgets the
                // cached answer. The next call must guard again, or this child dies of
                // SIGPIPE and the test fails.
                crate::sys::testing::set_sigpipe(libc::SIG_DFL);
                crate::sys::forget_sigpipe_answer();
                assert!(!crate::sys::raw::sigpipe_ignored());
                let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b"two"[..]]);
                match out.stop {
                    WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                    other => panic!("{other:?}"),
                }
                assert!(!sigpipe_is_pending(), "the SIGPIPE was not consumed");
                assert!(!sigpipe_blocked(), "the thread's mask was not restored");
            }
        );
    }

    #[test]
    fn the_sigpipe_answer_is_reused_for_a_bounded_number_of_calls_and_forgotten_each_turn() {
        use crate::sys::raw::{
            forget_sigpipe_answer, reuse_sigpipe_answer, sigpipe_ignored_cached,
            SIGPIPE_ANSWER_USES,
        };
        use crate::sys::testing::{set_sigpipe, sigpipe_answer};
        isolated!(
            the_sigpipe_answer_is_reused_for_a_bounded_number_of_calls_and_forgotten_each_turn,
            || {
                sigpipe_ignore();
                // Inside a loop run (the window the loop opens for each run).
                let window = reuse_sigpipe_answer();
                assert!(sigpipe_ignored_cached());
                assert_eq!(sigpipe_answer(), (true, SIGPIPE_ANSWER_USES - 1));
                // Changed behind the cache's back: the answer is stale for the rest of its
                // uses, then asked again.
                set_sigpipe(libc::SIG_DFL);
                for _ in 1..SIGPIPE_ANSWER_USES {
                    assert!(sigpipe_ignored_cached());
                }
                assert!(!sigpipe_ignored_cached(), "asked again after its uses");
                // A loop turn forgets the answer at once.
                set_sigpipe(libc::SIG_IGN);
                assert!(!sigpipe_ignored_cached());
                forget_sigpipe_answer();
                assert!(sigpipe_ignored_cached());
                // The end of the run forgets it too.
                drop(window);
                assert_eq!(sigpipe_answer(), (false, 0), "the run's end forgot it");
                // Outside a run every call asks.
                for disposition in [libc::SIG_DFL, libc::SIG_IGN, libc::SIG_DFL] {
                    set_sigpipe(disposition);
                    assert_eq!(sigpipe_ignored_cached(), disposition == libc::SIG_IGN);
                    assert_eq!(sigpipe_answer().1, 0, "reused outside a run");
                }
                // run() opens the window and closes it.
                let lp = crate::EventLoop::new().unwrap();
                lp.handle().set_immediate(|| {
                    assert!(!sigpipe_ignored_cached());
                    assert_eq!(sigpipe_answer(), (false, SIGPIPE_ANSWER_USES - 1));
                });
                lp.run().unwrap();
                assert_eq!(sigpipe_answer(), (false, 0), "run() forgot it");
                set_sigpipe(libc::SIG_IGN);
                assert!(sigpipe_ignored_cached());
            }
        );
    }

    /// Only a pipe can raise `SIGPIPE` among the fds written with plain `writev`: a write to
    /// a character device (a synchronous stdout on a terminal or a file) never asks the
    /// disposition, inside a run or out, so it costs no `sigaction`.
    #[test]
    fn only_a_pipe_asks_whether_sigpipe_is_ignored() {
        use crate::sys::raw::{reuse_sigpipe_answer, SIGPIPE_ANSWER_USES};
        use crate::sys::testing::sigpipe_answer;
        isolated!(only_a_pipe_asks_whether_sigpipe_is_ignored, || {
            sigpipe_ignore();
            let _window = reuse_sigpipe_answer();
            let null = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .unwrap();
            let kind = FdKind::of(&null).unwrap();
            assert_eq!(kind, FdKind::Other);
            let out = write_chunks(null.as_fd(), kind, 0, [&b"x"[..]]);
            assert!(matches!(out.stop, WriteStop::Done));
            assert_eq!(sigpipe_answer(), (false, 0), "a character device asked");
            let (_r, w) = pipe();
            let out = write_chunks(w.as_fd(), FdKind::Pipe, 0, [&b"x"[..]]);
            assert!(matches!(out.stop, WriteStop::Done));
            assert_eq!(sigpipe_answer(), (true, SIGPIPE_ANSWER_USES - 1));
        });
    }

    #[test]
    fn epipe_on_a_socket_raises_no_signal() {
        isolated!(epipe_on_a_socket_raises_no_signal, || {
            sigpipe_default();
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            drop(b);
            let out = write_chunks(a.as_fd(), FdKind::Socket, 0, [&b"hello"[..]]);
            match out.stop {
                WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                other => panic!("{other:?}"),
            }
            assert!(!sigpipe_is_pending());
        });
    }
}

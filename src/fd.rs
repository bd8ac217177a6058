//! The nonblocking I/O funnel: every read and write on a registered fd goes through here.
//!
//! mio is edge-triggered, so an fd must be driven until the kernel says `WouldBlock`, or the
//! next readiness edge never comes. The two functions of this module do exactly that, with a
//! per-call budget so one busy fd cannot starve the loop:
//!
//! - [`write_chunks`] hands a queue of chunks to the kernel with `writev` (`sendmsg` on
//!   sockets), up to [`IOV_MAX`] chunks and [`MAX_BYTES_PER_CALL`] bytes per call (runs of
//!   chunks under 512 bytes are first copied together into one 64 KiB staging buffer, as a
//!   C program batching its writes would), and reports
//!   exactly which chunks went ([`Progress`]): a partial write leaves the rest of the queue
//!   alone and says how far into the next chunk it got.
//! - [`read_until_blocked`] reads until `WouldBlock`, end of file, an error or
//!   [`READ_BUDGET`] reads; [`with_read_buffer`] lends the thread's one shared read buffer,
//!   so an idle stream holds no buffer of its own.
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
//! - every other fd (pipes, ttys, character devices; they have no `MSG_NOSIGNAL`) is written
//!   under a [`SigpipeGuard`]: `SIGPIPE` is blocked in the writing
//!   thread for the duration of one [`write_chunks`] call, a `SIGPIPE` raised by an `EPIPE` is
//!   taken off the pending set with a zero-timeout `sigtimedwait`, and the thread's mask is
//!   restored. The write reports `EPIPE` and the process lives, whatever its disposition.
//!
//! That costs three cheap syscalls (`sigpending` and two `pthread_sigmask`) per funnel call on
//! a pipe, not per chunk, and is skipped when it cannot matter: when the process's `SIGPIPE`
//! disposition is `SIG_IGN` (the default for Rust binaries, and for every libuv program such
//! as Node) a raised `SIGPIPE` is discarded by the kernel, so the write goes unguarded. The
//! disposition is read with one `sigaction` query (which changes nothing), and the answer
//! is reused for at most 64 funnel calls and never past the end of a loop turn (see
//! [`sigpipe_ignored_cached`](crate::sys::sigpipe_ignored_cached)): a pipe that keeps up is
//! written once per batch, and a syscall per batch spent asking the same question was a
//! tenth of a fast writer's time. So a host that changes the disposition (a handler, or back
//! to `SIG_DFL`) is guarded from the next loop turn on, or within 64 writes if it did so in
//! the middle of a long turn. (Another thread changing it *during* one of our writes is the
//! other race left.)
#![allow(dead_code)] // The fd-backed streams call this module; until they land, only tests do.

use std::cell::{Cell, RefCell};
use std::io::{self, IoSlice};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, OFlags};
use rustix::net::{RecvFlags, SendAncillaryBuffer, SendFlags};
use smallvec::SmallVec;

use crate::sys::{sigpipe_ignored_cached, SigpipeGuard};

/// The most iovecs one `writev` takes (Linux's `IOV_MAX`).
pub(crate) const IOV_MAX: usize = 1024;

/// The most bytes one `writev` is offered, so a huge queue does not pin the loop in one call.
pub(crate) const MAX_BYTES_PER_CALL: usize = 4 * 1024 * 1024;

/// How many `writev` calls one [`write_chunks`] call makes before yielding to the loop: the
/// loop's per-turn budget, [`IO_BUDGET`](crate::IO_BUDGET).
pub(crate) const WRITE_BUDGET: usize = crate::IO_BUDGET;

/// How many reads one [`read_until_blocked`] call makes before yielding (libuv's 32).
pub(crate) const READ_BUDGET: usize = crate::IO_BUDGET;

/// An owned fd that can be registered with the loop (a mio [`Source`](mio::event::Source)).
///
/// Closing it (dropping it) also takes it out of the poll, as long as no duplicate of it is
/// registered; deregister first when the fd lives on.
#[derive(Debug)]
pub(crate) struct FdSource(pub(crate) OwnedFd);

impl AsFd for FdSource {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl mio::event::Source for FdSource {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

/// How the funnel talks to an fd: sockets get `send`/`recv` flags, everything else plain
/// `writev`/`read`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FdKind {
    /// A socket: written with `sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT)`, read with
    /// `recv(MSG_DONTWAIT)`, so it need not even be in nonblocking mode.
    Socket,
    /// A pipe, tty, character device or anything else: `writev` under a SIGPIPE guard, and
    /// `read`. Must be in nonblocking mode.
    Other,
}

impl FdKind {
    /// Finds out what `fd` is, with one `fstat`.
    ///
    /// # Errors
    ///
    /// Whatever `fstat` reports (`EBADF` cannot happen for a live `AsFd`).
    pub(crate) fn of(fd: impl AsFd) -> io::Result<FdKind> {
        let stat = rustix::fs::fstat(fd)?;
        Ok(match FileType::from_raw_mode(stat.st_mode) {
            FileType::Socket => FdKind::Socket,
            _ => FdKind::Other,
        })
    }
}

/// Puts `fd`'s open file description in nonblocking mode (or takes it out).
///
/// The flag belongs to the open file description, which `dup` and `fork` share: see
/// `crate::stdio` before calling this on an fd someone else also holds.
///
/// # Errors
///
/// Whatever `fcntl` reports.
pub(crate) fn set_nonblocking(fd: impl AsFd, on: bool) -> io::Result<()> {
    let fd = fd.as_fd();
    let flags = rustix::fs::fcntl_getfl(fd)?;
    let wanted = if on {
        flags | OFlags::NONBLOCK
    } else {
        flags - OFlags::NONBLOCK
    };
    if wanted != flags {
        rustix::fs::fcntl_setfl(fd, wanted)?;
    }
    Ok(())
}

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
            FdKind::Other => {
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

/// Bytes asked of the kernel per read (libuv's 64 KiB): the size of the shared read buffer.
pub(crate) const READ_SIZE: usize = 64 * 1024;

thread_local! {
    /// The read buffer every fd stream of this thread reads into (libuv's callers do the
    /// same with one `alloc_cb` buffer per loop): made at the first read, kept for the
    /// thread's life.
    static READ_BUFFER: RefCell<Option<Box<[u8]>>> = const { RefCell::new(None) };
}

/// Calls `f` with this thread's shared [`READ_SIZE`]-byte read buffer.
///
/// A stream reads into it and copies out exactly the bytes it got (a `Bytes` of that
/// length), so a stream costs no buffer while idle, and thousands of streams share one
/// cache-warm 64 KiB. `f` must not run user code (it is the stream's own bookkeeping); a
/// nested call (which would mean it did) gets a fresh buffer rather than a borrow panic.
pub(crate) fn with_read_buffer<R>(f: impl FnOnce(&mut [u8]) -> R) -> R {
    READ_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => {
            let buf = slot.get_or_insert_with(|| vec![0u8; READ_SIZE].into_boxed_slice());
            f(buf)
        }
        Err(_) => f(&mut vec![0u8; READ_SIZE]),
    })
}

/// Why a [`read_until_blocked`] call returned.
#[derive(Debug)]
pub(crate) enum ReadStop {
    /// Nothing more to read now: wait for readable readiness.
    WouldBlock,
    /// End of file: the peer closed (or shut down) its writing side.
    Eof,
    /// [`READ_BUDGET`] reads were made and there may be more: the caller must schedule the
    /// next call itself, as no readiness edge will come.
    Budget,
    /// The read failed (`ECONNRESET`, `EIO`, ...).
    Error(io::Error),
}

/// The result of a [`read_until_blocked`] call.
#[derive(Debug)]
pub(crate) struct ReadOutcome {
    /// Bytes read in this call (all of them passed to the sink).
    pub(crate) bytes: usize,
    /// Why the call stopped.
    pub(crate) stop: ReadStop,
}

/// Reads from `fd` into `buf` until `WouldBlock`, end of file, an error or `budget` reads,
/// handing each read's bytes to `sink` as they come.
///
/// `sink` is the stream's own bookkeeping (append to a buffer, queue a `'data'`), not user
/// code: the stream emits events after this returns, with no borrow held.
pub(crate) fn read_until_blocked(
    fd: BorrowedFd<'_>,
    kind: FdKind,
    buf: &mut [u8],
    budget: usize,
    mut sink: impl FnMut(&[u8]),
) -> ReadOutcome {
    let mut bytes = 0;
    let mut reads = 0;
    loop {
        if reads == budget {
            return ReadOutcome {
                bytes,
                stop: ReadStop::Budget,
            };
        }
        let result = match kind {
            FdKind::Socket => rustix::net::recv(fd, &mut *buf, RecvFlags::DONTWAIT).map(|(n, _)| n),
            FdKind::Other => rustix::io::read(fd, &mut *buf),
        };
        match result {
            Ok(0) if !buf.is_empty() => {
                return ReadOutcome {
                    bytes,
                    stop: ReadStop::Eof,
                }
            }
            Ok(n) => {
                reads += 1;
                bytes += n;
                sink(&buf[..n]);
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => {
                return ReadOutcome {
                    bytes,
                    stop: ReadStop::WouldBlock,
                }
            }
            Err(errno) => {
                return ReadOutcome {
                    bytes,
                    stop: ReadStop::Error(errno.into()),
                }
            }
        }
    }
}

/// Test support shared by the fd-touching unit tests of this crate.
#[cfg(test)]
pub(crate) mod testing {
    use std::process::Command;

    /// The environment variable that tells a re-executed test binary which test to run alone.
    const ISOLATED: &str = "NODESTREAM_ISOLATED_TEST";

    /// Asserts that `fd` is nonblocking and close-on-exec, as every fd the crate makes is.
    pub(crate) fn assert_nonblocking_cloexec(fd: impl std::os::fd::AsFd) {
        let fd = fd.as_fd();
        assert!(rustix::fs::fcntl_getfl(fd)
            .unwrap()
            .contains(rustix::fs::OFlags::NONBLOCK));
        assert!(rustix::io::fcntl_getfd(fd)
            .unwrap()
            .contains(rustix::io::FdFlags::CLOEXEC));
    }

    /// The number of open fds of this process.
    pub(crate) fn fd_count() -> usize {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter(|e| {
                // libtest reads /proc/self/cgroup and /sys/fs/cgroup files on its main thread
                // (available_parallelism) while the first tests run: those fds come and go and
                // are never ours. An fd that closed before readlink was transient too.
                e.as_ref()
                    .ok()
                    .and_then(|e| std::fs::read_link(e.path()).ok())
                    .is_some_and(|t| !t.starts_with("/proc/") && !t.starts_with("/sys/"))
            })
            .count()
    }

    /// Runs `body` alone in a child process (this test binary, re-executed to run only the
    /// test `path`, on one thread), and checks there that the body leaves the number of open
    /// fds as it found it. Unit tests share one process with every other test of the crate,
    /// whose fds come and go at any moment; a child process has only ours. Tests that change
    /// signal state run there too.
    ///
    /// `path` is the test's path as `module_path!()` spells it plus `::name`.
    pub(crate) fn run_isolated(path: &str, body: impl FnOnce()) {
        let name = path.split_once("::").map_or(path, |(_, rest)| rest);
        if std::env::var(ISOLATED).as_deref() == Ok(name) {
            let before = fd_count();
            body();
            assert_eq!(fd_count(), before, "{name} leaked fds");
            return;
        }
        let out = Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--test-threads=1", "--nocapture"])
            .env(ISOLATED, name)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "isolated test {name} failed: {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
            out.status
        );
    }

    /// Runs `body` in a child process as [`run_isolated`] does, naming the test by its function.
    macro_rules! isolated {
        ($name:ident, $body:expr) => {
            $crate::fd::testing::run_isolated(
                concat!(module_path!(), "::", stringify!($name)),
                $body,
            )
        };
    }
    pub(crate) use isolated;
}

#[cfg(test)]
mod tests {
    use super::testing::isolated;
    use super::*;
    use crate::sys::testing::{
        sigpipe_blocked, sigpipe_default, sigpipe_ignore, sigpipe_is_pending,
    };
    use rustix::pipe::{pipe_with, PipeFlags};

    fn pipe() -> (OwnedFd, OwnedFd) {
        pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap()
    }

    /// Reads everything the pipe holds right now.
    fn drain(fd: &OwnedFd) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 65536];
        let r = read_until_blocked(fd.as_fd(), FdKind::Other, &mut buf, usize::MAX, |b| {
            out.extend_from_slice(b)
        });
        assert!(matches!(r.stop, ReadStop::WouldBlock), "{r:?}");
        assert_eq!(r.bytes, out.len());
        out
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    }

    #[test]
    fn fd_kind_tells_sockets_from_pipes_and_files() {
        isolated!(fd_kind_tells_sockets_from_pipes_and_files, || {
            let (r, w) = pipe();
            assert_eq!(FdKind::of(&r).unwrap(), FdKind::Other);
            assert_eq!(FdKind::of(&w).unwrap(), FdKind::Other);
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            assert_eq!(FdKind::of(&a).unwrap(), FdKind::Socket);
            let null = std::fs::File::open("/dev/null").unwrap();
            assert_eq!(FdKind::of(&null).unwrap(), FdKind::Other);
        });
    }

    #[test]
    fn set_nonblocking_round_trips_the_flag() {
        isolated!(set_nonblocking_round_trips_the_flag, || {
            let (r, _w) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC).unwrap();
            let nb = |fd: &OwnedFd| {
                rustix::fs::fcntl_getfl(fd)
                    .unwrap()
                    .contains(OFlags::NONBLOCK)
            };
            assert!(!nb(&r));
            set_nonblocking(&r, true).unwrap();
            assert!(nb(&r));
            set_nonblocking(&r, false).unwrap();
            assert!(!nb(&r));
        });
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
                let out = write_chunks(w.as_fd(), FdKind::Other, 0, chunks.iter().map(|c| &c[..]));
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
            let out = write_chunks(w.as_fd(), FdKind::Other, 0, chunks.iter().map(|c| &c[..]));
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
        let out = write_chunks(w.as_fd(), FdKind::Other, 0, chunks.iter().map(|c| &c[..]));
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
                FdKind::Other,
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
    fn the_read_buffer_is_shared_by_the_thread_and_a_nested_call_gets_its_own() {
        let first = with_read_buffer(|buf| {
            assert_eq!(buf.len(), READ_SIZE);
            buf[0] = 7;
            buf.as_ptr() as usize
        });
        let (again, nested, seen) = with_read_buffer(|buf| {
            let nested = with_read_buffer(|inner| {
                assert_eq!(inner.len(), READ_SIZE);
                inner.as_ptr() as usize
            });
            (buf.as_ptr() as usize, nested, buf[0])
        });
        assert_eq!(first, again, "one buffer per thread");
        assert_eq!(seen, 7);
        assert_ne!(
            nested, again,
            "a nested call must not alias the outer buffer"
        );
        let other = std::thread::spawn(|| with_read_buffer(|buf| buf.as_ptr() as usize))
            .join()
            .unwrap();
        assert_ne!(other, first, "each thread has its own");
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
            let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&filler[..]]);
            assert!(matches!(out.stop, WriteStop::WouldBlock));
            // Now a non-empty chunk that cannot go, then an empty one: neither completes.
            let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&b"x"[..], &b""[..]]);
            assert!(matches!(out.stop, WriteStop::WouldBlock));
            assert_eq!(out.progress, Progress::default());
            // Only empty chunks: all complete with no syscall, even on a full pipe.
            let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&b""[..], &b""[..]]);
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
            let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&b"hello"[..]]);
            match out.stop {
                WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                other => panic!("{other:?}"),
            }
            assert_eq!(out.progress, Progress::default());
            assert!(!sigpipe_is_pending(), "the SIGPIPE was not consumed");
            assert!(!sigpipe_blocked(), "the thread's mask was not restored");
            // Twice, to show nothing was left behind by the first.
            let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&b"again"[..]]);
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
                assert!(crate::sys::sigpipe_ignored());
                let (r, w) = pipe();
                drop(r);
                let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&b"one"[..]]);
                match out.stop {
                    WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                    other => panic!("{other:?}"),
                }
                // The host puts the default (kill) back; the loop's next turn forgets the
                // cached answer. The next call must guard again, or this child dies of
                // SIGPIPE and the test fails.
                crate::sys::testing::set_sigpipe(libc::SIG_DFL);
                crate::sys::forget_sigpipe_answer();
                assert!(!crate::sys::sigpipe_ignored());
                let out = write_chunks(w.as_fd(), FdKind::Other, 0, [&b"two"[..]]);
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
        use crate::sys::testing::{set_sigpipe, sigpipe_answer};
        use crate::sys::{forget_sigpipe_answer, sigpipe_ignored_cached, SIGPIPE_ANSWER_USES};
        isolated!(
            the_sigpipe_answer_is_reused_for_a_bounded_number_of_calls_and_forgotten_each_turn,
            || {
                sigpipe_ignore();
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
                set_sigpipe(libc::SIG_DFL);
                let lp = crate::EventLoop::new().unwrap();
                lp.handle().set_immediate(|| {});
                lp.run().unwrap();
                assert_eq!(sigpipe_answer(), (false, 0), "run() forgot it");
                assert!(!sigpipe_ignored_cached());
            }
        );
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

    #[test]
    fn read_stops_at_budget_then_would_block_then_eof() {
        isolated!(read_stops_at_budget_then_would_block_then_eof, || {
            let (r, w) = pipe();
            let data = pattern(5000, 3);
            assert_eq!(rustix::io::write(&w, &data).unwrap(), 5000);
            let mut buf = [0u8; 100];
            let mut got = Vec::new();
            let out = read_until_blocked(r.as_fd(), FdKind::Other, &mut buf, READ_BUDGET, |b| {
                got.extend_from_slice(b)
            });
            assert!(matches!(out.stop, ReadStop::Budget), "{out:?}");
            assert_eq!(out.bytes, 3200);
            let out = read_until_blocked(r.as_fd(), FdKind::Other, &mut buf, READ_BUDGET, |b| {
                got.extend_from_slice(b)
            });
            assert!(matches!(out.stop, ReadStop::WouldBlock), "{out:?}");
            assert_eq!(got, data);
            drop(w);
            let out = read_until_blocked(r.as_fd(), FdKind::Other, &mut buf, READ_BUDGET, |_| {
                panic!("no data after EOF")
            });
            assert!(matches!(out.stop, ReadStop::Eof), "{out:?}");
        });
    }

    #[test]
    fn socket_reads_need_no_nonblocking_mode() {
        isolated!(socket_reads_need_no_nonblocking_mode, || {
            // A blocking socket, as an inherited stdin may be: recv(MSG_DONTWAIT) never waits.
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            let mut buf = [0u8; 64];
            let out = read_until_blocked(a.as_fd(), FdKind::Socket, &mut buf, READ_BUDGET, |_| {});
            assert!(matches!(out.stop, ReadStop::WouldBlock), "{out:?}");
            rustix::io::write(&b, b"ping").unwrap();
            let mut got = Vec::new();
            let out = read_until_blocked(a.as_fd(), FdKind::Socket, &mut buf, READ_BUDGET, |d| {
                got.extend_from_slice(d)
            });
            assert!(matches!(out.stop, ReadStop::WouldBlock));
            assert_eq!(got, b"ping");
            rustix::net::shutdown(&b, rustix::net::Shutdown::Write).unwrap();
            let out = read_until_blocked(a.as_fd(), FdKind::Socket, &mut buf, READ_BUDGET, |_| {});
            assert!(matches!(out.stop, ReadStop::Eof));
        });
    }
}

//! Every raw call of the main crate, and all of its `unsafe`.
//!
//! This module provides:
//! - [`SigpipeGuard`]: blocks `SIGPIPE` in the calling thread around writes to pipes (which,
//!   unlike sockets, have no `MSG_NOSIGNAL`; the kernel raises the signal for nothing else)
//!   and swallows the `SIGPIPE` that an `EPIPE` raised, so a reader that went away gives an error instead of killing the process. The
//!   process's signal dispositions are never changed; the thread's mask is restored.
//! - [`sigpipe_ignored`]: whether the process ignores `SIGPIPE` (one `sigaction` query), so the
//!   guard can be skipped when the signal could not do harm anyway; [`sigpipe_ignored_cached`]
//!   reuses that answer for a bounded number of calls, only while a loop runs on the thread
//!   ([`SigpipeAnswerReuse`]), and forgotten at every loop turn.
//! - [`close`]: `close(2)` that reports its error, which dropping an [`OwnedFd`] throws away
//!   (a file on NFS may report a failed write only at close).
//! - [`tokio_readable`] (feature `tokio`): an owned fd registered with tokio's reactor, whose
//!   constructor tokio marks `unsafe`.
//! - [`exit_signal`]: the signal that ended a child, as rustix's `Signal`.
//!
//! Everything else the crate asks of the OS goes through rustix's safe wrappers.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::io;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::os::fd::{IntoRawFd, OwnedFd};
use std::ptr;

/// Closes `fd`, reporting the error `close(2)` gives.
///
/// On Linux the descriptor is released even when `close` fails, `EINTR` included, so it is
/// never retried (a retry could close a descriptor another thread just opened); `EINTR` is
/// reported as success, since nothing was lost.
///
/// # Errors
///
/// `EIO`, `ENOSPC`, `EDQUOT`: an earlier write did not reach the disk.
pub(crate) fn close(fd: OwnedFd) -> io::Result<()> {
    let raw = fd.into_raw_fd();
    // SAFETY: `raw` came from an `OwnedFd` we own and gave up, so nothing else closes it or
    // uses it after this call.
    if unsafe { libc::close(raw) } == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::Interrupted {
        Ok(())
    } else {
        Err(err)
    }
}

/// Whether `SIGPIPE`'s disposition is `SIG_IGN` right now (Rust binaries set it so before
/// `main`, as every libuv program does). One `rt_sigaction` query that changes nothing; an
/// error (which cannot happen for a valid signal) reads as "not ignored", the safe answer.
///
/// An ignored signal is discarded when it is raised, so a write that fails with `EPIPE`
/// cannot kill the process or reach a handler: such writes need no [`SigpipeGuard`].
pub(crate) fn sigpipe_ignored() -> bool {
    let mut old = MaybeUninit::<libc::sigaction>::uninit();
    // SAFETY: a null new action only reads the current one into `old`, a valid, writable
    // `sigaction`, which the call fills on success; SIGPIPE is a valid signal number.
    let rc = unsafe { libc::sigaction(libc::SIGPIPE, ptr::null(), old.as_mut_ptr()) };
    if rc != 0 {
        return false;
    }
    // SAFETY: the call succeeded, so `old` is initialised.
    let old = unsafe { old.assume_init() };
    old.sa_sigaction == libc::SIG_IGN
}

/// How many [`sigpipe_ignored_cached`] calls one `sigaction` answer serves at most.
pub(crate) const SIGPIPE_ANSWER_USES: u32 = 64;

thread_local! {
    /// The last [`sigpipe_ignored`] answer of this thread, and how many more calls may use it.
    static SIGPIPE_ANSWER: Cell<(bool, u32)> = const { Cell::new((false, 0)) };
    /// How many [`SigpipeAnswerReuse`] windows are open on this thread (loops running).
    static REUSE_WINDOWS: Cell<u32> = const { Cell::new(0) };
}

/// [`sigpipe_ignored`], asked afresh for every call made outside a loop run, and inside one
/// at most once per [`SIGPIPE_ANSWER_USES`] calls and again after every
/// [`forget_sigpipe_answer`] (the loop calls it at each turn).
///
/// The query is a syscall, and a pipe writer that keeps up calls the funnel once per batch,
/// tens of thousands of times a second from the loop's callbacks: reusing the answer there
/// takes that syscall off the hot path. The cost is a bounded window inside a run: a host
/// that puts `SIGPIPE` back to its default from a callback is guarded from the next turn
/// on, or after at most `SIGPIPE_ANSWER_USES - 1` more funnel calls, whichever comes first.
/// Outside a run (a write made between two `dispatch` calls, or before `run`), the host
/// may have changed anything since the last call, and nothing marks it: the answer is
/// never reused there. Whether a run is under way is known only on the slow path, where
/// the syscall is made anyway, so the reused answer costs what it did.
pub(crate) fn sigpipe_ignored_cached() -> bool {
    SIGPIPE_ANSWER.with(|slot| {
        let (answer, uses) = slot.get();
        if uses > 0 {
            slot.set((answer, uses - 1));
            return answer;
        }
        let answer = sigpipe_ignored();
        let uses = if REUSE_WINDOWS.with(Cell::get) > 0 {
            SIGPIPE_ANSWER_USES - 1
        } else {
            0
        };
        slot.set((answer, uses));
        answer
    })
}

/// While one is held, [`sigpipe_ignored_cached`] on this thread may reuse its answer: the
/// event loop holds one for each run (`run`, `run_once`, `run_for`, `dispatch`). Opening
/// and closing it forget the answer, so no answer read inside a run is used after it, and
/// none read before it is used inside. `!Send`: it counts this thread's runs.
#[derive(Debug)]
pub(crate) struct SigpipeAnswerReuse {
    _thread: PhantomData<*const ()>,
}

/// Opens a [`SigpipeAnswerReuse`] window.
pub(crate) fn reuse_sigpipe_answer() -> SigpipeAnswerReuse {
    forget_sigpipe_answer();
    REUSE_WINDOWS.with(|n| n.set(n.get() + 1));
    SigpipeAnswerReuse {
        _thread: PhantomData,
    }
}

impl Drop for SigpipeAnswerReuse {
    fn drop(&mut self) {
        REUSE_WINDOWS.with(|n| n.set(n.get() - 1));
        forget_sigpipe_answer();
    }
}

/// Makes the next [`sigpipe_ignored_cached`] call on this thread ask the kernel again.
pub(crate) fn forget_sigpipe_answer() {
    SIGPIPE_ANSWER.with(|slot| slot.set((false, 0)));
}

/// A `sigset_t` holding only `SIGPIPE`.
fn sigpipe_set() -> libc::sigset_t {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigemptyset` initialises the whole set it is given, and `set` is a valid,
    // writable `sigset_t`; `sigaddset` then only needs an initialised set and a valid signal.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
        set.assume_init()
    }
}

/// Whether `SIGPIPE` is pending for this thread or the process.
fn sigpipe_pending() -> io::Result<bool> {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigpending` fills the set it is given; on success it is initialised.
    if unsafe { libc::sigpending(set.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `sigpending` succeeded, so `set` is initialised.
    let set = unsafe { set.assume_init() };
    // SAFETY: `set` is an initialised set and SIGPIPE a valid signal number.
    Ok(unsafe { libc::sigismember(&set, libc::SIGPIPE) } == 1)
}

/// Blocks `SIGPIPE` in the current thread while it lives; see the module docs.
///
/// The technique: note whether a `SIGPIPE` was already pending, block it, write; after an
/// `EPIPE` (call [`SigpipeGuard::consume_epipe`]) take the signal the write raised off the
/// pending set with a zero-timeout `sigtimedwait`, unless one was pending before (standard
/// signals do not queue, so then there is nothing of ours to take); on drop put the mask back.
/// A signal the kernel raised for our write is directed at this thread, so it never reaches
/// another thread or a handler the user installed.
#[derive(Debug)]
pub(crate) struct SigpipeGuard {
    /// The mask to restore, if we changed it (`None` when `SIGPIPE` was already blocked).
    old_mask: Option<libc::sigset_t>,
    /// A `SIGPIPE` was pending before we started: it is not ours to consume.
    pending_before: bool,
}

impl SigpipeGuard {
    /// Blocks `SIGPIPE` in this thread until the guard is dropped.
    pub(crate) fn new() -> io::Result<SigpipeGuard> {
        let pending_before = sigpipe_pending()?;
        let set = sigpipe_set();
        let mut old = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: `set` is initialised; `old` is a valid out-pointer that the call fills on
        // success (its return value is an error number, not -1/errno).
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, old.as_mut_ptr()) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        // SAFETY: `pthread_sigmask` succeeded and wrote the previous mask into `old`.
        let old = unsafe { old.assume_init() };
        // SAFETY: `old` is an initialised set and SIGPIPE a valid signal number.
        let was_blocked = unsafe { libc::sigismember(&old, libc::SIGPIPE) } == 1;
        Ok(SigpipeGuard {
            old_mask: if was_blocked { None } else { Some(old) },
            pending_before,
        })
    }

    /// Takes the `SIGPIPE` that a write which failed with `EPIPE` raised off the pending set.
    pub(crate) fn consume_epipe(&mut self) {
        if self.pending_before {
            return;
        }
        let set = sigpipe_set();
        let timeout = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        loop {
            // SAFETY: `set` is initialised and SIGPIPE is blocked in this thread (we blocked
            // it, or it already was); a null `info` pointer is allowed; `timeout` is valid.
            let rc = unsafe { libc::sigtimedwait(&set, ptr::null_mut(), &timeout) };
            if rc == libc::SIGPIPE {
                // Taken; a second one cannot be pending (standard signals do not queue).
                self.pending_before = true;
                return;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                // EAGAIN: nothing pending (say, the reader closed between our write and a
                // signal that was then never raised). Nothing to do.
                return;
            }
        }
    }
}

impl Drop for SigpipeGuard {
    fn drop(&mut self) {
        if let Some(old) = self.old_mask.take() {
            // SAFETY: `old` is the initialised mask `pthread_sigmask` gave us in `new`.
            unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, ptr::null_mut()) };
        }
    }
}

/// Registers `fd` with the current tokio runtime's reactor for readability.
///
/// # Errors
///
/// The registration's error (`epoll_ctl`), the fd being closed with it.
///
/// # Panics
///
/// Outside a tokio runtime (tokio's rule).
#[cfg(feature = "tokio")]
pub(crate) fn tokio_readable(fd: OwnedFd) -> io::Result<tokio::io::unix::AsyncFd<OwnedFd>> {
    // SAFETY: tokio asks that the fd stay open, and be the one `as_raw_fd` returns, for as
    // long as the `AsyncFd` lives. The `AsyncFd` owns `fd`: an `OwnedFd` is open until it is
    // dropped (by the `AsyncFd`, after it deregisters) and its number never changes. Leaking
    // the `AsyncFd` leaks the fd with it, so the number is never reused under tokio.
    let registered = unsafe {
        tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE)
    };
    registered.map_err(io::Error::from)
}

/// The [`Signal`](rustix::process::Signal) of a signal number the kernel reported as the
/// one that ended a process (`ExitStatus::signal`); `None` for a number that is no signal.
pub(crate) fn exit_signal(raw: i32) -> Option<rustix::process::Signal> {
    if !(1..=libc::SIGRTMAX()).contains(&raw) {
        return None;
    }
    // SAFETY: `raw` is a nonzero signal number in the kernel's range, reported by the
    // kernel itself; the result is only compared and displayed, never used to send, block
    // or handle a signal the libc reserves.
    Some(unsafe { rustix::process::Signal::from_raw_unchecked(raw) })
}

/// Test support: signal state a test needs to set up and check.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Sets `SIGPIPE` to its default action (kill the process), as a C program starts with.
    /// Only for tests that run alone in a child process.
    pub(crate) fn sigpipe_default() {
        set_sigpipe(libc::SIG_DFL);
        forget_sigpipe_answer();
    }

    /// Sets `SIGPIPE`'s disposition and nothing else: the funnel's cached answer stays, as
    /// when a host changes it in the middle of a loop turn.
    pub(crate) fn set_sigpipe(disposition: libc::sighandler_t) {
        // SAFETY: the callers pass SIG_DFL or SIG_IGN, valid dispositions for SIGPIPE that
        // involve no handler.
        unsafe { libc::signal(libc::SIGPIPE, disposition) };
    }

    /// Sets `SIGPIPE` to be ignored, as Rust binaries and libuv programs start with. Only
    /// for tests that run alone in a child process.
    pub(crate) fn sigpipe_ignore() {
        set_sigpipe(libc::SIG_IGN);
        forget_sigpipe_answer();
    }

    /// The cached answer and its remaining uses.
    pub(crate) fn sigpipe_answer() -> (bool, u32) {
        SIGPIPE_ANSWER.with(Cell::get)
    }

    /// Whether `SIGPIPE` is blocked in this thread's signal mask.
    pub(crate) fn sigpipe_blocked() -> bool {
        let mut old = MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: a null new set only reads the mask into `old`, which it fills on success.
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, ptr::null(), old.as_mut_ptr()) };
        assert_eq!(rc, 0);
        // SAFETY: the call succeeded, so `old` is initialised; SIGPIPE is a valid signal.
        unsafe { libc::sigismember(old.as_ptr(), libc::SIGPIPE) == 1 }
    }

    /// Whether `SIGPIPE` is pending.
    pub(crate) fn sigpipe_is_pending() -> bool {
        sigpipe_pending().unwrap()
    }
}

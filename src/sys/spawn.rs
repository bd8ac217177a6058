//! Child processes with piped stdio, for streams over a child's stdin, stdout and stderr.
//!
//! [`spawn`] starts a [`Command`] with its stdin and stdout connected to pipes
//! ([`spawn_with`]: each of stdin, stdout and stderr piped, inherited or `/dev/null`, as
//! [`StdioKind`] says) and keeps the parent's ends as [`OwnedFd`]s, close-on-exec and in nonblocking mode, ready for the fd
//! funnel and the loop. The child's ends are blocking, as programs expect. Each pipe end is
//! its own open file description, so making the parent's end nonblocking touches nothing the
//! child holds.
//!
//! The child starts with a clean signal state: std's spawn empties the signal mask and sets
//! `SIGPIPE` back to its default, so a `cat` whose reader goes away dies of it as it would
//! under a shell.
//!
//! # Node compatibility
//!
//! libuv connects a child's `'pipe'` stdio with a socketpair; here they are pipes, as a shell
//! pipeline's are. The difference shows only to a child that inspects its fds.
// The borrowed stdin/stdout getters serve the child-process stdio options still to come;
// until then only the tests use them.
#![allow(dead_code)]

use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::process::{Command, ExitStatus, Stdio};

use rustix::process::{Pid, Signal};

use super::set_nonblocking;

/// What one of a child's stdin, stdout and stderr is connected to (Node's `stdio` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StdioKind {
    /// A pipe whose other end the parent keeps (`'pipe'`).
    Pipe,
    /// The parent's own fd (`'inherit'`).
    Inherit,
    /// `/dev/null` (`'ignore'`).
    Null,
}

impl StdioKind {
    fn to_std(self) -> Stdio {
        match self {
            StdioKind::Pipe => Stdio::piped(),
            StdioKind::Inherit => Stdio::inherit(),
            StdioKind::Null => Stdio::null(),
        }
    }
}

/// A running (or finished) child started by [`spawn`].
pub(crate) struct Child {
    inner: std::process::Child,
    stdin: Option<OwnedFd>,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid())
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}

/// Starts `command` with piped stdin and stdout; its stderr is what `command` says (inherited
/// unless set).
///
/// # Errors
///
/// `ENOENT` for a program that does not exist, `EACCES`, `EMFILE`, ...: what spawning or
/// making the pipes reported. No fd is left open on failure.
pub(crate) fn spawn(command: &mut Command) -> io::Result<Child> {
    let mut inner = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdin = inner.stdin.take().map(OwnedFd::from);
    let stdout = inner.stdout.take().map(OwnedFd::from);
    finish(Child {
        inner,
        stdin,
        stdout,
        stderr: None,
    })
}

/// Starts `command` with its stdin, stdout and stderr as `stdio` says (overriding what
/// `command` says of them).
///
/// # Errors
///
/// As [`spawn`].
pub(crate) fn spawn_with(command: &mut Command, stdio: [StdioKind; 3]) -> io::Result<Child> {
    let [stdin, stdout, stderr] = stdio;
    let mut inner = command
        .stdin(stdin.to_std())
        .stdout(stdout.to_std())
        .stderr(stderr.to_std())
        .spawn()?;
    let stdin = inner.stdin.take().map(OwnedFd::from);
    let stdout = inner.stdout.take().map(OwnedFd::from);
    let stderr = inner.stderr.take().map(OwnedFd::from);
    finish(Child {
        inner,
        stdin,
        stdout,
        stderr,
    })
}

/// Makes the parent's ends of a new child's pipes nonblocking.
fn finish(mut child: Child) -> io::Result<Child> {
    let made_nonblocking = [
        child.stdin.as_ref(),
        child.stdout.as_ref(),
        child.stderr.as_ref(),
    ]
    .into_iter()
    .flatten()
    .try_for_each(|fd| set_nonblocking(fd, true));
    if let Err(err) = made_nonblocking {
        // Not reachable for a pipe we just made; do not leave a child behind if it were.
        let _ = child.inner.kill();
        let _ = child.inner.wait();
        return Err(err);
    }
    Ok(child)
}

impl Child {
    /// The child's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.inner.id()
    }

    /// The write end of the child's stdin, if it has not been taken.
    pub(crate) fn stdin(&self) -> Option<BorrowedFd<'_>> {
        self.stdin.as_ref().map(AsFd::as_fd)
    }

    /// The read end of the child's stdout, if it has not been taken.
    pub(crate) fn stdout(&self) -> Option<BorrowedFd<'_>> {
        self.stdout.as_ref().map(AsFd::as_fd)
    }

    /// Takes the write end of the child's stdin (a stream will own it; dropping it is the
    /// child's end of file).
    pub(crate) fn take_stdin(&mut self) -> Option<OwnedFd> {
        self.stdin.take()
    }

    /// Takes the read end of the child's stdout.
    pub(crate) fn take_stdout(&mut self) -> Option<OwnedFd> {
        self.stdout.take()
    }

    /// Takes the read end of the child's stderr (piped only by [`spawn_with`]).
    pub(crate) fn take_stderr(&mut self) -> Option<OwnedFd> {
        self.stderr.take()
    }

    /// Waits for the child to exit. Blocks: the loop uses [`Child::try_wait`] instead.
    ///
    /// # Errors
    ///
    /// What `waitpid` reports (`ECHILD` if someone else reaped the child).
    pub(crate) fn wait(&mut self) -> io::Result<ExitStatus> {
        self.inner.wait()
    }

    /// The child's exit status if it has exited, without blocking.
    ///
    /// # Errors
    ///
    /// What `waitpid` reports.
    pub(crate) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.inner.try_wait()
    }

    /// Sends `signal` to the child, as Node's `subprocess.kill(signal)` (whose default is
    /// `SIGTERM`). Returns `false`, sending nothing, if the child has already exited and been
    /// reaped, so a reused pid never gets the signal.
    ///
    /// # Errors
    ///
    /// What `kill` or `waitpid` reports.
    pub(crate) fn kill(&mut self, signal: Signal) -> io::Result<bool> {
        if self.inner.try_wait()?.is_some() {
            return Ok(false);
        }
        let pid = Pid::from_raw(self.pid() as i32).ok_or(io::ErrorKind::InvalidInput)?;
        rustix::process::kill_process(pid, signal)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::testing::assert_nonblocking_cloexec;
    use crate::sys::testing::isolated;
    use crate::sys::{read_until_blocked, write_chunks, FdKind, ReadStop, WriteStop};
    use rustix::event::{poll, PollFd, PollFlags};
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn cat_echoes_every_byte_back_exactly() {
        isolated!(cat_echoes_every_byte_back_exactly, || {
            let mut child = spawn(&mut Command::new("cat")).unwrap();
            assert!(child.pid() > 0);
            assert_nonblocking_cloexec(child.stdin().unwrap());
            assert_nonblocking_cloexec(child.stdout().unwrap());
            let stdin = child.take_stdin().unwrap();
            let stdout = child.take_stdout().unwrap();

            // 1 MiB in chunks of assorted sizes: more than both pipes hold, so the writes and
            // reads must take turns, driven by readiness.
            let chunks: Vec<Vec<u8>> = (0..2000)
                .map(|i: usize| (0..(i * 13) % 1049).map(|j| (i ^ j) as u8).collect())
                .collect();
            let expected = chunks.concat();
            let (mut done, mut offset) = (0, 0);
            let mut stdin = Some(stdin);
            let mut got = Vec::new();
            let mut buf = vec![0u8; 65536];
            loop {
                if let Some(fd) = &stdin {
                    let out = write_chunks(
                        fd.as_fd(),
                        FdKind::Pipe,
                        offset,
                        chunks[done..].iter().map(|c| &c[..]),
                    );
                    done += out.progress.completed;
                    offset = out.progress.offset;
                    match out.stop {
                        WriteStop::Done => stdin = None, // cat sees end of file
                        WriteStop::WouldBlock | WriteStop::Budget => {}
                        WriteStop::Error(e) => panic!("{e}"),
                    }
                }
                let out = read_until_blocked(stdout.as_fd(), FdKind::Pipe, &mut buf, 32, |b| {
                    got.extend_from_slice(b)
                });
                match out.stop {
                    ReadStop::Eof => break,
                    ReadStop::WouldBlock | ReadStop::Budget => {}
                    ReadStop::Error(e) => panic!("{e}"),
                }
                let mut fds = vec![PollFd::new(&stdout, PollFlags::IN)];
                if let Some(fd) = &stdin {
                    fds.push(PollFd::new(fd, PollFlags::OUT));
                }
                poll(&mut fds, None).unwrap();
            }
            assert_eq!(done, chunks.len());
            assert!(
                got == expected,
                "cat echoed {} bytes, not the {} sent",
                got.len(),
                expected.len()
            );
            assert!(child.wait().unwrap().success());
            drop(stdout);
        });
    }

    #[test]
    fn try_wait_then_kill_with_sigterm_then_kill_again_is_false() {
        isolated!(
            try_wait_then_kill_with_sigterm_then_kill_again_is_false,
            || {
                let mut child = spawn(Command::new("sleep").arg("30")).unwrap();
                assert_eq!(child.try_wait().unwrap(), None);
                assert!(child.kill(Signal::TERM).unwrap());
                let status = child.wait().unwrap();
                assert_eq!(status.signal(), Some(libc::SIGTERM));
                assert!(!child.kill(Signal::TERM).unwrap());
            }
        );
    }

    #[test]
    fn a_missing_program_is_enoent_and_leaks_nothing() {
        isolated!(a_missing_program_is_enoent_and_leaks_nothing, || {
            let err =
                spawn(&mut Command::new("/nonexistent/nodestream-no-such-program")).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        });
    }

    #[test]
    fn the_childs_sigpipe_is_default_so_it_dies_of_a_closed_reader() {
        isolated!(
            the_childs_sigpipe_is_default_so_it_dies_of_a_closed_reader,
            || {
                // `yes` writes forever; once we close its stdout it must die of SIGPIPE, not spin
                // on EPIPE (which it would if it inherited an ignored or blocked SIGPIPE).
                let mut child = spawn(&mut Command::new("yes")).unwrap();
                drop(child.take_stdin());
                drop(child.take_stdout());
                let status = child.wait().unwrap();
                assert_eq!(status.signal(), Some(libc::SIGPIPE));
            }
        );
    }

    #[test]
    fn cat_echo_driven_by_the_loop_with_exact_bytes() {
        isolated!(cat_echo_driven_by_the_loop_with_exact_bytes, || {
            use crate::sys::FdSource;
            use crate::{EventLoop, PostAction};
            use std::cell::RefCell;
            use std::rc::Rc;

            let lp = EventLoop::new().unwrap();
            let h = lp.handle();
            let mut child = spawn(&mut Command::new("cat")).unwrap();
            // 100,000 chunks of 100 bytes, the seeds' pattern at a tenth of the size.
            let chunks: Rc<Vec<Vec<u8>>> = Rc::new(
                (0..100_000u32)
                    .map(|i| (0..100u32).map(|j| (i.wrapping_mul(7) ^ j) as u8).collect())
                    .collect(),
            );
            let expected = chunks.concat();

            let stdin = Rc::new(RefCell::new(Some(FdSource(child.take_stdin().unwrap()))));
            let (mut done, mut offset) = (0usize, 0usize);
            let (queue, fd) = (Rc::clone(&chunks), Rc::clone(&stdin));
            let write_side = move |_| {
                let mut slot = fd.borrow_mut();
                let out = write_chunks(
                    slot.as_ref().unwrap().as_fd(),
                    FdKind::Pipe,
                    offset,
                    queue[done..].iter().map(|c| &c[..]),
                );
                done += out.progress.completed;
                offset = out.progress.offset;
                match out.stop {
                    WriteStop::WouldBlock => PostAction::Continue,
                    WriteStop::Budget => PostAction::Again,
                    WriteStop::Done => {
                        assert_eq!(done, queue.len());
                        *slot = None; // close: cat reads end of file
                        PostAction::Remove
                    }
                    WriteStop::Error(e) => panic!("{e}"),
                }
            };
            let mut source = stdin.borrow_mut().take().unwrap();
            h.register(&mut source, mio::Interest::WRITABLE, write_side)
                .unwrap();
            *stdin.borrow_mut() = Some(source);

            let got = Rc::new(RefCell::new(Vec::new()));
            let stdout = Rc::new(RefCell::new(Some(FdSource(child.take_stdout().unwrap()))));
            let (sink, fd) = (Rc::clone(&got), Rc::clone(&stdout));
            let mut buf = vec![0u8; 65536];
            let read_side = move |_| {
                let mut slot = fd.borrow_mut();
                let mut sink = sink.borrow_mut();
                let out = read_until_blocked(
                    slot.as_ref().unwrap().as_fd(),
                    FdKind::Pipe,
                    &mut buf,
                    crate::IO_BUDGET,
                    |b| sink.extend_from_slice(b),
                );
                match out.stop {
                    ReadStop::WouldBlock => PostAction::Continue,
                    ReadStop::Budget => PostAction::Again,
                    ReadStop::Eof => {
                        *slot = None;
                        PostAction::Remove
                    }
                    ReadStop::Error(e) => panic!("{e}"),
                }
            };
            let mut source = stdout.borrow_mut().take().unwrap();
            h.register(&mut source, mio::Interest::READABLE, read_side)
                .unwrap();
            *stdout.borrow_mut() = Some(source);

            // Both sources remove themselves when done, and the loop then has nothing left.
            lp.run().unwrap();
            assert!(stdin.borrow().is_none() && stdout.borrow().is_none());
            assert!(
                *got.borrow() == expected,
                "cat echoed {} of {} bytes",
                got.borrow().len(),
                expected.len()
            );
            assert!(child.wait().unwrap().success());
        });
    }
}

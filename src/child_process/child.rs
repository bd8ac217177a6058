//! A child process with its stdin as a Writable and its stdout as a Readable.

use std::cell::RefCell;
use std::fmt;
use std::process::{Command, ExitStatus};
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::reactor::LoopHandle;
use crate::stream::readable::{Readable, ReadableOptions};
use crate::stream::writable::WritableOptions;
use crate::sys::spawn::{self, Child};

use crate::stream::FdWritable;

/// A running child process started by [`spawn`].
///
/// `stdin` ends (and its pipe closes, the child's end of file) when the stream is ended or
/// destroyed; `stdout` ends at the child's end of file.
pub struct ChildProcess {
    /// The child's stdin.
    pub stdin: FdWritable,
    /// The child's stdout.
    pub stdout: Readable,
    child: Rc<RefCell<Child>>,
}

impl fmt::Debug for ChildProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildProcess")
            .field("pid", &self.pid())
            .finish_non_exhaustive()
    }
}

impl ChildProcess {
    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.borrow().pid()
    }

    /// The exit status, if the child has exited (never blocks).
    ///
    /// # Errors
    ///
    /// What `waitpid` reports (syscall `"waitpid"`).
    pub fn try_wait(&self) -> Result<Option<ExitStatus>> {
        let status = self.child.borrow_mut().try_wait();
        status.map_err(|e| Error::syscall_failed(e, "waitpid"))
    }

    /// Waits for the child to exit. Blocks the thread: call it after the loop has run.
    ///
    /// # Errors
    ///
    /// What `waitpid` reports (syscall `"waitpid"`).
    pub fn wait(&self) -> Result<ExitStatus> {
        let status = self.child.borrow_mut().wait();
        status.map_err(|e| Error::syscall_failed(e, "waitpid"))
    }

    /// Sends `SIGTERM` (Node's `subprocess.kill()`); `false` if the child was already
    /// reaped.
    ///
    /// # Errors
    ///
    /// What `kill` reports, as Node's `kill ESRCH` (syscall `"kill"`).
    pub fn kill(&self) -> Result<bool> {
        let sent = self.child.borrow_mut().kill(rustix::process::Signal::TERM);
        sent.map_err(|e| Error::syscall_failed(e, "kill"))
    }
}

/// Starts `command` with its stdin and stdout piped to streams on `lp` (Node's
/// `child_process.spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] })`).
///
/// # Errors
///
/// `ENOENT` for a program that does not exist, as Node reports it: message
/// `spawn no-such-program ENOENT`, [`syscall`](Error::syscall) `"spawn no-such-program"`,
/// [`path`](Error::path) the program; and what making the pipes or registering them
/// reports. No fd is left open and no child left running on failure.
///
/// # Node compatibility
///
/// Node's `spawn` returns a child object at once and emits the failure as its `'error'`
/// event; here the call fails. Node also sets `err.spawnargs`; here the arguments are
/// still in the caller's `Command`.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use nodestream::child_process::spawn;
/// use nodestream::stream::readable::{Chunk, DATA};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let child = spawn(&lp.handle(), &mut std::process::Command::new("cat"))?;
/// let got = Rc::new(RefCell::new(Vec::new()));
/// let g = got.clone();
/// child.stdout.on(DATA, move |c: &Chunk| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
/// child.stdin.end_with("meow");
/// lp.run()?;
/// assert_eq!(&*got.borrow(), b"meow");
/// assert!(child.wait()?.success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spawn(lp: &LoopHandle, command: &mut Command) -> Result<ChildProcess> {
    let mut child = spawn::spawn(command)
        .map_err(|e| Error::spawn_failed(e, std::path::Path::new(command.get_program())))?;
    let fail = |child: &mut Child, err: Error| {
        let _ = child.kill(rustix::process::Signal::KILL);
        let _ = child.wait();
        err
    };
    let (Some(stdin), Some(stdout)) = (child.take_stdin(), child.take_stdout()) else {
        return Err(fail(
            &mut child,
            Error::new(
                crate::ErrorCode::InvalidArgValue,
                "the child has no piped stdio",
            ),
        ));
    };
    let stdin = match FdWritable::new(lp, stdin, WritableOptions::new()) {
        Ok(w) => w,
        Err(e) => return Err(fail(&mut child, e.error)),
    };
    // For display only, in an error the stream leaves unhandled.
    let out_fd = std::os::fd::AsRawFd::as_raw_fd(&stdout);
    let stdout = match Readable::from_fd(lp, stdout, ReadableOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            stdin.destroy(None);
            return Err(fail(&mut child, e.error));
        }
    };
    let pid = child.pid();
    let named = |side: &'static str, fd: Option<i32>| {
        let fd = fd.map_or(String::new(), |n| format!(" fd {n}"));
        move || format!("child_process {side}{fd} (pid {pid})")
    };
    let fd_of = |fd: std::os::fd::BorrowedFd<'_>| std::os::fd::AsRawFd::as_raw_fd(&fd);
    let in_fd = stdin.with_fd(fd_of);
    stdin
        .as_writable()
        .hooks()
        .set_origin(named("stdin", in_fd));
    stdout.hooks().set_origin(named("stdout", Some(out_fd)));
    Ok(ChildProcess {
        stdin,
        stdout,
        child: Rc::new(RefCell::new(child)),
    })
}

//! A child's exit as a readable fd: [`pidfd_open`] gives an fd the loop can poll, readable
//! once the process has exited (Linux 5.3 and later), so the loop learns of the exit without
//! a blocking `waitpid` or a `SIGCHLD` handler.

use std::io;
use std::os::fd::OwnedFd;

use rustix::process::{Pid, PidfdFlags};

/// An fd for the running process `pid`, nonblocking and close-on-exec, readable once the
/// process has exited. Reaping is still `waitpid`'s job.
///
/// # Errors
///
/// `ENOSYS` on kernels before 5.3 (or where a sandbox forbids the call), `ESRCH` for a pid
/// that is gone, `EMFILE`.
pub(crate) fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or(io::ErrorKind::InvalidInput)?;
    // Close-on-exec is implied: pidfds are always opened with O_CLOEXEC.
    Ok(rustix::process::pidfd_open(pid, PidfdFlags::NONBLOCK)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::raw::exit_signal;
    use rustix::event::{poll, PollFd, PollFlags};
    use rustix::process::Signal;

    #[test]
    fn a_pidfd_becomes_readable_when_the_child_exits() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let fd = pidfd_open(child.id()).unwrap();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        poll(&mut fds, None).unwrap();
        assert!(fds[0].revents().contains(PollFlags::IN));
        assert!(child.wait().unwrap().success());
    }

    #[test]
    fn signal_numbers_round_trip() {
        assert_eq!(exit_signal(libc::SIGKILL), Some(Signal::KILL));
        assert_eq!(exit_signal(0), None);
        assert_eq!(exit_signal(-1), None);
    }
}

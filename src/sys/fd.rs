//! Owned fds as the loop and the funnel see them: [`FdSource`], an fd mio can register;
//! [`FdKind`], how the funnel talks to it (socket calls or plain ones); and
//! [`set_nonblocking`].

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, OFlags};

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
/// [`stdio`](super::stdio) before calling this on an fd someone else also holds.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::testing::{isolated, nonblocking_pipe as pipe};
    use rustix::pipe::PipeFlags;

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
}

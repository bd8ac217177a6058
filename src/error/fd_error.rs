//! [`FdError`]: a refused fd, given back with the reason.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use super::Error;

/// Why a constructor could not take an fd ([`FdWritable::new`](crate::stream::FdWritable::new),
/// [`Readable::from_fd`](crate::stream::readable::Readable::from_fd),
/// [`Server::from_listener`](crate::net::Server::from_listener), ...): the error, and the fd
/// given back to the caller.
///
/// `?` turns it into an [`Error`] (or an `io::Error`), closing the fd; take [`fd`](Self::fd)
/// out first to keep it.
///
/// # Examples
///
/// ```
/// use nodestream::stream::FdWritable;
/// use nodestream::{EventLoop, WritableOptions};
///
/// let lp = EventLoop::new()?;
/// // A regular file cannot be polled (epoll refuses it): the stream hands it back.
/// let file: std::os::fd::OwnedFd = std::fs::File::open("Cargo.toml")?.into();
/// let refused = FdWritable::new(&lp.handle(), file, WritableOptions::new()).unwrap_err();
/// assert_eq!(refused.error.code().as_str(), "EPERM");
/// assert_eq!(refused.error.syscall(), Some("epoll_ctl"));
/// let file = std::fs::File::from(refused.fd); // still open, still ours
/// # drop(file);
/// # Ok::<(), nodestream::Error>(())
/// ```
pub struct FdError {
    /// What went wrong.
    pub error: Error,
    /// The fd, untouched except perhaps for its nonblocking flag.
    pub fd: OwnedFd,
}

impl FdError {
    pub(crate) fn new(error: impl Into<Error>, fd: OwnedFd) -> FdError {
        FdError {
            error: error.into(),
            fd,
        }
    }
}

impl fmt::Debug for FdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FdError")
            .field("error", &self.error)
            .field("fd", &self.fd)
            .finish()
    }
}

impl fmt::Display for FdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (fd {} refused)", self.error, self.fd.as_raw_fd())
    }
}

impl std::error::Error for FdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Keeps the error and closes the fd.
impl From<FdError> for Error {
    fn from(e: FdError) -> Error {
        drop(e.fd);
        e.error
    }
}

/// Keeps the error (as `From<Error> for io::Error` does) and closes the fd.
impl From<FdError> for io::Error {
    fn from(e: FdError) -> io::Error {
        Error::from(e).into()
    }
}

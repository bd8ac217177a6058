//! Fds as the loop and the funnel see them: [`FdSource`], an fd (owned or borrowed) mio can
//! register; [`FdKind`], how the funnel talks to it (socket calls or plain ones);
//! [`StreamFd`], what a stream constructor must know of an fd before it takes it; and
//! [`set_nonblocking`].

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use rustix::fs::{FileType, OFlags};
use rustix::net::{AddressFamily, SocketType};

use crate::error::{Error, ErrorCode};

/// An fd that can be registered with the loop (a mio [`Source`](mio::event::Source)): an
/// owned one, or one borrowed from its owner (`FdSource(fd.as_fd())`) when the owner
/// shares it and registers it for everyone who does.
///
/// Closing the fd also takes it out of the poll, as long as no duplicate of it is
/// registered; deregister first when the fd lives on.
#[derive(Debug)]
pub(crate) struct FdSource<F = OwnedFd>(pub(crate) F);

impl<F: AsFd> AsFd for FdSource<F> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl<F: AsFd> mio::event::Source for FdSource<F> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_fd().as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_fd().as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.0.as_fd().as_raw_fd()).deregister(registry)
    }
}

/// How the funnel talks to an fd: sockets get `send`/`recv` flags, everything else plain
/// `writev`/`read`; only a pipe needs the SIGPIPE guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FdKind {
    /// A socket: written with `sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT)`, read with
    /// `recv(MSG_DONTWAIT)`, so it need not even be in nonblocking mode.
    Socket,
    /// A pipe or FIFO: `writev` under a SIGPIPE guard (a write to a pipe whose reader is
    /// gone raises the signal), and `read`. Must be in nonblocking mode.
    Pipe,
    /// A tty, character device, regular file or anything else: plain `writev` and `read`.
    /// The kernel raises `SIGPIPE` for pipes and sockets only, so no guard is needed. Must
    /// be in nonblocking mode where the loop drives it.
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
            FileType::Fifo => FdKind::Pipe,
            _ => FdKind::Other,
        })
    }
}

/// What a byte stream needs to know of an fd before taking it: how the funnel talks to it,
/// and whether it is a Unix socket (the only kind that carries descriptors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StreamFd {
    pub(crate) kind: FdKind,
    /// An `AF_UNIX` socket.
    pub(crate) unix: bool,
}

impl StreamFd {
    /// Classifies `fd` for a byte stream: one `fstat`, and for a socket its type and
    /// family.
    ///
    /// # Errors
    ///
    /// `ERR_INVALID_FD_TYPE` (an [`Error`] inside the `io::Error`, kind `InvalidInput`) for
    /// a socket that is not a stream socket: a `SOCK_SEQPACKET` or `SOCK_DGRAM` socket
    /// keeps message boundaries that a byte stream would lose (a message longer than a read
    /// is cut, an empty one reads as end of file), so it is refused as Node refuses it.
    /// Otherwise what `fstat` or `getsockopt` report.
    pub(crate) fn of(fd: impl AsFd) -> io::Result<StreamFd> {
        let fd = fd.as_fd();
        let kind = FdKind::of(fd)?;
        if kind != FdKind::Socket {
            return Ok(StreamFd { kind, unix: false });
        }
        let ty = rustix::net::sockopt::socket_type(fd)?;
        if ty != SocketType::STREAM {
            return Err(invalid_fd_type(ty));
        }
        let unix = rustix::net::sockopt::socket_domain(fd)? == AddressFamily::UNIX;
        Ok(StreamFd { kind, unix })
    }
}

/// Node's refusal of an fd a stream cannot carry (`new net.Socket({ fd })` on a datagram
/// or seqpacket socket: `ERR_INVALID_FD_TYPE`, `Unsupported fd type: UNKNOWN`), naming the
/// socket type.
fn invalid_fd_type(ty: SocketType) -> io::Error {
    let name = socket_type_name(ty);
    let err = Error::new(
        ErrorCode::InvalidFdType,
        format!(
            "Unsupported fd type: {name} (a stream needs a SOCK_STREAM socket, a pipe or a \
             character device; this socket's message boundaries would be lost)"
        ),
    );
    io::Error::new(io::ErrorKind::InvalidInput, err)
}

/// A socket type's C name, for messages.
pub(crate) fn socket_type_name(ty: SocketType) -> &'static str {
    match ty {
        SocketType::STREAM => "SOCK_STREAM",
        SocketType::DGRAM => "SOCK_DGRAM",
        SocketType::SEQPACKET => "SOCK_SEQPACKET",
        SocketType::RAW => "SOCK_RAW",
        SocketType::RDM => "SOCK_RDM",
        _ => "UNKNOWN",
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
    fn fd_kind_tells_sockets_pipes_and_the_rest_apart() {
        isolated!(fd_kind_tells_sockets_pipes_and_the_rest_apart, || {
            let (r, w) = pipe();
            assert_eq!(FdKind::of(&r).unwrap(), FdKind::Pipe);
            assert_eq!(FdKind::of(&w).unwrap(), FdKind::Pipe);
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            assert_eq!(FdKind::of(&a).unwrap(), FdKind::Socket);
            let null = std::fs::File::open("/dev/null").unwrap();
            assert_eq!(FdKind::of(&null).unwrap(), FdKind::Other);
            let file = std::fs::File::open("/proc/self/exe").unwrap();
            assert_eq!(FdKind::of(&file).unwrap(), FdKind::Other);
        });
    }

    #[test]
    fn stream_fd_refuses_sockets_that_keep_message_boundaries() {
        isolated!(
            stream_fd_refuses_sockets_that_keep_message_boundaries,
            || {
                use rustix::net::{socketpair, SocketFlags};
                let (r, _w) = pipe();
                assert_eq!(
                    StreamFd::of(&r).unwrap(),
                    StreamFd {
                        kind: FdKind::Pipe,
                        unix: false
                    }
                );
                let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
                assert_eq!(
                    StreamFd::of(&a).unwrap(),
                    StreamFd {
                        kind: FdKind::Socket,
                        unix: true
                    }
                );
                let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                assert_eq!(
                    StreamFd::of(&tcp).unwrap(),
                    StreamFd {
                        kind: FdKind::Socket,
                        unix: false
                    }
                );
                for (ty, name) in [
                    (SocketType::SEQPACKET, "SOCK_SEQPACKET"),
                    (SocketType::DGRAM, "SOCK_DGRAM"),
                ] {
                    let (s, _t) =
                        socketpair(AddressFamily::UNIX, ty, SocketFlags::CLOEXEC, None).unwrap();
                    let err = Error::from(StreamFd::of(&s).unwrap_err());
                    assert_eq!(err.code().as_str(), "ERR_INVALID_FD_TYPE");
                    assert!(
                        err.message()
                            .starts_with(&format!("Unsupported fd type: {name} ")),
                        "{err}"
                    );
                }
            }
        );
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

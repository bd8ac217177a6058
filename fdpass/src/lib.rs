//! Send and receive file descriptors over Unix sockets (`SCM_RIGHTS`), with nothing leaked.
//!
//! - [`send_with_fds`] sends bytes and borrowed descriptors in one `sendmsg`.
//! - [`recv_with_fds`] receives bytes into a buffer and descriptors, as [`OwnedFd`], into a
//!   collection the caller owns; it walks every control message and closes every descriptor
//!   it cannot hand over.
//! - [`peer_credentials`] and [`peer_pidfd`] name the process at the other end.
//! - [`socketpair`] makes a connected pair of a chosen [`SocketKind`], close-on-exec.
//!
//! The functions take any `impl AsFd` socket: std's and mio's `UnixStream` and
//! `UnixDatagram`, and `SOCK_SEQPACKET` sockets. They work on blocking and nonblocking sockets
//! alike; a nonblocking socket that is not ready gives [`io::ErrorKind::WouldBlock`], and
//! `EINTR` is retried. There is no event loop here: the stream layer builds Node's
//! `write(data, encoding, fd)` and its `'fd'` event on these calls.
//!
//! See `docs/fdpass.md` for the pitfalls handled and why.
//!
//! # Examples
//!
//! Pass the write end of a pipe from one thread to another, which writes through it:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::mem::MaybeUninit;
//! use std::os::fd::{AsFd, OwnedFd};
//! use std::os::unix::net::UnixStream;
//!
//! use nodestream_fdpass::{control_space, recv_with_fds, send_with_fds};
//!
//! # fn main() -> std::io::Result<()> {
//! let (here, there) = UnixStream::pair()?;
//! let (pipe_read, pipe_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
//!
//! let writer = std::thread::spawn(move || -> std::io::Result<()> {
//!     let mut buf = [0u8; 16];
//!     let mut control = [MaybeUninit::uninit(); control_space(1)];
//!     let mut fds: Vec<OwnedFd> = Vec::new();
//!     let got = recv_with_fds(&there, &mut buf, &mut control, &mut fds)?;
//!     assert_eq!((&buf[..got.bytes], got.fds), (&b"pipe"[..], 1));
//!     let mut pipe = std::fs::File::from(fds.pop().unwrap());
//!     pipe.write_all(b"hello through the passed pipe")?;
//!     Ok(())
//! });
//!
//! // One data byte at least must go with descriptors; `pipe_write` stays ours.
//! let sent = send_with_fds(&here, b"pipe", &[pipe_write.as_fd()])?;
//! assert_eq!(sent, 4);
//! drop(pipe_write);
//! writer.join().unwrap()?;
//!
//! let mut text = String::new();
//! std::fs::File::from(pipe_read).read_to_string(&mut text)?;
//! assert_eq!(text, "hello through the passed pipe");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unsafe_code)]

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

#[allow(unsafe_code)]
mod sys;

/// The most descriptors one message may carry: the kernel's `SCM_MAX_FD`, 253.
pub const MAX_FDS: usize = sys::SCM_MAX_FD;

/// Bytes of control buffer [`recv_with_fds`] needs to receive `max_fds` descriptors in one
/// call.
///
/// Besides the `SCM_RIGHTS` message this leaves room for the messages the kernel puts before
/// it (`SCM_CREDENTIALS` when the receiving socket has `SO_PASSCRED` on, `SCM_PIDFD` when it
/// has `SO_PASSPIDFD` on) and for aligning a buffer that starts at any address. Because of
/// that room, a call may accept a few more than `max_fds` descriptors when those messages are
/// absent. One `recvmsg` never returns more than [`MAX_FDS`] descriptors from one message,
/// and on a stream socket the kernel never merges two messages that carry descriptors, so
/// `control_space(MAX_FDS)` is always enough.
///
/// It is a `const fn`, so a buffer can live on the stack:
///
/// ```
/// # use std::mem::MaybeUninit;
/// let mut control = [MaybeUninit::<u8>::uninit(); nodestream_fdpass::control_space(4)];
/// # let _ = &mut control;
/// ```
pub const fn control_space(max_fds: usize) -> usize {
    sys::recv_space(max_fds)
}

/// Sends `data` and the descriptors `fds` in one `sendmsg` with `MSG_NOSIGNAL`; returns the
/// number of bytes sent.
///
/// The descriptors are borrowed: the receiver gets new descriptors for the same open files,
/// and the caller keeps (and must close) its own. They travel with the first byte of what
/// was sent: on a stream socket a partial send (the return value is less than `data.len()`)
/// has already delivered them, so send the rest **without** them.
///
/// # Errors
///
/// - [`io::ErrorKind::InvalidInput`] before any syscall if `fds` has more than [`MAX_FDS`]
///   entries, or if `fds` is not empty but `data` is: Linux drops descriptors sent with no
///   data on a stream socket, so this crate refuses them on every kind of socket (Node's
///   `File descriptors can only be written with data`).
/// - [`io::ErrorKind::WouldBlock`] on a nonblocking socket that is full: nothing was sent,
///   the descriptors neither.
/// - `EPIPE` ([`io::ErrorKind::BrokenPipe`]) or `ECONNRESET` when the peer is gone; never
///   `SIGPIPE`.
/// - Any other error of `sendmsg`, such as `ETOOMANYREFS` when too many descriptors are
///   in flight.
///
/// `EINTR` is retried.
///
/// # Node compatibility
///
/// Node 0.4's `socket.write(data, encoding, fd)` sent one descriptor with at least one byte
/// and left the descriptor open in the sender, as this does. Node later removed the
/// argument; `child_process` handle passing is built differently (see `docs/fdpass.md`).
///
/// # Examples
///
/// ```
/// use std::os::fd::AsFd;
/// use std::os::unix::net::UnixDatagram;
/// use nodestream_fdpass::send_with_fds;
///
/// let (a, _b) = UnixDatagram::pair()?;
/// let file = std::fs::File::open("/dev/null")?;
/// assert_eq!(send_with_fds(&a, b"x", &[file.as_fd()])?, 1);
/// assert_eq!(
///     send_with_fds(&a, b"", &[file.as_fd()]).unwrap_err().kind(),
///     std::io::ErrorKind::InvalidInput,
/// );
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_with_fds(socket: impl AsFd, data: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<usize> {
    if fds.len() > MAX_FDS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "more than 253 (SCM_MAX_FD) file descriptors in one message",
        ));
    }
    if data.is_empty() && !fds.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "file descriptors can only be sent with data",
        ));
    }
    sys::sendmsg(socket.as_fd(), data, fds)
}

/// Receives bytes into `buf` and descriptors into `fds` with one `recvmsg`.
///
/// `control` is the caller's scratch space for control messages; size it with
/// [`control_space`]. It may be uninitialised and is reused from call to call: nothing
/// here allocates. Every received descriptor is close-on-exec (`MSG_CMSG_CLOEXEC`) and
/// arrives in `fds` as an [`OwnedFd`], in the order it was sent.
///
/// Every control message is walked: credentials (`SCM_CREDENTIALS`, when the socket has
/// `SO_PASSCRED` on) are returned in [`Received::credentials`]; a pidfd (`SCM_PIDFD`, when
/// `SO_PASSPIDFD` is on) is closed, since [`peer_pidfd`] gives one on demand; descriptors of
/// every `SCM_RIGHTS` message go to `fds`.
///
/// On a stream socket descriptors arrive with the first byte of the data they were sent
/// with: a read that returns descriptors contains that byte and ends no later than the end
/// of that data (Linux may put earlier data without descriptors before it in the same read,
/// but never later data, nor a second message with descriptors). A reader of small pieces
/// therefore gets them with the right byte. A read of 0 bytes with no descriptors is end of
/// stream (or an empty datagram).
///
/// # Errors
///
/// - [`RecvError::Truncated`] when the kernel set `MSG_CTRUNC`: not every descriptor arrived,
///   because `control` was too small or the process is at `RLIMIT_NOFILE`. Every descriptor
///   that did arrive has been closed and nothing was added to `fds`; the data bytes did
///   arrive, and [`Truncated::bytes`] says how many are in `buf`.
/// - [`RecvError::Io`] with [`io::ErrorKind::WouldBlock`] on a nonblocking socket with
///   nothing to read, `ECONNRESET` when the peer closed with data unread, or any other error
///   of `recvmsg`. `EINTR` is retried.
///
/// # Examples
///
/// ```
/// use std::mem::MaybeUninit;
/// use std::os::fd::{AsFd, OwnedFd};
/// use nodestream_fdpass::{control_space, recv_with_fds, send_with_fds, socketpair, SocketKind};
///
/// let (a, b) = socketpair(SocketKind::SeqPacket, false)?;
/// let file = std::fs::File::open("/dev/null")?;
/// send_with_fds(&a, b"two", &[file.as_fd(), file.as_fd()])?;
///
/// let mut buf = [0u8; 8];
/// let mut control = [MaybeUninit::uninit(); control_space(2)];
/// let mut fds: Vec<OwnedFd> = Vec::new();
/// let got = recv_with_fds(&b, &mut buf, &mut control, &mut fds)?;
/// assert_eq!((&buf[..got.bytes], got.fds, fds.len()), (&b"two"[..], 2, 2));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn recv_with_fds<E>(
    socket: impl AsFd,
    buf: &mut [u8],
    control: &mut [MaybeUninit<u8>],
    fds: &mut E,
) -> Result<Received, RecvError>
where
    E: Extend<OwnedFd> + ?Sized,
{
    let recv = sys::recvmsg(socket.as_fd(), buf, control)?;
    if recv.control_truncated {
        let (mut rights, mut closed) = (0usize, 0usize);
        for item in recv.messages {
            match item {
                sys::ControlItem::Fd(fd) => {
                    drop(fd);
                    rights += 1;
                    closed += 1;
                }
                sys::ControlItem::Pidfd(fd) => {
                    drop(fd);
                    closed += 1;
                }
                sys::ControlItem::Credentials(..) => {}
            }
        }
        // The kernel installs descriptors until the room runs out or installing one fails
        // (EMFILE). Room for one more than arrived means installing failed.
        let cause = if recv.control_capacity >= sys::cmsg_len((rights + 1) * sys::FD_SIZE) {
            TruncationCause::FdLimit
        } else {
            TruncationCause::ControlBuffer
        };
        return Err(RecvError::Truncated(Truncated {
            bytes: recv.bytes,
            fds_closed: closed,
            cause,
        }));
    }
    let mut received = Received {
        bytes: recv.bytes,
        fds: 0,
        data_truncated: recv.data_truncated,
        credentials: None,
    };
    for item in recv.messages {
        match item {
            sys::ControlItem::Fd(fd) => {
                fds.extend(Some(fd));
                received.fds += 1;
            }
            sys::ControlItem::Pidfd(fd) => drop(fd),
            sys::ControlItem::Credentials(pid, uid, gid) => {
                received.credentials = Some(Credentials { pid, uid, gid });
            }
        }
    }
    Ok(received)
}

/// What one [`recv_with_fds`] received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// Bytes placed at the start of the data buffer.
    pub bytes: usize,
    /// Descriptors added to the caller's collection.
    pub fds: usize,
    /// `MSG_TRUNC`: the datagram (or seqpacket) was longer than the data buffer and its tail
    /// was discarded. Never set on a stream socket, where the rest stays queued.
    pub data_truncated: bool,
    /// The sender's credentials, if the receiving socket has `SO_PASSCRED` on.
    pub credentials: Option<Credentials>,
}

/// A process's identity as the kernel reports it for a Unix socket peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// Process id (0 if the kernel knows none).
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

/// The error of [`recv_with_fds`]: an I/O error, or control data cut short.
///
/// It converts into [`io::Error`] (a [`Truncated`] becomes the payload of an
/// [`io::ErrorKind::Other`] error; get it back with [`Truncated::from_io_error`]), so `?`
/// works in functions returning [`io::Result`].
#[derive(Debug)]
pub enum RecvError {
    /// `recvmsg` failed.
    Io(io::Error),
    /// `MSG_CTRUNC`: descriptors were lost; those that arrived were closed.
    Truncated(Truncated),
}

impl RecvError {
    /// The [`io::ErrorKind`] this error converts to.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            RecvError::Io(e) => e.kind(),
            RecvError::Truncated(_) => io::ErrorKind::Other,
        }
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Io(e) => e.fmt(f),
            RecvError::Truncated(t) => t.fmt(f),
        }
    }
}

impl StdError for RecvError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            RecvError::Io(e) => Some(e),
            RecvError::Truncated(t) => Some(t),
        }
    }
}

impl From<io::Error> for RecvError {
    fn from(e: io::Error) -> Self {
        RecvError::Io(e)
    }
}

impl From<RecvError> for io::Error {
    fn from(e: RecvError) -> Self {
        match e {
            RecvError::Io(e) => e,
            RecvError::Truncated(t) => io::Error::other(t),
        }
    }
}

/// Control data was cut short (`MSG_CTRUNC`): some descriptors did not arrive, and every one
/// that did was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated {
    bytes: usize,
    fds_closed: usize,
    cause: TruncationCause,
}

impl Truncated {
    /// Data bytes that did arrive and sit at the start of the buffer (on a stream socket they
    /// are gone from the socket, so use them).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Descriptors that arrived and were closed.
    pub fn fds_closed(&self) -> usize {
        self.fds_closed
    }

    /// Why the kernel cut the control data short.
    pub fn cause(&self) -> TruncationCause {
        self.cause
    }

    /// The [`Truncated`] inside an [`io::Error`] made from a [`RecvError`], if any.
    pub fn from_io_error(e: &io::Error) -> Option<&Truncated> {
        e.get_ref()?.downcast_ref::<Truncated>()
    }
}

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.cause {
            TruncationCause::ControlBuffer => "the control buffer was too small",
            TruncationCause::FdLimit => {
                "the process could not open more files (EMFILE, RLIMIT_NOFILE)"
            }
        };
        write!(
            f,
            "file descriptors lost in transit (MSG_CTRUNC): {why}; {} received descriptor(s) \
             closed, {} data byte(s) received",
            self.fds_closed, self.bytes
        )
    }
}

impl StdError for Truncated {}

/// Why control data was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TruncationCause {
    /// The control buffer had no room for every descriptor (or for the credentials).
    ControlBuffer,
    /// There was room, but the kernel could not install a descriptor: the process is at its
    /// open-file limit (`EMFILE`, `RLIMIT_NOFILE`).
    FdLimit,
}

/// The credentials (`SO_PEERCRED`) of the peer of a connected Unix socket: the process that
/// connected or called `socketpair`, as it was at that moment.
///
/// # Errors
///
/// Any error of `getsockopt`, such as `ENOTSOCK`.
///
/// # Examples
///
/// ```
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let me = nodestream_fdpass::peer_credentials(&a)?;
/// assert_eq!(me.pid as u32, std::process::id());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn peer_credentials(socket: impl AsFd) -> io::Result<Credentials> {
    let (pid, uid, gid) = sys::peer_credentials(socket.as_fd())?;
    Ok(Credentials { pid, uid, gid })
}

/// A pidfd (`SO_PEERPIDFD`, Linux 6.5) of the peer of a connected Unix socket, close-on-exec.
///
/// Unlike a pid from [`peer_credentials`], a pidfd cannot come to name another process
/// once the peer has exited and its pid is reused.
///
/// # Errors
///
/// - [`PidfdError::Unsupported`]: the kernel (or this build's target) has no
///   `SO_PEERPIDFD`.
/// - [`PidfdError::PeerGone`]: the peer process has exited. Kernels 6.5 to 6.14 refuse a
///   pidfd of a reaped process (`EINVAL` or `ESRCH`); newer ones hand it out, and then this
///   function sees it poll readable (exited), closes it and reports the same error. A peer
///   may of course exit just after this returns `Ok`: the pidfd then tells so (it polls
///   readable) and never names another process.
/// - [`PidfdError::Io`]: anything else, such as `ENODATA` for a socket with no peer.
///
/// # Examples
///
/// ```
/// use nodestream_fdpass::{peer_pidfd, PidfdError};
///
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// match peer_pidfd(&a) {
///     Ok(pidfd) => drop(pidfd), // names this very process
///     Err(PidfdError::Unsupported) => {} // a kernel before 6.5
///     Err(e) => return Err(e.into()),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn peer_pidfd(socket: impl AsFd) -> Result<OwnedFd, PidfdError> {
    let pidfd = match sys::peer_pidfd(socket.as_fd()) {
        Ok(Some(fd)) => fd,
        Ok(None) => return Err(PidfdError::Unsupported),
        Err(e) => return Err(classify_pidfd_error(e)),
    };
    // Newer kernels hand out pidfds of exited (even reaped) processes; a pidfd polls
    // readable once its process has exited. Report that the same way on every kernel.
    let mut poll = [rustix::event::PollFd::new(
        &pidfd,
        rustix::event::PollFlags::IN,
    )];
    match rustix::event::poll(&mut poll, Some(&rustix::event::Timespec::default())) {
        Ok(0) => Ok(pidfd),
        Ok(_) => Err(PidfdError::PeerGone),
        Err(e) => Err(PidfdError::Io(e.into())),
    }
}

fn classify_pidfd_error(e: io::Error) -> PidfdError {
    match e.raw_os_error() {
        // Kernels before 6.5 do not know the option.
        Some(libc::ENOPROTOOPT) => PidfdError::Unsupported,
        // The peer's task is gone: ESRCH (6.9 and later) or EINVAL (6.5 to 6.8).
        Some(libc::ESRCH) | Some(libc::EINVAL) => PidfdError::PeerGone,
        _ => PidfdError::Io(e),
    }
}

/// The error of [`peer_pidfd`]. Converts into [`io::Error`].
#[derive(Debug)]
pub enum PidfdError {
    /// The kernel predates `SO_PEERPIDFD` (Linux 6.5), or this build does not know its number
    /// for the target architecture. Converts to [`io::ErrorKind::Unsupported`].
    Unsupported,
    /// The peer process has exited. Converts to `ESRCH`.
    PeerGone,
    /// Any other error of `getsockopt`.
    Io(io::Error),
}

impl fmt::Display for PidfdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PidfdError::Unsupported => f.write_str("SO_PEERPIDFD is not supported by the kernel"),
            PidfdError::PeerGone => f.write_str("the peer process is gone"),
            PidfdError::Io(e) => e.fmt(f),
        }
    }
}

impl StdError for PidfdError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            PidfdError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<PidfdError> for io::Error {
    fn from(e: PidfdError) -> Self {
        match e {
            PidfdError::Unsupported => io::Error::new(
                io::ErrorKind::Unsupported,
                "SO_PEERPIDFD is not supported by the kernel",
            ),
            PidfdError::PeerGone => io::Error::from_raw_os_error(libc::ESRCH),
            PidfdError::Io(e) => e,
        }
    }
}

/// The type of a Unix socket made by [`socketpair`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketKind {
    /// `SOCK_STREAM`: a byte stream, as `std::os::unix::net::UnixStream`.
    Stream,
    /// `SOCK_DGRAM`: datagrams, as `std::os::unix::net::UnixDatagram`.
    Datagram,
    /// `SOCK_SEQPACKET`: a connection that keeps message boundaries.
    SeqPacket,
}

/// A connected pair of Unix sockets of `kind`, both ends close-on-exec, and nonblocking if
/// `nonblocking` is true.
///
/// The ends are [`OwnedFd`]s; turn them into std's types with `From` (a `Stream` end into
/// `UnixStream`, a `Datagram` end into `UnixDatagram`), or into mio's with `from_std`.
///
/// # Errors
///
/// Any error of `socketpair`, such as `EMFILE`.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use nodestream_fdpass::{socketpair, SocketKind};
///
/// let (a, b) = socketpair(SocketKind::Stream, false)?;
/// let (mut a, mut b) = (UnixStream::from(a), UnixStream::from(b));
/// a.write_all(b"hi")?;
/// let mut buf = [0; 2];
/// b.read_exact(&mut buf)?;
/// assert_eq!(&buf, b"hi");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn socketpair(kind: SocketKind, nonblocking: bool) -> io::Result<(OwnedFd, OwnedFd)> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let ty = match kind {
        SocketKind::Stream => SocketType::STREAM,
        SocketKind::Datagram => SocketType::DGRAM,
        SocketKind::SeqPacket => SocketType::SEQPACKET,
    };
    let mut flags = SocketFlags::CLOEXEC;
    if nonblocking {
        flags |= SocketFlags::NONBLOCK;
    }
    Ok(rustix::net::socketpair(
        AddressFamily::UNIX,
        ty,
        flags,
        None,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfd_errors_are_classified() {
        let c = |n| classify_pidfd_error(io::Error::from_raw_os_error(n));
        assert!(matches!(c(libc::ENOPROTOOPT), PidfdError::Unsupported));
        assert!(matches!(c(libc::ESRCH), PidfdError::PeerGone));
        assert!(matches!(c(libc::EINVAL), PidfdError::PeerGone));
        assert!(matches!(c(libc::ENODATA), PidfdError::Io(_)));
        let e: io::Error = PidfdError::Unsupported.into();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported);
        let e: io::Error = PidfdError::PeerGone.into();
        assert_eq!(e.raw_os_error(), Some(libc::ESRCH));
    }

    #[test]
    fn truncated_round_trips_through_io_error() {
        let t = Truncated {
            bytes: 3,
            fds_closed: 2,
            cause: TruncationCause::FdLimit,
        };
        let e: io::Error = RecvError::Truncated(t).into();
        assert_eq!(e.kind(), io::ErrorKind::Other);
        assert_eq!(Truncated::from_io_error(&e), Some(&t));
        assert!(e.to_string().contains("EMFILE"), "{e}");
        let plain = io::Error::from(io::ErrorKind::WouldBlock);
        assert_eq!(Truncated::from_io_error(&plain), None);
    }

    #[test]
    fn space_fits_credentials_pidfd_and_fds() {
        // 7 bytes of alignment slack, credentials (16 + 16), a pidfd (16 + 8), fds (16 + 8).
        #[cfg(target_pointer_width = "64")]
        assert_eq!(control_space(1), 7 + 32 + 24 + 24);
        assert!(control_space(MAX_FDS) > MAX_FDS * 4);
    }
}

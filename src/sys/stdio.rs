//! What stdout and stderr are connected to, and how to write to them without disturbing
//! anyone else who holds them.
//!
//! Node writes to files and ttys synchronously and to pipes and sockets asynchronously. The
//! catch is `O_NONBLOCK`: it belongs to the *open file description*, which a process shares
//! with everything it inherited it from or passed it to (the shell, the other commands of a
//! pipeline). Node sets it on a stdout pipe, and the process on the other side of a `dup` then
//! sees `EAGAIN` it never asked for. nodestream does not set it on anything it shares:
//!
//! - **Regular file**: written through the funnel on the loop thread, a tick's writes
//!   coalesced into one `writev` as on a pipe ([`Writer::File`]): a file never says `EAGAIN`,
//!   so nothing waits for readiness, and the fd is never registered with the loop (epoll
//!   refuses regular files).
//! - **Character device (`/dev/null`), tty**: written synchronously ([`Writer::Sync`],
//!   [`write_blocking`]), in whatever mode the description is already in (if someone else
//!   made it nonblocking, `EAGAIN` waits in `poll`). Never made nonblocking.
//! - **Pipe or FIFO**: reopened through `/proc/self/fd/N`, which for a pipe opens a *new*
//!   description of the same pipe; that one is ours, and nonblocking ([`Writer::Async`]). If it
//!   cannot be reopened (no `/proc`, or a named FIFO that has no reader right now), it is
//!   written synchronously.
//! - **Socket**: a close-on-exec `dup`, left in blocking mode: the funnel sends with
//!   `MSG_DONTWAIT`, which makes one call nonblocking without touching the description.
//!
//! libuv does the same for ttys (it reopens the tty's path to get a description of its own).
//!
//! # Node compatibility
//!
//! The order of writes and the sync/async split are Node's; only the side effect on the
//! shared description is gone.
// `is_async` and `Writer::Async`'s kind serve stdin, still to come; until then only the tests
// read them.
#![allow(dead_code)]

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::event::{poll, PollFd, PollFlags};
use rustix::fs::{FileType, Mode, OFlags};

use super::{write_chunks, FdKind, WriteStop};

/// What an fd is connected to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StdioKind {
    /// A regular file.
    File,
    /// A terminal.
    Tty,
    /// A character device that is not a terminal (`/dev/null`, `/dev/full`).
    CharDevice,
    /// A pipe or FIFO.
    Pipe,
    /// A socket.
    Socket,
    /// Anything else (a directory, a block device).
    Other,
}

impl StdioKind {
    /// Finds out what `fd` is, with `fstat` (and `isatty` for character devices).
    ///
    /// # Errors
    ///
    /// What `fstat` reports.
    pub(crate) fn of(fd: impl AsFd) -> io::Result<StdioKind> {
        let fd = fd.as_fd();
        let stat = rustix::fs::fstat(fd)?;
        Ok(match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => StdioKind::File,
            FileType::CharacterDevice if rustix::termios::isatty(fd) => StdioKind::Tty,
            FileType::CharacterDevice => StdioKind::CharDevice,
            FileType::Fifo => StdioKind::Pipe,
            FileType::Socket => StdioKind::Socket,
            _ => StdioKind::Other,
        })
    }

    /// Whether Node writes to this kind asynchronously (pipes and sockets, on POSIX).
    pub(crate) fn is_async(self) -> bool {
        matches!(self, StdioKind::Pipe | StdioKind::Socket)
    }
}

/// How to write to a standard stream; see the module docs.
#[derive(Debug)]
pub(crate) enum Writer {
    /// Write synchronously with [`write_blocking`] to this close-on-exec duplicate (closing it
    /// leaves the original open).
    Sync {
        /// The duplicate.
        fd: OwnedFd,
        /// How the funnel writes it, found once.
        kind: FdKind,
    },
    /// A regular file: write through the funnel from the loop thread, batched, without
    /// registering (a close-on-exec duplicate, sharing the original's offset).
    File(OwnedFd),
    /// Write through the funnel, driven by the loop: an fd of our own, which for a pipe is in
    /// nonblocking mode and for a socket needs not be.
    Async {
        /// The fd to register and write.
        fd: OwnedFd,
        /// How the funnel writes it.
        kind: FdKind,
    },
}

/// Decides how to write to `fd` (stdout or stderr, or any inherited fd) and makes the fd to do
/// it with; `fd` itself is left as it was.
///
/// # Errors
///
/// What `fstat` or `dup` reports (`EMFILE`).
pub(crate) fn writer(fd: BorrowedFd<'_>) -> io::Result<Writer> {
    match StdioKind::of(fd)? {
        StdioKind::Pipe => match reopen_pipe(fd, OFlags::WRONLY) {
            Ok(own) => Ok(Writer::Async {
                fd: own,
                kind: FdKind::Pipe,
            }),
            Err(err) => {
                log::trace!(
                    "nodestream: cannot reopen a stdio pipe ({err}); writing it synchronously"
                );
                Ok(Writer::Sync {
                    fd: dup(fd)?,
                    // Still a pipe: written under the SIGPIPE guard.
                    kind: FdKind::Pipe,
                })
            }
        },
        StdioKind::Socket => Ok(Writer::Async {
            fd: dup(fd)?,
            kind: FdKind::Socket,
        }),
        StdioKind::File => Ok(Writer::File(dup(fd)?)),
        _ => Ok(Writer::Sync {
            fd: dup(fd)?,
            kind: FdKind::Other,
        }),
    }
}

/// A close-on-exec duplicate of `fd` (the same open file description), never on fds 0-2.
pub(crate) fn dup(fd: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    rustix::io::fcntl_dupfd_cloexec(fd, 3).map_err(io::Error::from)
}

/// A new, nonblocking, close-on-exec open file description of the pipe `fd` is an end of,
/// opened with `access` (`WRONLY` or `RDONLY`).
///
/// # Errors
///
/// `ENOENT` without `/proc`; `ENXIO` when opening the write end of a named FIFO that has no
/// reader (an anonymous pipe without a reader reopens, and its writes give `EPIPE`).
pub(crate) fn reopen_pipe(fd: BorrowedFd<'_>, access: OFlags) -> io::Result<OwnedFd> {
    use std::os::fd::AsRawFd;
    let path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    rustix::fs::open(
        path.as_str(),
        access | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(io::Error::from)
}

/// Writes all of `bufs` to `fd`, written as `kind` says, waiting in `poll` whenever the fd
/// (nonblocking by someone else's choice) says `EAGAIN`. `EPIPE` is an error, never a
/// signal.
///
/// # Errors
///
/// The first write error: `EPIPE`, `EIO` (a tty hung up), `ENOSPC` (`/dev/full`).
pub(crate) fn write_blocking<B: AsRef<[u8]>>(
    fd: BorrowedFd<'_>,
    kind: FdKind,
    bufs: &[B],
) -> io::Result<()> {
    let (mut done, mut offset) = (0, 0);
    loop {
        let out = write_chunks(fd, kind, offset, bufs[done..].iter().map(AsRef::as_ref));
        done += out.progress.completed;
        offset = out.progress.offset;
        match out.stop {
            WriteStop::Done => return Ok(()),
            WriteStop::Budget => {}
            WriteStop::WouldBlock => loop {
                match poll(&mut [PollFd::new(&fd, PollFlags::OUT)], None) {
                    Err(rustix::io::Errno::INTR) => continue,
                    other => break other.map(drop)?,
                }
            },
            WriteStop::Error(err) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::testing::isolated;
    use crate::sys::{read_until_blocked, ReadStop};
    use rustix::pipe::{pipe_with, PipeFlags};
    use std::io::Read;

    fn nonblocking(fd: impl AsFd) -> bool {
        rustix::fs::fcntl_getfl(fd)
            .unwrap()
            .contains(OFlags::NONBLOCK)
    }

    fn cloexec(fd: impl AsFd) -> bool {
        rustix::io::fcntl_getfd(fd)
            .unwrap()
            .contains(rustix::io::FdFlags::CLOEXEC)
    }

    /// A pseudo-terminal master: a tty we can make without a controlling terminal.
    fn pty() -> Option<OwnedFd> {
        rustix::fs::open(
            "/dev/ptmx",
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok()
    }

    #[test]
    fn kinds_of_file_char_device_pipe_socket_and_tty() {
        isolated!(kinds_of_file_char_device_pipe_socket_and_tty, || {
            let file = std::fs::File::open("/proc/self/status").unwrap();
            assert_eq!(StdioKind::of(&file).unwrap(), StdioKind::File);
            let null = std::fs::File::open("/dev/null").unwrap();
            assert_eq!(StdioKind::of(&null).unwrap(), StdioKind::CharDevice);
            let (r, w) = pipe_with(PipeFlags::CLOEXEC).unwrap();
            assert_eq!(StdioKind::of(&r).unwrap(), StdioKind::Pipe);
            assert_eq!(StdioKind::of(&w).unwrap(), StdioKind::Pipe);
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            assert_eq!(StdioKind::of(&a).unwrap(), StdioKind::Socket);
            let dir = std::fs::File::open("/").unwrap();
            assert_eq!(StdioKind::of(&dir).unwrap(), StdioKind::Other);
            if let Some(tty) = pty() {
                assert_eq!(StdioKind::of(&tty).unwrap(), StdioKind::Tty);
            }
            assert!(StdioKind::Pipe.is_async() && StdioKind::Socket.is_async());
            assert!(!StdioKind::Tty.is_async() && !StdioKind::File.is_async());
        });
    }

    #[test]
    fn a_pipe_gets_its_own_nonblocking_description_and_the_shared_one_is_untouched() {
        isolated!(
            a_pipe_gets_its_own_nonblocking_description_and_the_shared_one_is_untouched,
            || {
                let (r, w) = pipe_with(PipeFlags::CLOEXEC).unwrap();
                let Writer::Async { fd, kind } = writer(w.as_fd()).unwrap() else {
                    panic!("a pipe with a reader is written asynchronously");
                };
                assert_eq!(kind, FdKind::Pipe);
                assert!(nonblocking(&fd) && cloexec(&fd));
                assert!(
                    !nonblocking(&w),
                    "the shared description was made nonblocking"
                );
                // Same pipe: what we write through our description, the reader gets.
                let out = write_chunks(fd.as_fd(), kind, 0, [&b"via our own description"[..]]);
                assert!(matches!(out.stop, WriteStop::Done));
                drop(fd);
                drop(w);
                let mut got = Vec::new();
                std::fs::File::from(r).read_to_end(&mut got).unwrap();
                assert_eq!(got, b"via our own description");
            }
        );
    }

    #[test]
    fn a_pipe_whose_reader_is_gone_gives_epipe_not_a_signal() {
        isolated!(a_pipe_whose_reader_is_gone_gives_epipe_not_a_signal, || {
            crate::sys::testing::sigpipe_default();
            let (r, w) = pipe_with(PipeFlags::CLOEXEC).unwrap();
            drop(r);
            // Linux reopens a pipe with no reader (a named FIFO would give ENXIO and fall back
            // to synchronous writes); either way the write reports EPIPE.
            let err = match writer(w.as_fd()).unwrap() {
                Writer::Async { fd, kind } => {
                    match write_chunks(fd.as_fd(), kind, 0, [&b"x"[..]]).stop {
                        WriteStop::Error(err) => err,
                        other => panic!("{other:?}"),
                    }
                }
                Writer::Sync { fd, kind } => write_blocking(fd.as_fd(), kind, &[b"x"]).unwrap_err(),
                Writer::File(_) => unreachable!("a pipe is no file"),
            };
            assert_eq!(err.raw_os_error(), Some(libc::EPIPE));
            assert!(!crate::sys::testing::sigpipe_is_pending());
        });
    }

    #[test]
    fn a_socket_is_duplicated_and_never_made_nonblocking() {
        isolated!(a_socket_is_duplicated_and_never_made_nonblocking, || {
            let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
            let Writer::Async { fd, kind } = writer(a.as_fd()).unwrap() else {
                panic!("sockets are asynchronous");
            };
            assert_eq!(kind, FdKind::Socket);
            assert!(cloexec(&fd));
            assert!(!nonblocking(&fd) && !nonblocking(&a));
            // Fill the socket: the funnel still never blocks.
            let big = vec![1u8; 8 << 20];
            let out = write_chunks(fd.as_fd(), kind, 0, [&big[..]]);
            assert!(matches!(out.stop, WriteStop::WouldBlock), "{out:?}");
            let mut buf = vec![0u8; 1 << 16];
            let mut n = 0;
            let got = read_until_blocked(b.as_fd(), FdKind::Socket, &mut buf, usize::MAX, |d| {
                n += d.len()
            });
            assert!(matches!(got.stop, ReadStop::WouldBlock));
            assert_eq!(n, out.progress.bytes);
        });
    }

    #[test]
    fn files_are_batched_and_ttys_written_synchronously_and_both_left_blocking() {
        isolated!(
            files_are_batched_and_ttys_written_synchronously_and_both_left_blocking,
            || {
                let path =
                    std::env::temp_dir().join(format!("nodestream-stdio-{}", std::process::id()));
                let file = std::fs::File::create(&path).unwrap();
                let Writer::File(fd) = writer(file.as_fd()).unwrap() else {
                    panic!("files go through the funnel");
                };
                assert!(cloexec(&fd) && !nonblocking(&fd));
                write_blocking(fd.as_fd(), FdKind::Other, &[&b"one "[..], b"two"]).unwrap();
                drop((fd, file));
                assert_eq!(std::fs::read(&path).unwrap(), b"one two");
                std::fs::remove_file(&path).unwrap();

                let null = std::fs::File::options()
                    .write(true)
                    .open("/dev/null")
                    .unwrap();
                assert!(matches!(writer(null.as_fd()).unwrap(), Writer::Sync { .. }));
                if let Some(tty) = pty() {
                    let Writer::Sync { fd, .. } = writer(tty.as_fd()).unwrap() else {
                        panic!("ttys are synchronous");
                    };
                    assert!(!nonblocking(&fd) && !nonblocking(&tty));
                }
            }
        );
    }

    #[test]
    fn write_blocking_waits_out_eagain_on_a_pipe_someone_made_nonblocking() {
        isolated!(
            write_blocking_waits_out_eagain_on_a_pipe_someone_made_nonblocking,
            || {
                let (r, w) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap();
                crate::sys::set_nonblocking(&r, false).unwrap();
                let reader = std::thread::spawn(move || {
                    let mut got = Vec::new();
                    std::fs::File::from(r).read_to_end(&mut got).unwrap();
                    got
                });
                let chunks: Vec<Vec<u8>> = (0..64).map(|i| vec![i as u8; 16 * 1024]).collect();
                write_blocking(w.as_fd(), FdKind::Pipe, &chunks).unwrap();
                drop(w);
                assert!(reader.join().unwrap() == chunks.concat());
            }
        );
    }
}

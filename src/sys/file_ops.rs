//! File operations: each runs on a [`Pool`] thread and ends in a completion the caller gives.
//!
//! The descriptor travels with the operation: [`read()`], [`write()`] and [`fsync`] take the [`OwnedFd`] and
//! hand it back in their completion, so an fd is never used by two threads at once, an
//! in-flight write can never race its own close, and a completion that is dropped unrun (its
//! loop gone) closes the fd instead of leaking it. This is Node's own rule for file streams:
//! one operation in flight per fd, and `destroy` waits for it before closing.
//!
//! Completions run on the worker thread. The stream layer passes a closure that posts the
//! result to its loop (`RemoteHandle::post`), so no user code runs off the loop thread.
// Part of this module (the buffers handed back after a write) serves the zero-copy paths
// still to come; until then only the tests read it.
#![allow(dead_code)]

use std::io::{self, IoSlice};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;

use rustix::fs::Mode;
use rustix::io::Errno;

use super::IOV_MAX;
use super::{raw, SigpipeGuard};
use super::{OpenFlags, Pool};

/// Node's default mode for new files, before the umask.
pub(crate) const DEFAULT_MODE: u32 = 0o666;

/// How many writes in a row may make no progress (`EAGAIN` on an fd someone put in
/// nonblocking mode, or a zero-byte write) before [`write_all`] gives up, as Node's
/// `WriteStream` does.
const MAX_ZERO_PROGRESS: usize = 5;

/// Opens `path` with `flags` and `mode` (subject to the umask), close-on-exec.
///
/// # Errors
///
/// The OS error: `ENOENT`, `EEXIST` (`wx`, `ax`), `EISDIR`, `EACCES`, ...
pub(crate) fn open_sync(
    path: &std::path::Path,
    flags: OpenFlags,
    mode: u32,
) -> io::Result<OwnedFd> {
    loop {
        match rustix::fs::open(path, flags.to_oflags(), Mode::from_raw_mode(mode)) {
            Err(Errno::INTR) => continue,
            other => return other.map_err(io::Error::from),
        }
    }
}

/// Writes all of `bufs` to `fd`, at `pos` and onwards if given (`pwritev`), else at the file
/// position (`writev`), as many calls as it takes.
///
/// Returns the number of bytes written and how it ended; on an error, the count says how much
/// went before it. `EINTR` is retried; `EAGAIN` and zero-byte writes count as no progress,
/// and more than five in a row end the write with an error whose message is Node's
/// (`write failed`; Node's code for it is `ERR_SYSTEM_ERROR`). `EPIPE` (a FIFO whose reader
/// left) is an error and never a signal.
///
/// # Node compatibility
///
/// With `O_APPEND`, Linux appends whatever `pos` says, as it does for Node.
pub(crate) fn write_all<B: AsRef<[u8]>>(
    fd: BorrowedFd<'_>,
    bufs: &[B],
    pos: Option<u64>,
) -> (usize, io::Result<()>) {
    let total: usize = bufs.iter().map(|b| b.as_ref().len()).sum();
    let mut written = 0usize;
    // Where the unwritten bytes start: buffer index and offset into it.
    let (mut index, mut offset) = (0usize, 0usize);
    let mut zero_progress = 0usize;
    let mut guard: Option<SigpipeGuard> = None;
    let mut iov: Vec<IoSlice<'_>> = Vec::new();
    while written < total {
        iov.clear();
        let mut skip = offset;
        for buf in bufs[index..].iter().map(AsRef::as_ref) {
            if iov.len() == IOV_MAX {
                break;
            }
            if buf.len() > skip {
                iov.push(IoSlice::new(&buf[skip..]));
            }
            skip = 0;
        }
        if guard.is_none() {
            match SigpipeGuard::new() {
                Ok(g) => guard = Some(g),
                Err(e) => return (written, Err(e)),
            }
        }
        let result = match pos {
            Some(pos) => rustix::io::pwritev(fd, &iov, pos + written as u64),
            None => rustix::io::writev(fd, &iov),
        };
        match result {
            Ok(n) if n > 0 => {
                zero_progress = 0;
                written += n;
                let mut n = n + offset;
                while index < bufs.len() && n >= bufs[index].as_ref().len() {
                    n -= bufs[index].as_ref().len();
                    index += 1;
                }
                offset = n;
            }
            Ok(_) | Err(Errno::AGAIN) => {
                zero_progress += 1;
                if zero_progress > MAX_ZERO_PROGRESS {
                    return (written, Err(io::Error::other("write failed")));
                }
            }
            Err(Errno::INTR) => {}
            Err(errno) => {
                if errno == Errno::PIPE {
                    if let Some(guard) = guard.as_mut() {
                        guard.consume_epipe();
                    }
                }
                return (written, Err(errno.into()));
            }
        }
    }
    (written, Ok(()))
}

/// Flushes `fd`'s data and metadata to the disk.
///
/// # Errors
///
/// `EIO`, `ENOSPC`, `EDQUOT`, or `EINVAL` for an fd that cannot be synced (a pipe).
pub(crate) fn fsync_sync(fd: impl AsFd) -> io::Result<()> {
    let fd = fd.as_fd();
    loop {
        match rustix::fs::fsync(fd) {
            Err(Errno::INTR) => continue,
            other => return other.map_err(io::Error::from),
        }
    }
}

/// Opens `path` on a pool thread, then calls `done` there with the fd or the error.
pub(crate) fn open(
    pool: &Pool,
    path: impl Into<PathBuf>,
    flags: OpenFlags,
    mode: u32,
    done: impl FnOnce(io::Result<OwnedFd>) + Send + 'static,
) {
    let path = path.into();
    pool.submit(move || done(open_sync(&path, flags, mode)));
}

/// Reads up to `len` bytes from `fd`, at `pos` if given (`pread`), else at the file position
/// (`read`), in one call (`EINTR` is retried). Returns the bytes read, in a buffer of exactly
/// their length: empty at the end of the file.
///
/// # Errors
///
/// The OS error: `EISDIR` on a directory, `EBADF`, `EIO`, `ESPIPE` (a position on a pipe),
/// `EAGAIN` on an fd someone put in nonblocking mode.
pub(crate) fn read_sync(fd: BorrowedFd<'_>, len: usize, pos: Option<u64>) -> io::Result<Vec<u8>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let mut buf = Vec::with_capacity(len);
    loop {
        let spare = rustix::buffer::spare_capacity(&mut buf);
        let result = match pos {
            Some(pos) => rustix::io::pread(fd, spare, pos),
            None => rustix::io::read(fd, spare),
        };
        match result {
            Ok(_) => break,
            Err(Errno::INTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
    }
    if buf.len() < len {
        // A short read (the file's last bytes): keep no more memory than the bytes need,
        // as Node copies such a read into a buffer of its size.
        buf.shrink_to_fit();
    }
    Ok(buf)
}

/// What a [`read()`] did, handed to its completion with the fd it borrowed.
#[derive(Debug)]
pub(crate) struct ReadDone {
    /// The fd, back to its owner.
    pub(crate) fd: OwnedFd,
    /// The bytes read (none at the end of the file), or the error.
    pub(crate) result: io::Result<Vec<u8>>,
}

/// Reads up to `len` bytes from `fd` on a pool thread (see [`read_sync`]), then calls `done`
/// there with the fd and the outcome.
pub(crate) fn read(
    pool: &Pool,
    fd: OwnedFd,
    len: usize,
    pos: Option<u64>,
    done: impl FnOnce(ReadDone) + Send + 'static,
) {
    pool.submit(move || {
        let result = read_sync(fd.as_fd(), len, pos);
        done(ReadDone { fd, result });
    });
}

/// What a [`write()`] did, handed to its completion with the fd and buffers it borrowed.
#[derive(Debug)]
pub(crate) struct Written<B> {
    /// The fd, back to its owner.
    pub(crate) fd: OwnedFd,
    /// The buffers, back to their owner (to run their callbacks, or reuse them).
    pub(crate) bufs: Vec<B>,
    /// Bytes written, also when the write failed part way.
    pub(crate) bytes: usize,
    /// `Ok` when every byte was written.
    pub(crate) result: io::Result<()>,
}

/// Writes every byte of `bufs` to `fd` on a pool thread (see [`write_all`]), then calls `done`
/// there with the fd, the buffers and the outcome.
pub(crate) fn write<B>(
    pool: &Pool,
    fd: OwnedFd,
    bufs: Vec<B>,
    pos: Option<u64>,
    done: impl FnOnce(Written<B>) + Send + 'static,
) where
    B: AsRef<[u8]> + Send + 'static,
{
    pool.submit(move || {
        let (bytes, result) = write_all(fd.as_fd(), &bufs, pos);
        done(Written {
            fd,
            bufs,
            bytes,
            result,
        });
    });
}

/// Flushes `fd` to the disk on a pool thread (`flush: true` streams do this before closing),
/// then calls `done` there with the fd and the outcome.
pub(crate) fn fsync(
    pool: &Pool,
    fd: OwnedFd,
    done: impl FnOnce(OwnedFd, io::Result<()>) + Send + 'static,
) {
    pool.submit(move || {
        let result = fsync_sync(&fd);
        done(fd, result);
    });
}

/// Closes `fd` on a pool thread (a close can block, on NFS say), then calls `done` there with
/// the error `close(2)` reported, if any.
pub(crate) fn close(pool: &Pool, fd: OwnedFd, done: impl FnOnce(io::Result<()>) + Send + 'static) {
    pool.submit(move || done(raw::close(fd)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::testing::isolated;
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    const WAIT: Duration = Duration::from_secs(10);

    /// A unique path in the temp dir, removed (with whatever is there) on drop.
    struct TempPath(PathBuf);

    impl TempPath {
        fn new(tag: &str) -> TempPath {
            static NEXT: AtomicUsize = AtomicUsize::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            TempPath(std::env::temp_dir().join(format!(
                "nodestream-fs-{tag}-{}-{n}-{nanos}",
                std::process::id()
            )))
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            let _ = std::fs::remove_dir(&self.0);
        }
    }

    fn open_wait(pool: &Pool, path: &Path, flags: &str, mode: u32) -> io::Result<OwnedFd> {
        let (tx, rx) = mpsc::channel();
        open(
            pool,
            path,
            OpenFlags::parse(flags).unwrap(),
            mode,
            move |r| tx.send(r).unwrap(),
        );
        rx.recv_timeout(WAIT).unwrap()
    }

    fn write_wait(
        pool: &Pool,
        fd: OwnedFd,
        bufs: Vec<Vec<u8>>,
        pos: Option<u64>,
    ) -> Written<Vec<u8>> {
        let (tx, rx) = mpsc::channel();
        write(pool, fd, bufs, pos, move |w| tx.send(w).unwrap());
        rx.recv_timeout(WAIT).unwrap()
    }

    fn close_wait(pool: &Pool, fd: OwnedFd) -> io::Result<()> {
        let (tx, rx) = mpsc::channel();
        close(pool, fd, move |r| tx.send(r).unwrap());
        rx.recv_timeout(WAIT).unwrap()
    }

    fn errno(r: io::Result<impl std::fmt::Debug>) -> i32 {
        r.unwrap_err().raw_os_error().unwrap()
    }

    #[test]
    fn w_creates_with_mode_writes_in_order_and_truncates_on_reopen() {
        isolated!(
            w_creates_with_mode_writes_in_order_and_truncates_on_reopen,
            || {
                let pool = Pool::new(2);
                let path = TempPath::new("w");
                let fd = open_wait(&pool, &path.0, "w", 0o600).unwrap();
                let cloexec = rustix::io::fcntl_getfd(&fd).unwrap();
                assert!(cloexec.contains(rustix::io::FdFlags::CLOEXEC));
                let meta = std::fs::metadata(&path.0).unwrap();
                assert_eq!(meta.permissions().mode() & 0o777, 0o600);
                let w = write_wait(&pool, fd, vec![b"hello ".to_vec(), b"world".to_vec()], None);
                assert_eq!(w.bytes, 11);
                w.result.unwrap();
                assert_eq!(w.bufs, vec![b"hello ".to_vec(), b"world".to_vec()]);
                let w = write_wait(&pool, w.fd, vec![b"!".to_vec()], None);
                w.result.unwrap();
                close_wait(&pool, w.fd).unwrap();
                assert_eq!(std::fs::read(&path.0).unwrap(), b"hello world!");

                let fd = open_wait(&pool, &path.0, "w", DEFAULT_MODE).unwrap();
                close_wait(&pool, fd).unwrap();
                assert_eq!(std::fs::read(&path.0).unwrap(), b"");
            }
        );
    }

    #[test]
    fn a_appends_and_ax_refuses_an_existing_file() {
        isolated!(a_appends_and_ax_refuses_an_existing_file, || {
            let pool = Pool::new(2);
            let path = TempPath::new("a");
            std::fs::write(&path.0, b"first\n").unwrap();
            let fd = open_wait(&pool, &path.0, "a", DEFAULT_MODE).unwrap();
            // Even with an offset, O_APPEND writes go to the end (Linux, as for Node).
            let w = write_wait(&pool, fd, vec![b"second\n".to_vec()], Some(0));
            w.result.unwrap();
            close_wait(&pool, w.fd).unwrap();
            assert_eq!(std::fs::read(&path.0).unwrap(), b"first\nsecond\n");
            assert_eq!(
                errno(open_wait(&pool, &path.0, "ax", DEFAULT_MODE)),
                libc::EEXIST
            );
        });
    }

    #[test]
    fn wx_creates_once_then_gives_eexist() {
        isolated!(wx_creates_once_then_gives_eexist, || {
            let pool = Pool::new(1);
            let path = TempPath::new("wx");
            let fd = open_wait(&pool, &path.0, "wx", DEFAULT_MODE).unwrap();
            close_wait(&pool, fd).unwrap();
            assert_eq!(
                errno(open_wait(&pool, &path.0, "wx", DEFAULT_MODE)),
                libc::EEXIST
            );
        });
    }

    #[test]
    fn r_plus_writes_at_an_offset_and_keeps_the_rest() {
        isolated!(r_plus_writes_at_an_offset_and_keeps_the_rest, || {
            let pool = Pool::new(2);
            let path = TempPath::new("rplus");
            assert_eq!(
                errno(open_wait(&pool, &path.0, "r+", DEFAULT_MODE)),
                libc::ENOENT
            );
            std::fs::write(&path.0, b"0123456789").unwrap();
            let fd = open_wait(&pool, &path.0, "r+", DEFAULT_MODE).unwrap();
            let w = write_wait(&pool, fd, vec![b"ab".to_vec(), b"c".to_vec()], Some(3));
            assert_eq!(w.bytes, 3);
            w.result.unwrap();
            // pwrite leaves the file position alone: a positionless write lands at 0.
            let w = write_wait(&pool, w.fd, vec![b"Z".to_vec()], None);
            w.result.unwrap();
            close_wait(&pool, w.fd).unwrap();
            assert_eq!(std::fs::read(&path.0).unwrap(), b"Z12abc6789");
        });
    }

    #[test]
    fn a_directory_gives_eisdir() {
        isolated!(a_directory_gives_eisdir, || {
            let pool = Pool::new(1);
            let dir = TempPath::new("dir");
            std::fs::create_dir(&dir.0).unwrap();
            assert_eq!(
                errno(open_wait(&pool, &dir.0, "w", DEFAULT_MODE)),
                libc::EISDIR
            );
            assert_eq!(
                errno(open_wait(&pool, &dir.0, "a", DEFAULT_MODE)),
                libc::EISDIR
            );
        });
    }

    #[test]
    fn dev_full_gives_enospc_and_the_fd_comes_back() {
        isolated!(dev_full_gives_enospc_and_the_fd_comes_back, || {
            let pool = Pool::new(1);
            let fd = open_wait(&pool, Path::new("/dev/full"), "w", DEFAULT_MODE).unwrap();
            let w = write_wait(&pool, fd, vec![b"x".to_vec()], None);
            assert_eq!(w.bytes, 0);
            assert_eq!(errno(w.result), libc::ENOSPC);
            close_wait(&pool, w.fd).unwrap();
        });
    }

    #[test]
    fn more_buffers_than_iov_max_arrive_whole_and_in_order() {
        isolated!(more_buffers_than_iov_max_arrive_whole_and_in_order, || {
            let pool = Pool::new(1);
            let path = TempPath::new("many");
            let fd = open_wait(&pool, &path.0, "w", DEFAULT_MODE).unwrap();
            let bufs: Vec<Vec<u8>> = (0..2500u32)
                .map(|i| format!("{i},").into_bytes())
                .chain([Vec::new()])
                .collect();
            let expected = bufs.concat();
            let w = write_wait(&pool, fd, bufs, None);
            assert_eq!(w.bytes, expected.len());
            w.result.unwrap();
            close_wait(&pool, w.fd).unwrap();
            assert_eq!(std::fs::read(&path.0).unwrap(), expected);
        });
    }

    #[test]
    fn fsync_and_completions_run_on_a_worker_thread() {
        isolated!(fsync_and_completions_run_on_a_worker_thread, || {
            let pool = Pool::new(1);
            let path = TempPath::new("fsync");
            let fd = open_wait(&pool, &path.0, "w", DEFAULT_MODE).unwrap();
            let (tx, rx) = mpsc::channel();
            fsync(&pool, fd, move |fd, r| {
                tx.send((fd, r, std::thread::current().id())).unwrap()
            });
            let (fd, r, thread) = rx.recv_timeout(WAIT).unwrap();
            r.unwrap();
            assert_ne!(thread, std::thread::current().id());
            close_wait(&pool, fd).unwrap();
        });
    }

    #[test]
    fn epipe_on_a_fifo_is_an_error_not_a_signal() {
        isolated!(epipe_on_a_fifo_is_an_error_not_a_signal, || {
            crate::sys::testing::sigpipe_default();
            let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
            drop(r);
            let (bytes, result) = write_all(w.as_fd(), &[b"data"], None);
            assert_eq!(bytes, 0);
            assert_eq!(errno(result), libc::EPIPE);
            assert!(!crate::sys::testing::sigpipe_is_pending());
        });
    }

    #[test]
    fn a_full_nonblocking_pipe_gives_up_after_five_tries_like_node() {
        isolated!(
            a_full_nonblocking_pipe_gives_up_after_five_tries_like_node,
            || {
                let (_r, w) = rustix::pipe::pipe_with(
                    rustix::pipe::PipeFlags::CLOEXEC | rustix::pipe::PipeFlags::NONBLOCK,
                )
                .unwrap();
                let big = vec![7u8; 1 << 20];
                let (bytes, result) = write_all(w.as_fd(), &[&big[..]], None);
                assert!(bytes > 0 && bytes < big.len());
                let err = result.unwrap_err();
                assert_eq!(err.to_string(), "write failed");
            }
        );
    }

    #[test]
    fn completions_posted_to_the_loop_run_on_the_loop_thread_in_order() {
        isolated!(
            completions_posted_to_the_loop_run_on_the_loop_thread_in_order,
            || {
                use crate::EventLoop;
                use std::sync::{Arc, Mutex};

                let lp = EventLoop::new().unwrap();
                let remote = lp.remote();
                // A file operation in flight keeps the loop alive, as in Node.
                let keep = lp.handle().keep_alive();
                let loop_thread = std::thread::current().id();
                let trace = Arc::new(Mutex::new(Vec::<String>::new()));
                let path = TempPath::new("loop");
                let pool = Arc::new(Pool::new(2));

                let (t, r, p) = (Arc::clone(&trace), remote.clone(), Arc::clone(&pool));
                open(
                    &pool,
                    &path.0,
                    OpenFlags::WRITE,
                    DEFAULT_MODE,
                    move |opened| {
                        let posted = r.clone().post(move || {
                            assert_eq!(std::thread::current().id(), loop_thread);
                            t.lock().unwrap().push("open".into());
                            let fd = opened.unwrap();
                            let pool = Arc::clone(&p);
                            write(
                                &pool,
                                fd,
                                vec![b"posted ".to_vec(), b"back".to_vec()],
                                None,
                                move |w| {
                                    let p2 = p;
                                    let _ = r.clone().post(move || {
                                        assert_eq!(std::thread::current().id(), loop_thread);
                                        t.lock().unwrap().push(format!("write {}", w.bytes));
                                        w.result.unwrap();
                                        close(&p2, w.fd, move |closed| {
                                            let _ = r.post(move || {
                                                closed.unwrap();
                                                t.lock().unwrap().push("close".into());
                                                drop(keep);
                                            });
                                        });
                                    });
                                },
                            );
                        });
                        assert!(posted.is_ok());
                    },
                );
                lp.run().unwrap();
                assert_eq!(*trace.lock().unwrap(), ["open", "write 11", "close"]);
                assert_eq!(std::fs::read(&path.0).unwrap(), b"posted back");
            }
        );
    }
}

//! [`stdin`]: Node's `process.stdin`, a Readable over fd 0 whatever it is, which never
//! switches a description the process shares with others to nonblocking mode.

use std::os::fd::AsFd;

use rustix::fs::OFlags;

use crate::error::{Error, Result};
use crate::fs::{create_read_stream, ReadStreamOptions};
use crate::reactor::LoopHandle;
use crate::stream::readable::{Readable, ReadableOptions};
use crate::sys::stdio::{dup, reopen_pipe, StdioKind};
use crate::sys::FdKind;

/// A Readable on the process's standard input (Node's `process.stdin`).
///
/// What fd 0 is decides how it is read, so that nothing the process shares with others
/// changes mode (Node makes a stdin pipe nonblocking for everyone who holds it):
///
/// - a **pipe, FIFO or terminal** is reopened through `/proc/self/fd/0`, which gives a
///   description of its own, made nonblocking there and read through the loop (a
///   terminal's line discipline and modes are left as they are); without `/proc`, a
///   duplicate is read on the worker pool, in the mode the description is in;
/// - a **socket** is read with `MSG_DONTWAIT` on a duplicate, in whatever mode it is in;
/// - a **regular file or character device** (`/dev/null`, a redirect from a file) is read
///   from its file position on the worker pool, as a file read stream;
/// - a **closed fd 0** gives a stream that ends at once (Node reads `/dev/null` then).
///
/// Each call makes a new stream over a description or duplicate of its own; destroying it
/// closes only that.
///
/// # Errors
///
/// What `fstat`, `dup`, the reopening or registering with the loop report.
///
/// # Examples
///
/// ```no_run
/// use nodestream::events::DATA;
/// use nodestream::process::stdin;
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let input = stdin(&lp.handle())?;
/// input.on(DATA, |c| print!("{}", String::from_utf8_lossy(c.as_bytes().unwrap_or_default())));
/// lp.run()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stdin(lp: &LoopHandle) -> Result<Readable> {
    let fd0 = std::io::stdin();
    let fd0 = fd0.as_fd();
    let kind = match StdioKind::of(fd0) {
        Ok(kind) => kind,
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::BADF.raw_os_error()) => {
            // Nothing to read: a stream that ends.
            let r = Readable::new(lp, ReadableOptions::default(), |r: &Readable, _| {
                r.push(None);
            });
            return Ok(r);
        }
        Err(e) => return Err(Error::syscall_failed(e, "fstat")),
    };
    let r = match kind {
        StdioKind::Pipe | StdioKind::Tty => match reopen_pipe(fd0, OFlags::RDONLY) {
            Ok(own) => {
                let kind = if kind == StdioKind::Pipe {
                    FdKind::Pipe
                } else {
                    FdKind::Other
                };
                Readable::from_own_nonblocking_fd(lp, own, kind).map_err(Error::from)?
            }
            // No `/proc` (or nothing to reopen): read a duplicate on the pool, in the mode
            // the shared description is in, as a file is read.
            Err(_) => pool_reader(lp, fd0)?,
        },
        StdioKind::Socket => {
            let dup = dup(fd0).map_err(|e| Error::syscall_failed(e, "dup"))?;
            Readable::from_fd(lp, dup, ReadableOptions::default()).map_err(Error::from)?
        }
        StdioKind::File | StdioKind::CharDevice | StdioKind::Other => pool_reader(lp, fd0)?,
    };
    r.hooks().set_origin(|| "process.stdin".to_owned());
    Ok(r)
}

/// fd 0 read from its file position on the worker pool, through a duplicate (a file read
/// stream over it).
fn pool_reader(lp: &LoopHandle, fd0: std::os::fd::BorrowedFd<'_>) -> Result<Readable> {
    let dup = dup(fd0).map_err(|e| Error::syscall_failed(e, "dup"))?;
    let rs = create_read_stream(lp, "/dev/stdin", ReadStreamOptions::new().fd(dup))?;
    Ok(rs.as_readable().clone())
}

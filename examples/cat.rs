//! `cat`: standard input piped to standard output through nodestream.
//!
//! Run with `cargo run --example cat < some-file > copy`, or in a pipeline:
//! `printf 'hello\n' | cargo run --example cat | wc -c`.
//!
//! What it shows: [`Readable::from_fd`] on stdin, [`stdout`] as a Writable, and Node's
//! `process.stdin.pipe(process.stdout)` with its backpressure (the source pauses when
//! `write` returns `false` and resumes on `'drain'`; its `'end'` ends stdout).
//!
//! Standard input is read through the loop when it is a pipe or a socket. A pipe is
//! reopened through `/proc/self/fd/0`, which gives this process a description of its own to
//! make nonblocking (the shell and the other commands of a pipeline share the original); a
//! socket is read with `MSG_DONTWAIT`. A regular file or a terminal cannot be polled (and a
//! terminal's flags are shared with every process on it), so, as libuv does for files, a
//! helper thread reads it with blocking reads and feeds the loop through a pipe.

use std::io;
use std::os::fd::{AsFd, OwnedFd};

use nodestream::process::stdout;
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::EventLoop;
use rustix::fs::{FileType, Mode, OFlags};

/// An fd the loop can read standard input from, and the helper thread if one copies it.
pub fn stdin_source() -> io::Result<(OwnedFd, Option<std::thread::JoinHandle<io::Result<u64>>>)> {
    let stdin = io::stdin();
    let fd = stdin.as_fd();
    let kind = FileType::from_raw_mode(rustix::fs::fstat(fd)?.st_mode);
    if kind == FileType::Fifo {
        // A description of our own, so making it nonblocking disturbs nobody.
        if let Ok(own) = rustix::fs::open(
            "/proc/self/fd/0",
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            return Ok((own, None));
        }
    }
    if kind == FileType::Socket {
        return Ok((rustix::io::fcntl_dupfd_cloexec(fd, 3)?, None));
    }
    // A file, a terminal, a FIFO we could not reopen, anything else: blocking reads on a
    // thread, into a pipe the loop reads.
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let mut input = std::fs::File::from(rustix::io::fcntl_dupfd_cloexec(fd, 3)?);
    let mut output = std::fs::File::from(w);
    let copier = std::thread::spawn(move || io::copy(&mut input, &mut output));
    Ok((r, Some(copier)))
}

/// Pipes `input` into the process's stdout on a fresh loop and runs it to the end.
///
/// # Errors
///
/// Making the streams, and the first `'error'` of either (`EPIPE` when the reader of
/// stdout went away).
pub fn cat(input: OwnedFd) -> Result<(), Box<dyn std::error::Error>> {
    let lp = EventLoop::new()?;
    let source =
        Readable::from_fd(&lp.handle(), input, ReadableOptions::default()).map_err(|e| e.error)?;
    let dest = stdout(&lp.handle())?;
    source.pipe(&dest);
    lp.run()?;
    Ok(())
}

fn main() {
    let result = stdin_source().map_err(Into::into).and_then(|(fd, copier)| {
        cat(fd)?;
        if let Some(copier) = copier {
            copier.join().map_err(|_| "the stdin reader panicked")??;
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    if let Err(e) = result {
        eprintln!("cat: {e}");
        std::process::exit(1);
    }
}

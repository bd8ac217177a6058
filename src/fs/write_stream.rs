//! File write streams: Node's `fs.createWriteStream`.
//!
//! Regular files are never "not ready" to epoll, so their writes would block the loop for as
//! long as the disk takes. Every file operation (open, write, fsync, close) runs on the
//! shared worker pool (`crate::sys::pool`), one at a time per stream, with the fd travelling with the
//! operation; its completion is posted back to the loop thread, and a [`KeepAlive`] travels
//! with it so `run()` does not return while it is in flight.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::ops::Deref;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};

use bytes::Bytes;

use crate::error::{Error, ErrorCode};
use crate::reactor::{KeepAlive, LoopHandle};
use crate::stream::lifecycle::{FdNumber, OPEN, READY};
use crate::stream::writable::{
    Chunk, ConstructCallback, DestroyCallback, FinalCallback, Kept, Sink, Writable,
    WritableOptions, WriteCallback,
};
use crate::sys::file_ops::{self as ops, Written, DEFAULT_MODE};
use crate::sys::{OpenFlags, Pool};
use nodestream_emitter::WeakEmitter;

use super::inbox::{Inbox, Outbox};

/// The options of [`create_write_stream`] (Node's `fs.createWriteStream(path, options)`).
///
/// # Examples
///
/// ```
/// use nodestream::fs::WriteStreamOptions;
///
/// let opts = WriteStreamOptions::new().flags("a").mode(0o600);
/// assert_eq!(opts.flags, "a");
/// ```
#[derive(Debug)]
pub struct WriteStreamOptions {
    /// Node's flag string: `"w"` (default), `"a"`, `"wx"`, `"r+"`, ... (see `fs.open`).
    pub flags: String,
    /// The mode of a new file, before the umask (default `0o666`).
    pub mode: u32,
    /// Write at this offset and onwards (`pwrite`), instead of at the file position.
    /// With `"a"` the kernel appends whatever it says, as for Node.
    pub start: Option<u64>,
    /// Write to this fd instead of opening `path`: no `'open'`/`'ready'` (Node's `{fd}`).
    pub fd: Option<OwnedFd>,
    /// `fsync` before closing (Node's `flush: true`).
    pub flush: bool,
    /// The Writable's options (high-water mark, ...).
    pub writable: WritableOptions,
}

impl Default for WriteStreamOptions {
    fn default() -> Self {
        WriteStreamOptions {
            flags: "w".into(),
            mode: DEFAULT_MODE,
            start: None,
            fd: None,
            flush: false,
            writable: WritableOptions::new(),
        }
    }
}

impl WriteStreamOptions {
    /// Node's defaults: flags `"w"`, mode `0o666`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`flags`](WriteStreamOptions::flags).
    pub fn flags(mut self, flags: &str) -> Self {
        self.flags = flags.into();
        self
    }

    /// Sets [`mode`](WriteStreamOptions::mode).
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }

    /// Sets [`start`](WriteStreamOptions::start).
    pub fn start(mut self, start: u64) -> Self {
        self.start = Some(start);
        self
    }

    /// Sets [`fd`](WriteStreamOptions::fd).
    pub fn fd(mut self, fd: impl Into<OwnedFd>) -> Self {
        self.fd = Some(fd.into());
        self
    }

    /// Sets [`flush`](WriteStreamOptions::flush).
    pub fn flush(mut self, on: bool) -> Self {
        self.flush = on;
        self
    }
}

/// A completion from the pool. The job drops its [`KeepAlive`] after posting it, so the
/// loop stays alive until the worker has let go of the loop's remote handle.
enum Done {
    Opened(io::Result<OwnedFd>),
    Wrote(Written<Bytes>),
    Synced(OwnedFd, io::Result<()>),
    Closed(io::Result<()>),
}

struct FileCore {
    lp: LoopHandle,
    outbox: Outbox,
    _inbox: RefCell<Option<Inbox>>,
    path: PathBuf,
    flags: OpenFlags,
    mode: u32,
    /// The fd, while no operation has it.
    fd: RefCell<Option<OwnedFd>>,
    /// The fd's number while the stream has one (Node's `ws.fd`).
    fd_number: Cell<Option<RawFd>>,
    pos: Cell<Option<u64>>,
    bytes_written: Cell<u64>,
    // The callbacks of the operation in flight, kept weakly: the stream owns this core
    // (the loop holds the stream while they wait; see `Kept`).
    construct: RefCell<Option<Kept<ConstructCallback>>>,
    write: RefCell<Option<Kept<WriteCallback>>>,
    final_cb: RefCell<Option<Kept<FinalCallback>>>,
    destroy: RefCell<Option<(Option<Error>, Kept<DestroyCallback>)>>,
    busy: Cell<bool>,
    flush: bool,
    emitter: RefCell<Option<WeakEmitter>>,
}

fn pool() -> &'static Pool {
    Pool::shared()
}

impl FileCore {
    fn ticket(&self) -> (Outbox, KeepAlive) {
        self.busy.set(true);
        (self.outbox.clone(), self.lp.keep_alive())
    }

    fn on_done(self: &Rc<Self>, done: Done) {
        self.busy.set(false);
        match done {
            Done::Opened(result) => {
                let cb = self.construct.borrow_mut().take().and_then(Kept::take);
                match result {
                    Ok(fd) => {
                        let number = fd.as_raw_fd();
                        self.fd_number.set(Some(number));
                        *self.fd.borrow_mut() = Some(fd);
                        // Node: construct-done is queued for the next tick, then 'open'
                        // and 'ready' are emitted synchronously.
                        if let Some(cb) = cb {
                            cb.ok();
                        }
                        let em = self
                            .emitter
                            .borrow()
                            .as_ref()
                            .and_then(WeakEmitter::upgrade);
                        if let Some(em) = em {
                            // A panicking `'open'` listener still leaves `'ready'` owed.
                            self.lp.owing(
                                || em.emit(OPEN, &FdNumber::new(number)),
                                || {
                                    let em = em.clone();
                                    move || {
                                        em.emit(READY, &());
                                    }
                                },
                            );
                            em.emit(READY, &());
                        }
                    }
                    Err(err) => {
                        if let Some(cb) = cb {
                            cb.error(Error::path_failed(err, "open", Some(&self.path)));
                        }
                    }
                }
            }
            Done::Wrote(w) => {
                *self.fd.borrow_mut() = Some(w.fd);
                self.bytes_written
                    .set(self.bytes_written.get() + w.bytes as u64);
                if let Some(pos) = self.pos.get() {
                    self.pos.set(Some(pos + w.bytes as u64));
                }
                let cb = self.write.borrow_mut().take().and_then(Kept::take);
                if self.destroy.borrow().is_some() {
                    if let Some(cb) = cb {
                        // The callback runs user code: the close is owed after it.
                        self.lp.owing(
                            || cb.error(Error::from_code(ErrorCode::Destroyed)),
                            || {
                                let me = self.clone();
                                move || me.start_close()
                            },
                        );
                    }
                    self.start_close();
                } else if let Some(cb) = cb {
                    match w.result {
                        Ok(()) => cb.ok(),
                        Err(e) => cb.error(Error::path_failed(e, "write", None)),
                    }
                }
            }
            Done::Synced(fd, result) => {
                *self.fd.borrow_mut() = Some(fd);
                let cb = self.final_cb.borrow_mut().take().and_then(Kept::take);
                if self.destroy.borrow().is_some() {
                    self.start_close();
                } else if let Some(cb) = cb {
                    match result {
                        Ok(()) => cb.ok(),
                        Err(e) => cb.error(Error::path_failed(e, "fsync", None)),
                    }
                }
            }
            Done::Closed(result) => {
                self.fd_number.set(None);
                let pending = self.destroy.borrow_mut().take();
                if let Some((err, cb)) = pending {
                    let err = match (err, result) {
                        (Some(err), _) => Some(err),
                        (None, Err(e)) => Some(Error::path_failed(e, "close", None)),
                        (None, Ok(())) => None,
                    };
                    // The stream is done with the pool: stop listening for it.
                    self._inbox.borrow_mut().take();
                    if let Some(cb) = cb.take() {
                        cb.call(err);
                    }
                }
            }
        }
    }

    /// Closes the fd on the pool (or finishes at once without one), then completes the
    /// pending destroy.
    fn start_close(self: &Rc<Self>) {
        let fd = self.fd.borrow_mut().take();
        match fd {
            Some(fd) => {
                let (out, keep) = self.ticket();
                ops::close(pool(), fd, move |r| {
                    out.send(Done::Closed(r));
                    drop(keep)
                });
            }
            None => {
                self.on_done(Done::Closed(Ok(())));
            }
        }
    }

    fn start_write(self: &Rc<Self>, chunks: Vec<Chunk>, cb: WriteCallback) {
        let Some(fd) = self.fd.borrow_mut().take() else {
            cb.error(Error::from_code(ErrorCode::Destroyed));
            return;
        };
        *self.write.borrow_mut() = Some(Kept::new(&self.lp, cb));
        let bufs: Vec<Bytes> = chunks
            .into_iter()
            .map(|c| {
                if c.is_string() {
                    c.to_bytes()
                } else {
                    c.into_bytes()
                }
            })
            .collect();
        let (out, keep) = self.ticket();
        ops::write(pool(), fd, bufs, self.pos.get(), move |w| {
            out.send(Done::Wrote(w));
            drop(keep)
        });
    }
}

struct FileSink {
    core: Rc<FileCore>,
}

impl FileSink {
    /// The stream's `_construct` when it is given a path rather than an fd: opens the file
    /// on the pool.
    fn open(&mut self, cb: ConstructCallback) {
        *self.core.construct.borrow_mut() = Some(Kept::new(&self.core.lp, cb));
        let (out, keep) = self.core.ticket();
        ops::open(
            pool(),
            self.core.path.clone(),
            self.core.flags,
            self.core.mode,
            move |r| {
                out.send(Done::Opened(r));
                drop(keep)
            },
        );
    }
}

impl Sink for FileSink {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.core.start_write(vec![chunk], cb);
    }

    fn writev(&mut self, chunks: Vec<Chunk>, cb: WriteCallback) {
        self.core.start_write(chunks, cb);
    }

    /// `fsync` before closing, with Node's `flush: true`; without it, no `_final`.
    fn finalize(&mut self, cb: FinalCallback) {
        if !self.core.flush {
            cb.not_implemented();
            return;
        }
        let Some(fd) = self.core.fd.borrow_mut().take() else {
            cb.ok();
            return;
        };
        *self.core.final_cb.borrow_mut() = Some(Kept::new(&self.core.lp, cb));
        let (out, keep) = self.core.ticket();
        ops::fsync(pool(), fd, move |fd, r| {
            out.send(Done::Synced(fd, r));
            drop(keep)
        });
    }

    fn destroy(&mut self, err: Option<Error>, cb: DestroyCallback) {
        *self.core.destroy.borrow_mut() = Some((err, Kept::new(&self.core.lp, cb)));
        // Node's rule: wait for the operation in flight, then close.
        if !self.core.busy.get() {
            self.core.start_close();
        }
    }
}

/// A file write stream: a [`Writable`] whose writes go to a file on the worker pool.
/// Dereferences to its Writable.
///
/// # Events
///
/// `'open'` then `'ready'` once the file is open (not when made from an fd), then the
/// Writable's events. An open error: buffered write callbacks and end callbacks get it,
/// then `'error'`, then `'close'`, with no `'open'`. A write error (`ENOSPC` on
/// `/dev/full`): the callbacks get it, then `'error'`, then `'close'`.
///
/// `'open'` carries the fd's number ([`FdNumber`]), equal to [`fd`](FileWriteStream::fd)
/// at that moment, as Node's `ws.fd`: for display, never to close.
#[derive(Clone)]
pub struct FileWriteStream {
    writable: Writable,
    core: Rc<FileCore>,
}

impl fmt::Debug for FileWriteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWriteStream")
            .field("path", &self.core.path)
            .field("fd", &self.core.fd_number.get())
            .field("bytes_written", &self.core.bytes_written.get())
            .finish()
    }
}

crate::stream::pipe_writable::pipe_into_its_writable!(FileWriteStream);

impl Deref for FileWriteStream {
    type Target = Writable;

    fn deref(&self) -> &Writable {
        &self.writable
    }
}

impl FileWriteStream {
    /// The Writable (also reachable through `Deref`).
    pub fn as_writable(&self) -> &Writable {
        &self.writable
    }

    /// The fd's number while the file is open (Node's `ws.fd`); `None` before `'open'` and
    /// after close.
    pub fn fd(&self) -> Option<RawFd> {
        self.core.fd_number.get()
    }

    /// Whether the file is not open yet (Node's `ws.pending`).
    pub fn pending(&self) -> bool {
        self.core.fd_number.get().is_none() && !self.writable.closed()
    }

    /// Bytes written to the file so far (Node's `bytesWritten`).
    pub fn bytes_written(&self) -> u64 {
        self.core.bytes_written.get()
    }

    /// The path given (empty when made from an fd).
    pub fn path(&self) -> &Path {
        &self.core.path
    }
}

/// Opens `path` for writing, as Node's `fs.createWriteStream(path, options)`.
///
/// The file is opened on the worker pool; writes made meanwhile are buffered and go out in
/// order once it is open.
///
/// # Errors
///
/// `ERR_INVALID_ARG_VALUE` for a flag string Node does not know (Node throws). Errors of
/// the open itself (`ENOENT`, `EEXIST` with `"wx"`, `EACCES`) come as `'error'`.
///
/// # Events
///
/// See [`FileWriteStream`].
///
/// # Examples
///
/// ```
/// use nodestream::fs::{create_write_stream, WriteStreamOptions};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let path = std::env::temp_dir().join(format!("nodestream-doc-{}", std::process::id()));
/// let ws = create_write_stream(&lp.handle(), &path, WriteStreamOptions::new())?;
/// ws.write("hello ");
/// ws.end_with("world");
/// lp.run()?;
/// assert_eq!(std::fs::read(&path)?, b"hello world");
/// assert_eq!(ws.bytes_written(), 11);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_write_stream(
    lp: &LoopHandle,
    path: impl AsRef<Path>,
    mut options: WriteStreamOptions,
) -> Result<FileWriteStream, Error> {
    let flags = OpenFlags::parse(&options.flags)?;
    let given = options.fd.take();
    let core = Rc::new_cyclic(|weak: &Weak<FileCore>| {
        let weak = weak.clone();
        let inbox = Inbox::new(move |msg: Done| {
            if let Some(core) = weak.upgrade() {
                core.on_done(msg);
            }
        });
        FileCore {
            lp: lp.clone(),
            outbox: inbox.outbox(lp.remote()),
            _inbox: RefCell::new(Some(inbox)),
            path: path.as_ref().to_path_buf(),
            flags,
            mode: options.mode,
            fd_number: Cell::new(given.as_ref().map(AsRawFd::as_raw_fd)),
            fd: RefCell::new(given),
            pos: Cell::new(options.start),
            bytes_written: Cell::new(0),
            construct: RefCell::new(None),
            write: RefCell::new(None),
            final_cb: RefCell::new(None),
            destroy: RefCell::new(None),
            busy: Cell::new(false),
            flush: options.flush,
            emitter: RefCell::new(None),
        }
    });
    let sink = FileSink { core: core.clone() };
    // Given an fd, the stream has nothing to open.
    let writable = if core.fd.borrow().is_none() {
        Writable::new_with_construct(lp, sink, options.writable, FileSink::open)
    } else {
        Writable::new(lp, sink, options.writable)
    };
    writable.emitter().declare_events(&EVENTS);
    let named = path.as_ref().display().to_string();
    writable
        .hooks()
        .set_origin(move || format!("fs.WriteStream '{named}'"));
    *core.emitter.borrow_mut() = Some(writable.emitter().downgrade());
    Ok(FileWriteStream { writable, core })
}

/// The events of a file write stream: the Writable's, `'open'` (the fd) and `'ready'`.
static EVENTS: [&[nodestream_emitter::EventDecl]; 2] = [
    &crate::stream::writable::EVENTS,
    &[
        crate::stream::lifecycle::OPEN.declared(),
        crate::stream::lifecycle::READY.declared(),
    ],
];

// `finished` and `pipeline` watch it as the Writable it is.
crate::stream::finished::finishable_as_its_writable!(FileWriteStream);

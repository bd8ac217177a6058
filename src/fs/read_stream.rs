//! File read streams: Node's `fs.createReadStream`.
//!
//! Regular files are never "not ready" to epoll, so reading them on the loop thread would
//! block it for as long as the disk takes. Every file operation (open, read, close) runs on
//! the shared worker pool (`crate::sys::pool`), one at a time per stream, the fd travelling
//! with the operation; its completion is posted back to the loop thread, where the bytes
//! are pushed into the stream's Readable.
//!
//! The open is Node's `_construct`: the Readable is made unconstructed, asks for no read
//! until the file is open, and its `destroy` waits for the open (as Node's destroy waits
//! for `kDestroy`). That waiting lives here, in the stream's [`Source`]: a destroy that
//! finds an operation in flight, or the open's construct step still to run, is kept until
//! then, and the fd is closed after it.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::ops::Deref;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};

use bytes::Bytes;
use nodestream_emitter::EventEmitter;

use crate::error::{Error, ErrorCode};
use crate::reactor::{HoldId, LoopHandle};
use crate::stream::eos::{EosStream, ReadableEos, WeakStream, WritableEos};
use crate::stream::finished::Finishable;
use crate::stream::lifecycle::{FdNumber, OPEN, READY};
use crate::stream::pipeline::PipelineSource;
use crate::stream::readable::{Chunk, DestroyDone, Encoding, Readable, ReadableOptions, Source};
use crate::sys::file_ops::{self as ops, ReadDone, DEFAULT_MODE};
use crate::sys::{OpenFlags, Pool};

use super::inbox::{Inbox, Outbox};

/// Node's default high-water mark of a file read stream, under every release: 64 KiB.
pub const READ_STREAM_HIGH_WATER_MARK: usize = 64 * 1024;

/// The options of [`create_read_stream`] (Node's `fs.createReadStream(path, options)`).
///
/// # Examples
///
/// ```
/// use nodestream::fs::ReadStreamOptions;
///
/// // Bytes 10 to 19 (the end is inclusive), 4 KiB at a time.
/// let opts = ReadStreamOptions::new().start(10).end(19).high_water_mark(4096);
/// assert_eq!((opts.start, opts.end), (Some(10), Some(19)));
/// ```
#[derive(Debug)]
pub struct ReadStreamOptions {
    /// Node's flag string: `"r"` (default), `"r+"`, `"rs"`, `"a+"`, ... (see `fs.open`).
    pub flags: String,
    /// The mode of a file the flags create, before the umask (default `0o666`).
    pub mode: u32,
    /// Read this fd instead of opening the path: no `'open'`/`'ready'` (Node's `{fd}`).
    pub fd: Option<OwnedFd>,
    /// Read from this offset on (`pread`), instead of from the file position.
    pub start: Option<u64>,
    /// The offset of the last byte to read (inclusive, as Node's `end`); `None` reads to
    /// the end of the file.
    pub end: Option<u64>,
    /// Bytes per read and the Readable's high-water mark; `None` is Node's 64 KiB, under
    /// every [`NodeCompat`](crate::compat::NodeCompat) (file read streams had it before
    /// the other streams did).
    pub high_water_mark: Option<usize>,
    /// Decode the bytes into text with this encoding (Node's `encoding`).
    pub encoding: Option<Encoding>,
    /// Destroy the stream, closing the fd, after `'end'` or an error (default `true`);
    /// Node's `autoClose`, which sets the Readable's `autoDestroy`.
    pub auto_close: bool,
    /// Emit `'close'` once destroyed (default `true`).
    pub emit_close: bool,
}

impl Default for ReadStreamOptions {
    fn default() -> Self {
        ReadStreamOptions {
            flags: "r".into(),
            mode: DEFAULT_MODE,
            fd: None,
            start: None,
            end: None,
            high_water_mark: None,
            encoding: None,
            auto_close: true,
            emit_close: true,
        }
    }
}

impl ReadStreamOptions {
    /// Node's defaults: flags `"r"`, mode `0o666`, the whole file, 64 KiB reads.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`flags`](ReadStreamOptions::flags).
    pub fn flags(mut self, flags: &str) -> Self {
        self.flags = flags.into();
        self
    }

    /// Sets [`mode`](ReadStreamOptions::mode).
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = mode;
        self
    }

    /// Sets [`fd`](ReadStreamOptions::fd).
    pub fn fd(mut self, fd: impl Into<OwnedFd>) -> Self {
        self.fd = Some(fd.into());
        self
    }

    /// Sets [`start`](ReadStreamOptions::start).
    pub fn start(mut self, start: u64) -> Self {
        self.start = Some(start);
        self
    }

    /// Sets [`end`](ReadStreamOptions::end) (inclusive).
    pub fn end(mut self, end: u64) -> Self {
        self.end = Some(end);
        self
    }

    /// Sets [`high_water_mark`](ReadStreamOptions::high_water_mark).
    pub fn high_water_mark(mut self, hwm: usize) -> Self {
        self.high_water_mark = Some(hwm);
        self
    }

    /// Sets [`encoding`](ReadStreamOptions::encoding).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// Sets [`auto_close`](ReadStreamOptions::auto_close).
    pub fn auto_close(mut self, on: bool) -> Self {
        self.auto_close = on;
        self
    }

    /// Sets [`emit_close`](ReadStreamOptions::emit_close).
    pub fn emit_close(mut self, on: bool) -> Self {
        self.emit_close = on;
        self
    }
}

/// A completion from the pool. The job drops its [`KeepAlive`](crate::KeepAlive) after
/// posting it, so the loop stays alive until the worker has let go of its remote handle.
enum Done {
    Opened(io::Result<OwnedFd>),
    Read(ReadDone),
    Closed(io::Result<()>),
}

/// A destroy waiting for the operation in flight (Node's `kIoDone`) or for the open's
/// construct step (Node's `kDestroy`): the error it was given and its completion.
type PendingDestroy = (Option<Error>, DestroyDone);

/// What waits on the operation in flight, or on the construct step after the open: the
/// stream, and a destroy made meanwhile.
///
/// The loop owns it (a hold while the pool has the operation, then the construct step's
/// tick), never the stream, which keeps it weakly: the stream lives on while its file
/// operation does, as libuv's requests keep their handle, and when the loop goes, so does
/// this, with no cycle left through the destroy's completion.
struct Waiting {
    stream: Readable,
    destroy: RefCell<Option<PendingDestroy>>,
}

struct ReadCore {
    lp: LoopHandle,
    outbox: Outbox,
    _inbox: Inbox,
    path: PathBuf,
    flags: OpenFlags,
    mode: u32,
    /// The fd, while no operation has it.
    fd: RefCell<Option<OwnedFd>>,
    /// The fd's number while the stream has one (Node's `rs.fd`).
    fd_number: Cell<Option<RawFd>>,
    /// Where the next read starts, when reading at offsets (Node's `pos`).
    pos: Cell<Option<u64>>,
    /// The last offset to read (inclusive).
    end: Option<u64>,
    bytes_read: Cell<u64>,
    waiting: RefCell<Weak<Waiting>>,
    hold: Cell<Option<HoldId>>,
}

fn pool() -> &'static Pool {
    Pool::shared()
}

impl ReadCore {
    /// What waits on an operation (or, made before the open's tick, on the open).
    fn wait(&self, stream: &Readable, destroy: Option<PendingDestroy>) -> Rc<Waiting> {
        let waiting = Rc::new(Waiting {
            stream: stream.clone(),
            destroy: RefCell::new(destroy),
        });
        *self.waiting.borrow_mut() = Rc::downgrade(&waiting);
        waiting
    }

    /// Starts an operation: the loop holds what waits on it (the stream, and any destroy
    /// made meanwhile) until [`end_op`](ReadCore::end_op). Returns the job's ticket.
    fn begin_op(&self, waiting: Rc<Waiting>) -> (Outbox, crate::KeepAlive) {
        self.hold.set(self.lp.hold(waiting));
        (self.outbox.clone(), self.lp.keep_alive())
    }

    /// The operation in flight completed: the loop lets go of what waited on it, which is
    /// handed to the caller (to keep waiting through the construct step, or to drop).
    fn end_op(&self) -> Option<Rc<Waiting>> {
        let waiting = self.waiting.borrow().upgrade();
        if let Some(id) = self.hold.take() {
            self.lp.release(id);
        }
        waiting
    }

    fn on_done(self: &Rc<Self>, done: Done) {
        let Some(waiting) = self.end_op() else {
            // The stream is gone (its loop with it): the fd in `done` closes as it drops.
            return;
        };
        match done {
            Done::Opened(result) => self.opened(waiting, result),
            Done::Read(read) => {
                *self.fd.borrow_mut() = Some(read.fd);
                let stream = waiting.stream.clone();
                let destroy = waiting.destroy.borrow_mut().take();
                drop(waiting);
                self.read_done(&stream, read.result, destroy);
            }
            Done::Closed(result) => {
                let destroy = waiting.destroy.borrow_mut().take();
                drop(waiting);
                if let Some((err, done)) = destroy {
                    // Node's `_close`: `cb(er || err)`.
                    let close_err = result.err().map(|e| Error::path_failed(e, "close", None));
                    done.done(close_err.or(err));
                }
            }
        }
    }

    /// The open completed: Node's `_construct` callback, queued for the next tick, then
    /// `'open'` and `'ready'` at once.
    fn opened(self: &Rc<Self>, waiting: Rc<Waiting>, result: io::Result<OwnedFd>) {
        let stream = waiting.stream.clone();
        let failed = match result {
            Ok(fd) => {
                self.fd_number.set(Some(fd.as_raw_fd()));
                *self.fd.borrow_mut() = Some(fd);
                None
            }
            Err(e) => Some(Error::path_failed(e, "open", Some(&self.path))),
        };
        let opened = failed.is_none();
        // The construct step keeps `waiting` (and a destroy made before it runs, even from
        // an `'open'` listener) alive until it runs.
        let core = self.clone();
        self.lp
            .next_tick(move || core.construct_step(waiting, failed));
        if let (true, Some(number)) = (opened, self.fd_number.get()) {
            let em = stream.emitter().clone();
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

    /// Node's `onConstruct`, on the tick after the open: a destroy made meanwhile goes on
    /// now (`kDestroy`, with the outer error standing for Node's aggregate of both);
    /// otherwise an open error fails the stream, and a success lets it read.
    fn construct_step(self: &Rc<Self>, waiting: Rc<Waiting>, failed: Option<Error>) {
        let stream = waiting.stream.clone();
        let destroy = waiting.destroy.borrow_mut().take();
        drop(waiting);
        match (destroy, failed) {
            (Some((err, done)), failed) => {
                stream.construct_done(false);
                self.close(&stream, err.or(failed), done);
            }
            (None, Some(err)) => {
                stream.construct_done(false);
                stream.error_or_destroy(err, true);
            }
            (None, None) => stream.construct_done(true),
        }
    }

    /// A read completed (Node's `_read` callback).
    fn read_done(
        &self,
        stream: &Readable,
        result: io::Result<Vec<u8>>,
        destroy: Option<PendingDestroy>,
    ) {
        // Destroyed meanwhile: Node's `kIoDone`, then the close.
        if let Some((err, done)) = destroy {
            let read_err = result.err().map(|e| Error::path_failed(e, "read", None));
            self.close(stream, err.or(read_err), done);
            return;
        }
        match result {
            Err(e) => stream.error_or_destroy(Error::path_failed(e, "read", None), false),
            Ok(bytes) if bytes.is_empty() => {
                stream.push(None);
            }
            Ok(bytes) => {
                let n = bytes.len() as u64;
                if let Some(pos) = self.pos.get() {
                    self.pos.set(Some(pos + n));
                }
                self.bytes_read.set(self.bytes_read.get() + n);
                stream.push(Bytes::from(bytes));
            }
        }
    }

    /// Node's `close(stream, err, cb)`: closes the fd on the pool, if the stream has one,
    /// then completes the destroy.
    fn close(&self, stream: &Readable, err: Option<Error>, done: DestroyDone) {
        let fd = self.fd.borrow_mut().take();
        // Node's `stream.fd = null`, as the close starts.
        self.fd_number.set(None);
        match fd {
            Some(fd) => {
                let (out, keep) = self.begin_op(self.wait(stream, Some((err, done))));
                ops::close(pool(), fd, move |r| {
                    out.send(Done::Closed(r));
                    drop(keep)
                });
            }
            None => done.done(err),
        }
    }

    /// Node's `_construct` for a path, on the tick after the stream was made: opens it on
    /// the pool. What waits on the open was made with the stream, so that a destroy made
    /// before this tick waits too.
    fn open(&self, waiting: Rc<Waiting>) {
        let (out, keep) = self.begin_op(waiting);
        ops::open(pool(), self.path.clone(), self.flags, self.mode, move |r| {
            out.send(Done::Opened(r));
            drop(keep)
        });
    }
}

/// The stream's [`Source`]: Node's `ReadStream.prototype._read` and `_destroy`.
struct FileSource {
    core: Rc<ReadCore>,
}

impl Source for FileSource {
    fn read(&self, stream: &Readable, size: usize) {
        let core = &self.core;
        let mut n = size;
        if let Some(end) = core.end {
            let at = core.pos.get().unwrap_or(core.bytes_read.get());
            let left = end.saturating_add(1).saturating_sub(at);
            n = n.min(usize::try_from(left).unwrap_or(usize::MAX));
        }
        if n == 0 {
            stream.push(None);
            return;
        }
        let Some(fd) = core.fd.borrow_mut().take() else {
            // The fd was taken back (`take_fd`): nothing to read from.
            let err = io::Error::from(rustix::io::Errno::BADF);
            stream.error_or_destroy(Error::path_failed(err, "read", None), false);
            return;
        };
        let (out, keep) = core.begin_op(core.wait(stream, None));
        ops::read(pool(), fd, n, core.pos.get(), move |r| {
            out.send(Done::Read(r));
            drop(keep)
        });
    }

    /// Node's rule: wait for the operation in flight (or the open's construct step), then
    /// close.
    fn destroy(&self, stream: &Readable, err: Option<Error>, done: DestroyDone) {
        let waiting = self.core.waiting.borrow().upgrade();
        match waiting {
            Some(waiting) => *waiting.destroy.borrow_mut() = Some((err, done)),
            None => self.core.close(stream, err, done),
        }
    }
}

/// A file read stream: a [`Readable`] whose bytes come from a file, read on the worker
/// pool. Dereferences to its Readable.
///
/// # Events
///
/// `'open'` then `'ready'` once the file is open (not when made from an fd), then the
/// Readable's events: `'data'`, `'end'`, `'close'` (after `'end'` with
/// [`auto_close`](ReadStreamOptions::auto_close), the default). A file that cannot be
/// opened: `'error'` (`ENOENT`, `EACCES`, ...) then `'close'`, with no `'open'`. A read
/// that fails (`EISDIR` on a directory, which opens): `'open'`, `'ready'`, `'error'`,
/// `'close'`.
///
/// `'open'` carries the fd's number ([`FdNumber`]), equal to [`fd`](FileReadStream::fd)
/// at that moment, as Node's `rs.fd`: for display, never to close.
///
/// # Node compatibility
///
/// As in Node, destroying the stream before the file is open still opens it: `'open'` and
/// `'ready'` come, then the fd is closed and `'close'` follows. The stream owns the fd it
/// was given ([`ReadStreamOptions::fd`]): with `auto_close` off, [`take_fd`](FileReadStream::take_fd)
/// hands it back where Node's caller would go on using the number.
#[derive(Clone)]
pub struct FileReadStream {
    readable: Readable,
    core: Rc<ReadCore>,
}

impl fmt::Debug for FileReadStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileReadStream")
            .field("path", &self.core.path)
            .field("fd", &self.core.fd_number.get())
            .field("bytes_read", &self.core.bytes_read.get())
            .finish()
    }
}

impl Deref for FileReadStream {
    type Target = Readable;

    fn deref(&self) -> &Readable {
        &self.readable
    }
}

impl FileReadStream {
    /// The Readable (also reachable through `Deref`).
    pub fn as_readable(&self) -> &Readable {
        &self.readable
    }

    /// The fd's number while the stream has the file open (Node's `rs.fd`); `None` before
    /// `'open'` and once the close has started.
    pub fn fd(&self) -> Option<RawFd> {
        self.core.fd_number.get()
    }

    /// Whether the stream has no fd (Node's `rs.pending`, `fd === null`): `true` before
    /// `'open'`, and again once the stream has closed its fd.
    pub fn pending(&self) -> bool {
        self.core.fd_number.get().is_none()
    }

    /// Bytes read from the file so far (Node's `bytesRead`).
    pub fn bytes_read(&self) -> u64 {
        self.core.bytes_read.get()
    }

    /// The path given (empty when made from an fd).
    pub fn path(&self) -> &Path {
        &self.core.path
    }

    /// Hands the fd back to the caller, when the stream holds it and no operation has it:
    /// after `'end'` with [`auto_close`](ReadStreamOptions::auto_close) off, say. The stream
    /// then has none: a later read fails with `EBADF`, and its destroy closes nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    /// use nodestream::events::END;
    /// use nodestream::fs::{create_read_stream, ReadStreamOptions};
    /// use nodestream::EventLoop;
    ///
    /// let lp = EventLoop::new()?;
    /// let path = std::env::temp_dir().join(format!("nodestream-take-fd-{}", std::process::id()));
    /// std::fs::write(&path, "abcdef")?;
    /// let file = std::fs::File::open(&path)?;
    /// let opts = ReadStreamOptions::new().fd(file).end(2).auto_close(false);
    /// let rs = create_read_stream(&lp.handle(), "", opts)?;
    /// let back = Rc::new(RefCell::new(None));
    /// let (b, r) = (back.clone(), rs.clone());
    /// rs.on(END, move |_: &()| *b.borrow_mut() = r.take_fd());
    /// rs.resume();
    /// lp.run()?;
    /// assert!(back.borrow().is_some()); // still open, and ours again
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn take_fd(&self) -> Option<OwnedFd> {
        let fd = self.core.fd.borrow_mut().take();
        if fd.is_some() {
            self.core.fd_number.set(None);
        }
        fd
    }
}

/// Opens `path` for reading, as Node's `fs.createReadStream(path, options)`.
///
/// The file is opened on the worker pool, on the tick after this call (Node's
/// `_construct`); reads wait for it. Each read asks for the high-water mark's worth of
/// bytes (less near [`end`](ReadStreamOptions::end)), one read in flight at a time.
///
/// # Errors
///
/// `ERR_INVALID_ARG_VALUE` for a flag string Node does not know, and `ERR_OUT_OF_RANGE`
/// for a `start` past `end` (Node throws both). Errors of the open itself (`ENOENT`,
/// `EACCES`) and of the reads (`EISDIR`) come as `'error'`.
///
/// # Events
///
/// See [`FileReadStream`].
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use nodestream::events::DATA;
/// use nodestream::fs::{create_read_stream, ReadStreamOptions};
/// use nodestream::stream::readable::Chunk;
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let path = std::env::temp_dir().join(format!("nodestream-rs-doc-{}", std::process::id()));
/// std::fs::write(&path, "hello world")?;
/// let rs = create_read_stream(&lp.handle(), &path, ReadStreamOptions::new().start(6))?;
/// let got = Rc::new(RefCell::new(Vec::new()));
/// let g = got.clone();
/// rs.on(DATA, move |c: &Chunk| g.borrow_mut().extend_from_slice(c.as_bytes().unwrap()));
/// lp.run()?;
/// assert_eq!(&got.borrow()[..], b"world");
/// assert_eq!(rs.bytes_read(), 5);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_read_stream(
    lp: &LoopHandle,
    path: impl AsRef<Path>,
    mut options: ReadStreamOptions,
) -> Result<FileReadStream, Error> {
    let flags = OpenFlags::parse(&options.flags)?;
    if let (Some(start), Some(end)) = (options.start, options.end) {
        if start > end {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!(
                    "The value of \"start\" is out of range. It must be <= \"end\" \
                     (here: {end}). Received {start}"
                ),
            ));
        }
    }
    let given = options.fd.take();
    let core = Rc::new_cyclic(|weak: &Weak<ReadCore>| {
        let weak = weak.clone();
        let inbox = Inbox::new(move |msg: Done| {
            if let Some(core) = weak.upgrade() {
                core.on_done(msg);
            }
        });
        ReadCore {
            lp: lp.clone(),
            outbox: inbox.outbox(lp.remote()),
            _inbox: inbox,
            path: path.as_ref().to_path_buf(),
            flags,
            mode: options.mode,
            fd_number: Cell::new(given.as_ref().map(AsRawFd::as_raw_fd)),
            fd: RefCell::new(given),
            pos: Cell::new(options.start),
            end: options.end,
            bytes_read: Cell::new(0),
            waiting: RefCell::new(Weak::new()),
            hold: Cell::new(None),
        }
    });
    let mut readable_options = ReadableOptions::new()
        .high_water_mark(
            options
                .high_water_mark
                .unwrap_or(READ_STREAM_HIGH_WATER_MARK),
        )
        .emit_close(options.emit_close)
        .auto_destroy(options.auto_close);
    readable_options.encoding = options.encoding;
    let source: Rc<dyn Source> = Rc::new(FileSource { core: core.clone() });
    let readable = Readable::with_source(lp, readable_options, source);
    readable.emitter().declare_events(&EVENTS);
    let named = path.as_ref().display().to_string();
    readable
        .hooks()
        .set_origin(move || format!("fs.ReadStream '{named}'"));
    // Given an fd, the stream has nothing to open; else Node's `_construct`, on the next
    // tick, opens the file (even if the stream is destroyed by then).
    if core.fd.borrow().is_none() {
        readable.set_unconstructed();
        let (c, waiting) = (core.clone(), core.wait(&readable, None));
        lp.next_tick(move || c.open(waiting));
    }
    Ok(FileReadStream { readable, core })
}

/// The events of a file read stream: the Readable's, `'open'` (the fd) and `'ready'`.
static EVENTS: [&[nodestream_emitter::EventDecl]; 2] = [
    &crate::stream::readable::EVENTS,
    &[
        crate::stream::lifecycle::OPEN.declared(),
        crate::stream::lifecycle::READY.declared(),
    ],
];

/// Watched and destroyed as its Readable.
impl EosStream for FileReadStream {
    fn eos_emitter(&self) -> EventEmitter {
        self.readable.emitter().clone()
    }
    fn eos_loop(&self) -> LoopHandle {
        self.readable.loop_handle().clone()
    }
    fn eos_readable(&self) -> Option<ReadableEos> {
        EosStream::eos_readable(&self.readable)
    }
    fn eos_writable(&self) -> Option<WritableEos> {
        None
    }
    fn eos_destroy(&self, err: Option<Error>) {
        self.readable.destroy(err);
    }
    fn eos_weak(&self) -> WeakStream {
        EosStream::eos_weak(&self.readable)
    }
}

impl Finishable for FileReadStream {}

/// A pipeline may start from a file read stream: `pipeline(&rs).to(&ws, cb)`.
impl PipelineSource<Chunk> for FileReadStream {
    fn readable_side(&self) -> &Readable {
        &self.readable
    }
}

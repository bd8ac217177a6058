//! The receiving side of fd passing: a Readable over a Unix stream socket that emits `'fd'`
//! with each received descriptor before the `'data'` that carries its byte.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::mem::MaybeUninit;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::rc::Rc;

use bytes::Bytes;

use crate::error::{Error, ErrorCode};
use crate::fdpass::{control_space, recv_with_fds, RecvError, MAX_FDS};
use crate::reactor::LoopHandle;
use crate::stream::fd_reader::{FdPump, FdReader, ReadGate, Step};
use crate::stream::readable::{Readable, ReadableOptions};
use crate::stream::shared_fd::SharedFd;
use crate::sys::with_read_buffer;
use nodestream_emitter::{Event, EventEmitter};

/// `'fd'`: a descriptor arrived. Emitted before the `'data'` whose bytes include the one it
/// was sent with.
pub const FD: Event<PassedFd> = Event::new(nodestream_emitter::names::FD);

/// How many received descriptors a socket holds for [`Socket::take_fd`](super::Socket::take_fd)
/// when nobody listens to `'fd'`, by default.
pub const DEFAULT_MAX_UNCLAIMED_FDS: usize = 256;

/// The payload of `'fd'`: a received descriptor, for one listener to [`take`](PassedFd::take).
///
/// A descriptor no listener takes is closed once the listeners have run.
pub struct PassedFd {
    fd: Cell<Option<OwnedFd>>,
    offset: u64,
}

impl PassedFd {
    /// Takes the descriptor (close-on-exec); `None` if a listener before took it.
    pub fn take(&self) -> Option<OwnedFd> {
        self.fd.take()
    }

    /// The stream offset of the first byte of the `'data'` chunk that carries this
    /// descriptor's byte (bytes read from this socket before that chunk).
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

impl fmt::Debug for PassedFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassedFd")
            .field("offset", &self.offset)
            .finish_non_exhaustive()
    }
}

/// How a Unix socket receives.
#[derive(Clone, Debug)]
pub struct ReceiveOptions {
    /// With no `'fd'` listener, received descriptors are held (with their offsets) for
    /// [`Socket::take_fd`](super::Socket::take_fd); past this many the connection fails
    /// with `ERR_TOO_MANY_FDS` and they are all closed. Default
    /// [`DEFAULT_MAX_UNCLAIMED_FDS`].
    pub max_unclaimed_fds: usize,
    /// The Readable's options.
    pub readable: ReadableOptions,
}

impl Default for ReceiveOptions {
    fn default() -> Self {
        ReceiveOptions {
            max_unclaimed_fds: DEFAULT_MAX_UNCLAIMED_FDS,
            readable: ReadableOptions::default(),
        }
    }
}

thread_local! {
    /// Control-message room for [`MAX_FDS`] descriptors, shared by this thread's receiving
    /// streams (as the data buffer is: [`with_read_buffer`]).
    static CONTROL: RefCell<Vec<MaybeUninit<u8>>> =
        RefCell::new(vec![MaybeUninit::uninit(); control_space(MAX_FDS)]);
}

/// What a receiving socket keeps besides the fd reading itself: its offset and the
/// descriptors nobody has claimed yet.
pub(crate) struct RecvState {
    offset: Cell<u64>,
    pub(crate) unclaimed: RefCell<VecDeque<(u64, OwnedFd)>>,
    max_unclaimed: usize,
}

/// The descriptors one read brought, with the stream offset of its first byte.
pub(crate) struct Received {
    offset: u64,
    /// Taken from the front as they are handed out.
    fds: std::vec::IntoIter<OwnedFd>,
}

/// The receiving socket's reads: `recvmsg` with room for descriptors, which go out (as
/// `'fd'`, or to the ledger) before the bytes they came with are pushed.
impl FdPump for Rc<RecvState> {
    type Extra = Received;

    fn read_once(&self, fd: BorrowedFd<'_>) -> Step<Received> {
        let mut fds: Vec<OwnedFd> = Vec::new();
        // The thread's shared buffers; exactly the bytes read are copied out. Nothing here
        // runs user code, so the borrows cannot nest (a nested one would get fresh room).
        let got = with_read_buffer(|buf| {
            let received = CONTROL.with(|control| match control.try_borrow_mut() {
                Ok(mut control) => recv_with_fds(fd, buf, &mut control, &mut fds),
                Err(_) => recv_with_fds(
                    fd,
                    buf,
                    &mut vec![MaybeUninit::uninit(); control_space(MAX_FDS)],
                    &mut fds,
                ),
            });
            received.map(|got| (got.bytes, Bytes::copy_from_slice(&buf[..got.bytes])))
        });
        match got {
            Ok((0, _)) if fds.is_empty() => Step::Eof,
            Ok((n, bytes)) => {
                let offset = self.offset.get();
                self.offset.set(offset + n as u64);
                let fds = fds.into_iter();
                Step::Data(bytes, Received { offset, fds })
            }
            Err(RecvError::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => Step::WouldBlock,
            Err(RecvError::Io(e)) => Step::Failed(Error::syscall_failed(e, "read")),
            Err(RecvError::Truncated(t)) => Step::Failed(Error::new(
                ErrorCode::FdTruncated,
                format!("file descriptors were lost in transit (MSG_CTRUNC): {t}"),
            )),
        }
    }

    /// The descriptors go out before their bytes: to `'fd'` listeners, one emit each, or
    /// to the unclaimed ledger (an error when it overflows).
    fn deliver(&self, stream: &Readable, received: &mut Received) -> Result<(), Error> {
        if received.fds.as_slice().is_empty() {
            return Ok(());
        }
        let offset = received.offset;
        if stream.listener_count(nodestream_emitter::names::FD) > 0 {
            for fd in received.fds.by_ref() {
                let passed = PassedFd {
                    fd: Cell::new(Some(fd)),
                    offset,
                };
                stream.emitter().emit(FD, &passed);
                // Not taken: closed here.
                drop(passed);
            }
            return Ok(());
        }
        let mut ledger = self.unclaimed.borrow_mut();
        ledger.extend(received.fds.by_ref().map(|fd| (offset, fd)));
        if ledger.len() > self.max_unclaimed {
            ledger.clear();
            return Err(Error::new(
                ErrorCode::TooManyFds,
                format!(
                    "more than {} received file descriptors are unclaimed",
                    self.max_unclaimed
                ),
            ));
        }
        Ok(())
    }

    fn closed(&self) {
        self.unclaimed.borrow_mut().clear();
    }
}

/// A Readable over the reading side's share of a Unix stream socket's fd (nonblocking),
/// which receives descriptors; held behind a [`ReadGate`] while `connecting`.
pub(crate) fn fd_readable(
    lp: &LoopHandle,
    fd: SharedFd,
    options: ReceiveOptions,
    connecting: bool,
    emitter: EventEmitter,
) -> (Readable, Rc<RecvState>, Option<ReadGate>) {
    let state = Rc::new(RecvState {
        offset: Cell::new(0),
        unclaimed: RefCell::new(VecDeque::new()),
        max_unclaimed: options.max_unclaimed_fds,
    });
    let (stream, gate): (Readable, _) = if connecting {
        let (r, gate) = FdReader::held(lp, options.readable, fd, state.clone(), Some(emitter));
        (r, Some(gate))
    } else {
        let r = FdReader::readable_on(lp, options.readable, fd, state.clone(), Some(emitter));
        (r, None)
    };
    (stream, state, gate)
}

//! The one error type of the stream layer: Node's error codes on a cheap-to-clone value.
//!
//! One error often reaches several places at once (the write callback, every buffered
//! write's callback, the end callbacks, then the `'error'` listeners), so [`Error`] is an
//! `Arc` inside: cloning it is a reference-count bump. It is `Send + Sync` so that errors
//! made on a worker thread (file I/O) can travel back to the loop thread, and so that it
//! converts into [`io::Error`] without loss.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::sync::Arc;

/// A Node-style error code: what `err.code` is in Node.
///
/// Stream errors have their `ERR_*` variants; errors from the operating system are
/// [`ErrorCode::Os`] and print as their `errno` name (`EPIPE`, `ENOSPC`, ...), as Node's do.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `ERR_STREAM_WRITE_AFTER_END`: `write()` after `end()`.
    WriteAfterEnd,
    /// `ERR_STREAM_DESTROYED`: an operation on a destroyed stream.
    Destroyed,
    /// `ERR_STREAM_NULL_VALUES`: a null chunk.
    NullValues,
    /// `ERR_MULTIPLE_CALLBACK`: a completion callback called twice.
    MultipleCallback,
    /// `ERR_STREAM_ALREADY_FINISHED`: `end()` after `'finish'`.
    AlreadyFinished,
    /// `ERR_STREAM_CANNOT_PIPE`: `pipe()` called on a Writable.
    CannotPipe,
    /// `ERR_STREAM_PREMATURE_CLOSE`: the stream closed before it ended.
    PrematureClose,
    /// `ERR_INVALID_ARG_TYPE`: an argument of the wrong type.
    InvalidArgType,
    /// `ERR_INVALID_ARG_VALUE`: an argument of the right type but a bad value.
    InvalidArgValue,
    /// `ERR_UNKNOWN_ENCODING`: an encoding name Node does not know.
    UnknownEncoding,
    /// `ERR_UNHANDLED_ERROR`: `'error'` emitted with a payload that is not an error.
    UnhandledError,
    /// `ERR_OUT_OF_RANGE`: a number outside its allowed range.
    OutOfRange,
    /// `ERR_LOOP_REENTERED`: `run`/`dispatch` called from inside a loop callback.
    LoopReentered,
    /// `ERR_TOO_MANY_FDS`: a peer sent more file descriptors than this side will hold.
    TooManyFds,
    /// `ERR_FD_TRUNCATED`: file descriptors were lost in transit (`MSG_CTRUNC`).
    FdTruncated,
    /// `ERR_PANIC`: an implementation method panicked where Node catches a throw and makes
    /// it the stream's error (`_final`, `_construct`, `_destroy`, `_read`). The message
    /// names the method and carries the panic's message.
    Panic,
    /// `ERR_INVALID_FD_TYPE`: an fd a stream cannot carry (a datagram or seqpacket
    /// socket).
    InvalidFdType,
    /// `ERR_SOCKET_CLOSED_BEFORE_CONNECTION`: a socket was destroyed while connecting;
    /// the writes it held for the connection fail with it.
    SocketClosedBeforeConnection,
    /// An operating-system error, by its `errno` value.
    Os(i32),
    /// Any other code, as a user's own `_write` or `_destroy` might give.
    Custom(Cow<'static, str>),
}

impl ErrorCode {
    /// The code as Node prints it: `"ERR_STREAM_WRITE_AFTER_END"`, `"EPIPE"`, ...
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::WriteAfterEnd => "ERR_STREAM_WRITE_AFTER_END",
            ErrorCode::Destroyed => "ERR_STREAM_DESTROYED",
            ErrorCode::NullValues => "ERR_STREAM_NULL_VALUES",
            ErrorCode::MultipleCallback => "ERR_MULTIPLE_CALLBACK",
            ErrorCode::AlreadyFinished => "ERR_STREAM_ALREADY_FINISHED",
            ErrorCode::CannotPipe => "ERR_STREAM_CANNOT_PIPE",
            ErrorCode::PrematureClose => "ERR_STREAM_PREMATURE_CLOSE",
            ErrorCode::InvalidArgType => "ERR_INVALID_ARG_TYPE",
            ErrorCode::InvalidArgValue => "ERR_INVALID_ARG_VALUE",
            ErrorCode::UnknownEncoding => "ERR_UNKNOWN_ENCODING",
            ErrorCode::UnhandledError => "ERR_UNHANDLED_ERROR",
            ErrorCode::OutOfRange => "ERR_OUT_OF_RANGE",
            ErrorCode::LoopReentered => "ERR_LOOP_REENTERED",
            ErrorCode::TooManyFds => "ERR_TOO_MANY_FDS",
            ErrorCode::FdTruncated => "ERR_FD_TRUNCATED",
            ErrorCode::Panic => "ERR_PANIC",
            ErrorCode::InvalidFdType => "ERR_INVALID_FD_TYPE",
            ErrorCode::SocketClosedBeforeConnection => "ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
            ErrorCode::Os(errno) => errno_name(*errno),
            ErrorCode::Custom(code) => code,
        }
    }

    /// The [`io::ErrorKind`] that best describes this code.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            ErrorCode::Os(errno) => io::Error::from_raw_os_error(*errno).kind(),
            ErrorCode::InvalidArgType
            | ErrorCode::InvalidArgValue
            | ErrorCode::InvalidFdType
            | ErrorCode::UnknownEncoding
            | ErrorCode::NullValues
            | ErrorCode::OutOfRange => io::ErrorKind::InvalidInput,
            ErrorCode::WriteAfterEnd | ErrorCode::Destroyed | ErrorCode::AlreadyFinished => {
                io::ErrorKind::BrokenPipe
            }
            ErrorCode::PrematureClose => io::ErrorKind::UnexpectedEof,
            ErrorCode::SocketClosedBeforeConnection => io::ErrorKind::NotConnected,
            ErrorCode::FdTruncated | ErrorCode::TooManyFds => io::ErrorKind::InvalidData,
            _ => io::ErrorKind::Other,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `errno` names Node reports: every Linux errno that node v20's
/// `util.getSystemErrorName` knows. Others print as `"EUNKNOWN"` where Node prints
/// `Unknown system error -N` (the number stays available through [`Error::raw_os_error`]).
fn errno_name(errno: i32) -> &'static str {
    const NAMES: &[(i32, &str)] = &[
        (1, "EPERM"),
        (2, "ENOENT"),
        (3, "ESRCH"),
        (4, "EINTR"),
        (5, "EIO"),
        (6, "ENXIO"),
        (7, "E2BIG"),
        (9, "EBADF"),
        (11, "EAGAIN"),
        (12, "ENOMEM"),
        (13, "EACCES"),
        (14, "EFAULT"),
        (16, "EBUSY"),
        (17, "EEXIST"),
        (18, "EXDEV"),
        (19, "ENODEV"),
        (20, "ENOTDIR"),
        (21, "EISDIR"),
        (22, "EINVAL"),
        (23, "ENFILE"),
        (24, "EMFILE"),
        (25, "ENOTTY"),
        (26, "ETXTBSY"),
        (27, "EFBIG"),
        (28, "ENOSPC"),
        (29, "ESPIPE"),
        (30, "EROFS"),
        (31, "EMLINK"),
        (32, "EPIPE"),
        (34, "ERANGE"),
        (36, "ENAMETOOLONG"),
        (38, "ENOSYS"),
        (39, "ENOTEMPTY"),
        (40, "ELOOP"),
        (49, "EUNATCH"),
        (61, "ENODATA"),
        (64, "ENONET"),
        (71, "EPROTO"),
        (75, "EOVERFLOW"),
        (84, "EILSEQ"),
        (88, "ENOTSOCK"),
        (89, "EDESTADDRREQ"),
        (90, "EMSGSIZE"),
        (91, "EPROTOTYPE"),
        (92, "ENOPROTOOPT"),
        (93, "EPROTONOSUPPORT"),
        (94, "ESOCKTNOSUPPORT"),
        (95, "ENOTSUP"),
        (97, "EAFNOSUPPORT"),
        (98, "EADDRINUSE"),
        (99, "EADDRNOTAVAIL"),
        (100, "ENETDOWN"),
        (101, "ENETUNREACH"),
        (103, "ECONNABORTED"),
        (104, "ECONNRESET"),
        (105, "ENOBUFS"),
        (106, "EISCONN"),
        (107, "ENOTCONN"),
        (108, "ESHUTDOWN"),
        (110, "ETIMEDOUT"),
        (111, "ECONNREFUSED"),
        (112, "EHOSTDOWN"),
        (113, "EHOSTUNREACH"),
        (114, "EALREADY"),
        (121, "EREMOTEIO"),
        (125, "ECANCELED"),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == errno)
        .map_or("EUNKNOWN", |(_, name)| name)
}

struct Inner {
    code: ErrorCode,
    message: Cow<'static, str>,
    source: Option<io::Error>,
    /// Node's fields of a system error (`syscall`, `address`, `port`), where known.
    sys: Option<SysInfo>,
}

/// What Node's system errors carry besides `code`: the call that failed and its target.
struct SysInfo {
    syscall: &'static str,
    address: Option<String>,
    port: Option<u16>,
}

/// An error of the stream layer, with Node's `code`.
///
/// Cheap to clone (an `Arc`), `Send + Sync`, and convertible both ways with [`io::Error`]:
/// an `io::Error` with an OS error becomes [`ErrorCode::Os`], and an `Error` turned into an
/// `io::Error` keeps its kind and can be recovered with [`Error::from_io`].
///
/// # Examples
///
/// ```
/// use nodestream::{Error, ErrorCode};
///
/// let err = Error::new(ErrorCode::WriteAfterEnd, "write after end");
/// assert_eq!(err.code().as_str(), "ERR_STREAM_WRITE_AFTER_END");
///
/// let io = std::io::Error::from_raw_os_error(32);
/// assert_eq!(Error::from(io).code().as_str(), "EPIPE");
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

impl Error {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Error {
        Error {
            inner: Arc::new(Inner {
                code,
                message: message.into(),
                source: None,
                sys: None,
            }),
        }
    }

    /// An error with a code of the caller's choosing, as `new Error(msg)` with `err.code =
    /// code` in Node.
    pub fn custom(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Error {
        Error::new(ErrorCode::Custom(code.into()), message)
    }

    /// The error for a code, with Node's usual message for it.
    pub fn from_code(code: ErrorCode) -> Error {
        let message: Cow<'static, str> = match &code {
            ErrorCode::WriteAfterEnd => "write after end".into(),
            ErrorCode::Destroyed => "Cannot call write after a stream was destroyed".into(),
            ErrorCode::NullValues => "May not write null values to stream".into(),
            ErrorCode::MultipleCallback => "Callback called multiple times".into(),
            ErrorCode::AlreadyFinished => "Cannot call end after a stream was finished".into(),
            ErrorCode::CannotPipe => "Cannot pipe, not readable".into(),
            ErrorCode::PrematureClose => "Premature close".into(),
            ErrorCode::LoopReentered => "the event loop is already running on this thread".into(),
            ErrorCode::SocketClosedBeforeConnection => {
                "Socket closed before the connection was established".into()
            }
            ErrorCode::Os(errno) => io::Error::from_raw_os_error(*errno).to_string().into(),
            other => other.as_str().to_owned().into(),
        };
        Error::new(code, message)
    }

    /// The error a panic becomes where Node makes a throw the stream's error: code
    /// [`ErrorCode::Panic`], message `"<method> panicked: <the panic's message>"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use nodestream::{Error, ErrorCode};
    ///
    /// let payload = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
    /// let err = Error::from_panic("_final", &*payload);
    /// assert_eq!(*err.code(), ErrorCode::Panic);
    /// assert_eq!(err.message(), "_final panicked: boom");
    /// ```
    pub fn from_panic(method: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        let what = if let Some(s) = payload.downcast_ref::<&str>() {
            s
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.as_str()
        } else {
            "a payload that is not a string"
        };
        Error::new(ErrorCode::Panic, format!("{method} panicked: {what}"))
    }

    /// A failed `connect` to `addr`, as Node reports it: the message
    /// `connect ECONNREFUSED 127.0.0.1:39503`, with `syscall`, `address` and `port` set.
    pub(crate) fn connect_failed(err: io::Error, addr: std::net::SocketAddr) -> Error {
        let base = Error::from(err);
        // An io::Error that carried one of ours gives back a shared error: left as it is.
        let inner = match Arc::try_unwrap(base.inner) {
            Ok(inner) => inner,
            Err(shared) => return Error { inner: shared },
        };
        let address = addr.ip().to_string();
        Error {
            inner: Arc::new(Inner {
                message: format!("connect {} {address}:{}", inner.code, addr.port()).into(),
                sys: Some(SysInfo {
                    syscall: "connect",
                    address: Some(address),
                    port: Some(addr.port()),
                }),
                ..inner
            }),
        }
    }

    /// The system call that failed (Node's `err.syscall`), for the errors that say.
    pub fn syscall(&self) -> Option<&str> {
        self.inner.sys.as_ref().map(|s| s.syscall)
    }

    /// The address the failed call was aimed at (Node's `err.address`), for the errors
    /// that say.
    pub fn address(&self) -> Option<&str> {
        self.inner.sys.as_ref()?.address.as_deref()
    }

    /// The port the failed call was aimed at (Node's `err.port`), for the errors that say.
    pub fn port(&self) -> Option<u16> {
        self.inner.sys.as_ref()?.port
    }

    /// Node's `err.errno` of an OS error: the negated OS error number (`-111` for
    /// `ECONNREFUSED` on Linux), as libuv reports it.
    pub fn errno(&self) -> Option<i32> {
        self.raw_os_error().map(|e| -e)
    }

    /// The error's Node code.
    pub fn code(&self) -> &ErrorCode {
        &self.inner.code
    }

    /// The human-readable message (Node's `err.message`).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The kind of I/O error this corresponds to.
    pub fn kind(&self) -> io::ErrorKind {
        match &self.inner.source {
            Some(source) => source.kind(),
            None => self.inner.code.kind(),
        }
    }

    /// The OS error number, when this error came from the operating system.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self.inner.code {
            ErrorCode::Os(errno) => Some(errno),
            _ => None,
        }
    }

    /// Recovers the `Error` from an [`io::Error`] made by `From<Error> for io::Error`, or
    /// converts a plain one.
    pub fn from_io(err: io::Error) -> Error {
        Error::from(err)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("code", &self.inner.code.as_str())
            .field("message", &self.inner.message)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.inner.message, self.inner.code)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<io::Error> for Error {
    fn from(err: io::Error) -> Error {
        // An io::Error that wraps one of ours gives the original back, code and all.
        if err.get_ref().is_some_and(|inner| inner.is::<Error>()) {
            let inner = err.into_inner().expect("checked above");
            return *inner.downcast::<Error>().expect("checked above");
        }
        let code = match err.raw_os_error() {
            Some(errno) => ErrorCode::Os(errno),
            None => ErrorCode::Custom(Cow::Owned(format!("{:?}", err.kind()))),
        };
        Error {
            inner: Arc::new(Inner {
                code,
                message: err.to_string().into(),
                source: Some(err),
                sys: None,
            }),
        }
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        if let Some(errno) = err.raw_os_error() {
            return io::Error::from_raw_os_error(errno);
        }
        io::Error::new(err.kind(), err)
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Error {
        Error::from_code(code)
    }
}

/// Why a stream could not take an fd ([`FdWritable::new`](crate::stream::FdWritable::new),
/// [`Readable::from_fd`](crate::stream::readable::Readable::from_fd), ...); the fd is given back.
pub struct FdError {
    /// What went wrong.
    pub error: io::Error,
    /// The fd, untouched except perhaps for its nonblocking flag.
    pub fd: OwnedFd,
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
        write!(f, "cannot stream this fd: {}", self.error)
    }
}

impl std::error::Error for FdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<FdError> for io::Error {
    fn from(e: FdError) -> io::Error {
        e.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_connect_reads_as_nodes_for_v4_and_v6() {
        let refused = || io::Error::from_raw_os_error(111);
        let e = Error::connect_failed(refused(), "127.0.0.1:39503".parse().unwrap());
        assert_eq!(e.message(), "connect ECONNREFUSED 127.0.0.1:39503");
        assert_eq!(
            (e.syscall(), e.address(), e.port()),
            (Some("connect"), Some("127.0.0.1"), Some(39503))
        );
        assert_eq!((e.raw_os_error(), e.errno()), (Some(111), Some(-111)));
        // Node writes an IPv6 address without brackets: `connect ECONNREFUSED ::1:1`.
        let e = Error::connect_failed(refused(), "[::1]:1".parse().unwrap());
        assert_eq!(e.message(), "connect ECONNREFUSED ::1:1");
        assert_eq!(e.address(), Some("::1"));
        // Errors made otherwise carry none of these.
        let plain = Error::from_code(ErrorCode::WriteAfterEnd);
        assert_eq!(
            (
                plain.syscall(),
                plain.address(),
                plain.port(),
                plain.errno()
            ),
            (None, None, None, None)
        );
    }

    #[test]
    fn os_errors_print_their_errno_name() {
        let err = Error::from(io::Error::from_raw_os_error(28));
        assert_eq!(err.code().as_str(), "ENOSPC");
        assert_eq!(err.raw_os_error(), Some(28));
    }

    #[test]
    fn round_trip_through_io_error_keeps_the_code() {
        let err = Error::from_code(ErrorCode::WriteAfterEnd);
        let io: io::Error = err.into();
        assert_eq!(io.kind(), io::ErrorKind::BrokenPipe);
        let back = Error::from(io);
        assert_eq!(back.code(), &ErrorCode::WriteAfterEnd);
        assert_eq!(back.message(), "write after end");
    }

    #[test]
    fn errno_names_are_nodes() {
        // `node -p "require('util').getSystemErrorName(-71)"` and so on.
        for (errno, name) in [
            (71, "EPROTO"),
            (100, "ENETDOWN"),
            (39, "ENOTEMPTY"),
            (11, "EAGAIN"),
        ] {
            let err = Error::from(io::Error::from_raw_os_error(errno));
            assert_eq!(err.code().as_str(), name);
        }
        // Node has no name for these (`Unknown system error -10`).
        for errno in [10, 122] {
            let err = Error::from(io::Error::from_raw_os_error(errno));
            assert_eq!(err.code().as_str(), "EUNKNOWN");
        }
    }

    #[test]
    fn unknown_errno_is_eunknown_but_keeps_the_number() {
        let err = Error::from(io::Error::from_raw_os_error(4095));
        assert_eq!(err.code().as_str(), "EUNKNOWN");
        assert_eq!(err.raw_os_error(), Some(4095));
    }

    #[test]
    fn error_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        let a = Error::custom("EMY", "mine");
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
    }
}

//! The crate's one error type: Node's error codes and fields on a cheap-to-clone value.
//!
//! Everything fallible in the crate returns [`Error`] (through the [`Result`] alias):
//! constructors (`EventLoop::new`, `net::connect`, `Server::listen`, `child_process::spawn`,
//! `fs::create_write_stream`, ...), the loop's `run` and `dispatch`, and every `'error'`
//! event. A constructor that takes an fd and refuses it gives it back inside [`FdError`],
//! whose `Error` is the same type.
//!
//! One error often reaches several places at once (the write callback, every buffered
//! write's callback, the end callbacks, then the `'error'` listeners), so [`Error`] is an
//! `Arc` inside: cloning it is a reference-count bump. It is `Send + Sync` so that errors
//! made on a worker thread (file I/O) can travel back to the loop thread.
//!
//! `?` works from any of the crate's results in a function returning
//! `nodestream::Result`, `io::Result` (`From<Error> for io::Error`) or
//! `Box<dyn std::error::Error>` (`Error` is a `std::error::Error`), and from an
//! `io::Result` in a function returning `nodestream::Result` (`From<io::Error>`).

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};

mod code;
mod errno;
mod fd_error;
mod system;
#[cfg(test)]
mod tests;

pub use code::ErrorCode;
pub use fd_error::FdError;
use system::SysInfo;

/// `Result<T, nodestream::Error>`: what every fallible call of the crate returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

struct Inner {
    code: ErrorCode,
    message: Cow<'static, str>,
    source: Option<io::Error>,
    /// Node's fields of a system error (`syscall`, `path`, `address`, `port`), where known.
    sys: Option<Box<SysInfo>>,
    /// Which stream let this error go unhandled, set once, when it goes to the loop as an
    /// uncaught error (Node prints the stack there; this names the emitter).
    origin: OnceLock<Box<str>>,
}

/// An error with Node's `code`, and for a failed system call Node's `syscall`, `errno`,
/// `path`, `address` and `port`.
///
/// Cheap to clone (an `Arc`), `Send + Sync`, and convertible both ways with [`io::Error`]:
/// an `io::Error` with an OS error becomes [`ErrorCode::Os`], and an `Error` turned into an
/// `io::Error` keeps its kind and message and can be recovered whole with
/// [`Error::from_io`].
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
///
/// A failed call reads as Node's does:
///
/// ```
/// use nodestream::fs::{create_write_stream, WriteStreamOptions};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let ws = create_write_stream(&lp.handle(), "/nonexistent/dir/file", WriteStreamOptions::new())?;
/// // No 'error' listener: the error ends `run()`, naming the stream that emitted it.
/// let err = lp.run().unwrap_err();
/// assert_eq!(err.message(), "ENOENT: no such file or directory, open '/nonexistent/dir/file'");
/// assert_eq!((err.syscall(), err.errno()), (Some("open"), Some(-2)));
/// assert_eq!(err.path(), Some(std::path::Path::new("/nonexistent/dir/file")));
/// assert_eq!(err.origin(), Some("fs.WriteStream '/nonexistent/dir/file'"));
/// # drop(ws);
/// # Ok::<(), nodestream::Error>(())
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

impl Error {
    fn from_parts(
        code: ErrorCode,
        message: Cow<'static, str>,
        source: Option<io::Error>,
        sys: Option<Box<SysInfo>>,
    ) -> Error {
        Error {
            inner: Arc::new(Inner {
                code,
                message,
                source,
                sys,
                origin: OnceLock::new(),
            }),
        }
    }

    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Error {
        Error::from_parts(code, message.into(), None, None)
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
            ErrorCode::UnableToPipe => "Cannot pipe to a closed or destroyed stream".into(),
            ErrorCode::Aborted => "The operation was aborted".into(),
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
    /// [`ErrorCode::Panic`], message `"<method> panicked: <the panic's message>"`. A panic
    /// whose payload is an `Error` (`std::panic::panic_any(err)`, Node's `throw err`) is
    /// that error itself.
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
    ///
    /// let thrown = Error::custom("E_MINE", "mine");
    /// let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     std::panic::panic_any(thrown)
    /// }))
    /// .unwrap_err();
    /// assert_eq!(Error::from_panic("_final", &*payload).code().as_str(), "E_MINE");
    /// ```
    pub fn from_panic(method: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        if let Some(err) = payload.downcast_ref::<Error>() {
            return err.clone();
        }
        let what = if let Some(s) = payload.downcast_ref::<&str>() {
            s
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.as_str()
        } else {
            "a payload that is not a string"
        };
        Error::new(ErrorCode::Panic, format!("{method} panicked: {what}"))
    }

    /// The system call that failed (Node's `err.syscall`: `"open"`, `"connect"`,
    /// `"spawn ls"`, ...), for the errors that say.
    pub fn syscall(&self) -> Option<&str> {
        self.inner.sys.as_ref().map(|s| &*s.syscall)
    }

    /// The address the failed call was aimed at (Node's `err.address`: an IP address, or
    /// a Unix socket's path), for the errors that say.
    pub fn address(&self) -> Option<&str> {
        self.inner.sys.as_ref()?.address.as_deref()
    }

    /// The port the failed call was aimed at (Node's `err.port`), for the errors that say.
    pub fn port(&self) -> Option<u16> {
        self.inner.sys.as_ref()?.port
    }

    /// The host name a failed lookup was for (Node's `err.hostname`: `getaddrinfo
    /// ENOTFOUND no-such-host.invalid` has `no-such-host.invalid`).
    pub fn hostname(&self) -> Option<&str> {
        self.inner.sys.as_ref()?.hostname.as_deref()
    }

    /// The file the failed call was about (Node's `err.path`: the file `open` failed on,
    /// the program `spawn` did not find), for the errors that say.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.inner.sys.as_ref()?.path.as_deref()
    }

    /// The arguments of a program that failed to start (Node's `err.spawnargs`, without
    /// the program itself), for `spawn` errors.
    pub fn spawnargs(&self) -> Option<&[String]> {
        self.inner.sys.as_ref()?.spawnargs.as_deref()
    }

    /// Node's `err.errno` of an OS error: the negated OS error number (`-111` for
    /// `ECONNREFUSED` on Linux), as libuv reports it; of a zlib error, zlib's return code
    /// (`-3` for `Z_DATA_ERROR`).
    pub fn errno(&self) -> Option<i32> {
        if let ErrorCode::Zlib(code) = self.inner.code {
            return Some(code);
        }
        if let Some(errno) = self.inner.sys.as_ref().and_then(|s| s.errno) {
            return Some(errno);
        }
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

    /// Which stream emitted this error with no `'error'` listener, ending
    /// [`EventLoop::run`](crate::EventLoop::run): its kind and fd, path or address
    /// (`"net.Socket fd 7 127.0.0.1:40000"`). `None` for an error that no stream left
    /// unhandled.
    ///
    /// # Node compatibility
    ///
    /// Node prints the stack of an uncaught error; a Rust error has none, so the error
    /// names where it came from instead.
    pub fn origin(&self) -> Option<&str> {
        self.inner.origin.get().map(|o| &**o)
    }

    /// Records which stream let this error go unhandled. The first stream wins; the
    /// description is made only here, on the unhandled path.
    #[cold]
    pub(crate) fn set_origin(&self, describe: impl FnOnce() -> String) {
        self.inner.origin.get_or_init(|| describe().into());
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

    /// Whether this error says nothing that `io::Error::from_raw_os_error` would not: then
    /// it becomes that, keeping `raw_os_error()`, when turned into an `io::Error`.
    fn is_plain_os(&self, errno: i32) -> bool {
        self.inner.sys.is_none()
            && self.inner.origin.get().is_none()
            && *self.inner.message == io::Error::from_raw_os_error(errno).to_string()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.inner.code.as_str())
            .field("message", &self.inner.message);
        if let Some(errno) = self.errno() {
            d.field("errno", &errno);
        }
        if let Some(sys) = &self.inner.sys {
            d.field("syscall", &sys.syscall);
            if let Some(path) = &sys.path {
                d.field("path", path);
            }
            if let Some(address) = &sys.address {
                d.field("address", address);
            }
            if let Some(port) = sys.port {
                d.field("port", &port);
            }
        }
        if let Some(origin) = self.origin() {
            d.field("origin", &origin);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.inner.message, self.inner.code)?;
        if let Some(origin) = self.origin() {
            write!(f, " (unhandled 'error' of {origin})")?;
        }
        Ok(())
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
        Error::from_parts(code, err.to_string().into(), Some(err), None)
    }
}

/// The `io::Error` keeps the kind and the whole message; [`Error::from_io`] gives back the
/// `Error` with all its fields.
///
/// An error that carries nothing beyond its OS error number becomes
/// `io::Error::from_raw_os_error`, so `raw_os_error()` answers on the `io::Error` too. One
/// with Node's context (a message such as `connect ECONNREFUSED 127.0.0.1:39503`, a
/// syscall, path or address) is wrapped whole instead, as `std::io::Error` cannot hold both
/// an OS error number and a message of its own: its `raw_os_error()` is then `None`, and
/// the number is one step away, `Error::from_io(io).raw_os_error()`.
impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        if let Some(errno) = err.raw_os_error() {
            if err.is_plain_os(errno) {
                return io::Error::from_raw_os_error(errno);
            }
        }
        io::Error::new(err.kind(), err)
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Error {
        Error::from_code(code)
    }
}

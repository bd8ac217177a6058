//! [`ErrorCode`]: what `err.code` is in Node.

use std::borrow::Cow;
use std::fmt;
use std::io;

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
    /// `ERR_STREAM_UNABLE_TO_PIPE`: `pipeline()` into a stream already closed or
    /// destroyed (from Node v26; see `stream::pipeline`).
    UnableToPipe,
    /// `ABORT_ERR`: Node's `AbortError`, an operation given up before its end.
    Aborted,
    /// A zlib error, by zlib's return code, as Node's zlib streams report it: `Z_DATA_ERROR`
    /// (-3) for corrupt input, `Z_BUF_ERROR` (-5) for input that ends too soon,
    /// `Z_NEED_DICT` (2), `Z_STREAM_ERROR` (-2), ... Node's `err.errno` is the number
    /// ([`Error::errno`](crate::Error::errno)).
    Zlib(i32),
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
            ErrorCode::UnableToPipe => "ERR_STREAM_UNABLE_TO_PIPE",
            ErrorCode::Aborted => "ABORT_ERR",
            ErrorCode::Zlib(code) => zlib_name(*code),
            ErrorCode::Os(errno) => super::errno::name(*errno),
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
            ErrorCode::Zlib(-3) => io::ErrorKind::InvalidData,
            ErrorCode::Zlib(-5) => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::Other,
        }
    }
}

/// zlib's name of a return code, as Node's `zlib.codes` gives it.
fn zlib_name(code: i32) -> &'static str {
    match code {
        0 => "Z_OK",
        1 => "Z_STREAM_END",
        2 => "Z_NEED_DICT",
        -1 => "Z_ERRNO",
        -2 => "Z_STREAM_ERROR",
        -3 => "Z_DATA_ERROR",
        -4 => "Z_MEM_ERROR",
        -5 => "Z_BUF_ERROR",
        -6 => "Z_VERSION_ERROR",
        _ => "Z_UNKNOWN",
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

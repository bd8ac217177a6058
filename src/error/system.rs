//! The errors of failed system calls, worded and fielded as Node's.
//!
//! Node makes these in four shapes (`lib/internal/errors.js`), and each of the crate's
//! system calls uses the shape Node uses for it:
//!
//! | shape | message | Node's maker | used for |
//! |---|---|---|---|
//! | [`Error::syscall_failed`] | `write EPIPE` | `errnoException` | socket and pipe I/O |
//! | [`Error::connect_failed`] | `connect ECONNREFUSED 127.0.0.1:39503` | `exceptionWithHostPort` | `connect` |
//! | [`Error::listen_failed`] | `listen EADDRINUSE: address already in use 127.0.0.1:32967` | `uvExceptionWithHostPort` | `listen`, `bind` |
//! | [`Error::path_failed`] | `ENOENT: no such file or directory, open '/x'` | `uvException` | file system calls |
//! | [`Error::spawn_failed`] | `spawn no-such-program ENOENT` | `errnoException` | `spawn` |

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::{errno, Error};

/// What Node's system errors carry besides `code` and `errno`.
pub(super) struct SysInfo {
    pub(super) syscall: Cow<'static, str>,
    pub(super) path: Option<PathBuf>,
    pub(super) address: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) spawnargs: Option<Vec<String>>,
    /// The host name a failed lookup was for (Node's `err.hostname`).
    pub(super) hostname: Option<String>,
    /// Node's `errno` where it is not an OS error's (libuv's `UV_EAI_*` for a lookup).
    pub(super) errno: Option<i32>,
}

impl SysInfo {
    fn new(syscall: impl Into<Cow<'static, str>>) -> SysInfo {
        SysInfo {
            syscall: syscall.into(),
            path: None,
            address: None,
            port: None,
            spawnargs: None,
            hostname: None,
            errno: None,
        }
    }
}

/// Node's ` 127.0.0.1:8000` (a port) or ` /tmp/sock` (a Unix socket's path) after the code.
fn host_port(address: &str, port: Option<u16>) -> String {
    match port {
        Some(port) if port > 0 => format!(" {address}:{port}"),
        _ if !address.is_empty() => format!(" {address}"),
        _ => String::new(),
    }
}

impl Error {
    /// The error of `err` from a system call, with Node's fields in `sys` and the message
    /// `message(code, description)` (the description is libuv's, `"broken pipe"`).
    ///
    /// An `err` that already carries one of ours is given back as it is: it was worded
    /// where it was made.
    fn system(err: io::Error, sys: SysInfo, message: impl FnOnce(&str, &str) -> String) -> Error {
        let base = Error::from(err);
        if base.inner.source.is_none() || base.inner.sys.is_some() {
            return base;
        }
        let message = match base.raw_os_error() {
            Some(n) => message(errno::name(n), errno::message(n)),
            // Not the OS's (a limit of the crate's own): the io::Error's words.
            None => message(base.code().as_str(), base.message()),
        };
        let code = base.inner.code.clone();
        // Made just above from an io::Error, so not shared: the io::Error moves over.
        let source = std::sync::Arc::try_unwrap(base.inner)
            .ok()
            .and_then(|inner| inner.source);
        Error::from_parts(code, message.into(), source, Some(Box::new(sys)))
    }

    /// Node's `errnoException`: `"<syscall> <code>"` (`write EPIPE`, `read ECONNRESET`),
    /// with `syscall` set.
    pub(crate) fn syscall_failed(err: io::Error, syscall: &'static str) -> Error {
        Error::system(err, SysInfo::new(syscall), |code, _| {
            format!("{syscall} {code}")
        })
    }

    /// A failed `connect` to `addr`, as Node reports it: the message
    /// `connect ECONNREFUSED 127.0.0.1:39503`, with `syscall`, `address` and `port` set.
    pub(crate) fn connect_failed(err: io::Error, addr: SocketAddr) -> Error {
        Error::host_port_failed(err, "connect", addr.ip().to_string(), Some(addr.port()))
    }

    /// Node's `exceptionWithHostPort`: `"<syscall> <code> <address>[:<port>]"`
    /// (`connect ENOENT /tmp/sock` for a Unix socket), with `syscall`, `address` and
    /// `port` set.
    pub(crate) fn host_port_failed(
        err: io::Error,
        syscall: &'static str,
        address: String,
        port: Option<u16>,
    ) -> Error {
        Error::at_host_port(err, syscall, address, port, |code, _, details| {
            format!("{syscall} {code}{details}")
        })
    }

    /// Node's `uvExceptionWithHostPort`, as `listen` reports:
    /// `listen EADDRINUSE: address already in use 127.0.0.1:32967` (or a Unix socket's
    /// path in place of the address and port), with `syscall`, `address` and `port` set.
    pub(crate) fn listen_failed(
        err: io::Error,
        syscall: &'static str,
        address: String,
        port: Option<u16>,
    ) -> Error {
        Error::at_host_port(err, syscall, address, port, |code, what, details| {
            format!("{syscall} {code}: {what}{details}")
        })
    }

    /// A failure at an address (and port): `message` gets the code, the description and
    /// the `" <address>[:<port>]"` tail, in the shape of Node's function it stands for.
    fn at_host_port(
        err: io::Error,
        syscall: &'static str,
        address: String,
        port: Option<u16>,
        message: impl FnOnce(&str, &str, &str) -> String,
    ) -> Error {
        let details = host_port(&address, port);
        let sys = SysInfo {
            address: Some(address),
            port,
            ..SysInfo::new(syscall)
        };
        Error::system(err, sys, |code, what| message(code, what, &details))
    }

    /// A failed host name lookup, as Node's `dns` reports it (`dnsException`):
    /// `getaddrinfo ENOTFOUND no-such-host.invalid`, with `code` the libuv name
    /// (`ENOTFOUND`, `EAI_AGAIN`, ...), `errno` its number (`-3008`), `syscall`
    /// `getaddrinfo` and `hostname` set.
    pub(crate) fn lookup_failed(code: &'static str, errno: i32, hostname: &str) -> Error {
        let sys = SysInfo {
            hostname: Some(hostname.to_owned()),
            errno: Some(errno),
            ..SysInfo::new("getaddrinfo")
        };
        Error::from_parts(
            super::ErrorCode::Custom(code.into()),
            format!("getaddrinfo {code} {hostname}").into(),
            None,
            Some(Box::new(sys)),
        )
    }

    /// Node's `uvException`, as the file system reports:
    /// `ENOENT: no such file or directory, open '/nonexistent/dir/file'`, or without a
    /// path `EBADF: bad file descriptor, write`; with `syscall` and `path` set.
    pub(crate) fn path_failed(err: io::Error, syscall: &'static str, path: Option<&Path>) -> Error {
        let quoted = path.map_or(String::new(), |p| format!(" '{}'", p.display()));
        let sys = SysInfo {
            path: path.map(Path::to_path_buf),
            ..SysInfo::new(syscall)
        };
        Error::system(err, sys, |code, what| {
            format!("{code}: {what}, {syscall}{quoted}")
        })
    }

    /// A failed `spawn` of `file`, as Node reports it: `spawn no-such-program ENOENT`, with
    /// `syscall` `"spawn no-such-program"` and `path` the program.
    pub(crate) fn spawn_failed(err: io::Error, file: &Path, args: Vec<String>) -> Error {
        let syscall = format!("spawn {}", file.display());
        let sys = SysInfo {
            path: Some(file.to_path_buf()),
            spawnargs: Some(args),
            ..SysInfo::new(syscall.clone())
        };
        Error::system(err, sys, |code, _| format!("{syscall} {code}"))
    }

    /// This error with ` (why)` after Node's message, where the crate knows more than the
    /// errno says (`listen EINVAL: invalid argument (the socket is connected)`).
    pub(crate) fn explained(self, why: &str) -> Error {
        match std::sync::Arc::try_unwrap(self.inner) {
            Ok(inner) => Error::from_parts(
                inner.code,
                format!("{} ({why})", inner.message).into(),
                inner.source,
                inner.sys,
            ),
            // Shared already: someone holds it as it is.
            Err(inner) => Error { inner },
        }
    }
}

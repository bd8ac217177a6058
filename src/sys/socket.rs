//! TCP and Unix stream sockets, nonblocking and close-on-exec from birth, as mio types ready
//! to register with the loop.
//!
//! Sockets are written and read through the fd funnel ([`writev`](super::writev), [`FdKind::Socket`]):
//! `sendmsg(MSG_NOSIGNAL)`, so a peer that went away gives `EPIPE` and never a signal.
//!
//! A TCP connect is nonblocking: [`tcp_connect`] starts it, the socket turns writable when it
//! is decided, and [`connect_result`] tells which way it went (the `'connect'` event, or an
//! `'error'` such as `ECONNREFUSED`). `end()` is [`shutdown_write`]: the peer reads end of file
//! while this side can still read.
//!
//! [`FdKind::Socket`]: super::FdKind::Socket

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use mio::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use rustix::io::Errno;
use rustix::net::{AddressFamily, SocketFlags, SocketType};

use super::fd::{socket_type_name, FdKind};
use crate::error::Error;

/// How many connections one [`accept_until_blocked`] call takes before yielding.
pub(crate) const ACCEPT_BUDGET: usize = 32;

/// The `backlog` a listening socket gets when none is given: Node's (`lib/net.js`), 511.
pub(crate) const DEFAULT_BACKLOG: u32 = 511;

/// `listen(2)`'s argument: the kernel caps it at `net.core.somaxconn` anyway.
fn backlog_arg(backlog: u32) -> i32 {
    i32::try_from(backlog).unwrap_or(i32::MAX)
}

/// A nonblocking, close-on-exec stream socket of `family`.
fn stream_socket(family: AddressFamily) -> io::Result<OwnedFd> {
    Ok(rustix::net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )?)
}

/// Starts a nonblocking TCP connect to `addr`. Register the stream for writable readiness,
/// then ask [`connect_result`].
///
/// # Errors
///
/// Errors found at once: `ENETUNREACH`, `EMFILE`, ... A refused connection is reported later,
/// by [`connect_result`].
pub(crate) fn tcp_connect(addr: SocketAddr) -> io::Result<TcpStream> {
    TcpStream::connect(addr)
}

/// Where a connect in progress stands, once its socket has turned writable (or at any time):
/// `Ok(true)` connected, `Ok(false)` still in progress.
///
/// # Errors
///
/// Why the connect failed: `ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`, ...
pub(crate) fn connect_result(socket: impl AsFd) -> io::Result<bool> {
    let fd = socket.as_fd();
    match rustix::net::sockopt::socket_error(fd)? {
        Err(errno) => Err(errno.into()),
        Ok(()) => match rustix::net::getpeername(fd) {
            Ok(_) => Ok(true),
            Err(rustix::io::Errno::NOTCONN) => Ok(false),
            Err(e) => Err(e.into()),
        },
    }
}

/// A TCP listener bound to `addr` (port 0 picks a free one), with `SO_REUSEADDR` as Node
/// sets it, listening with `backlog` (the kernel caps it at `net.core.somaxconn`).
///
/// # Errors
///
/// `EADDRINUSE`, `EACCES`, ...
pub(crate) fn tcp_listen(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let family = if addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let fd = stream_socket(family)?;
    rustix::net::sockopt::set_socket_reuseaddr(&fd, true)?;
    rustix::net::bind(&fd, &addr)?;
    rustix::net::listen(&fd, backlog_arg(backlog))?;
    Ok(TcpListener::from_std(std::net::TcpListener::from(fd)))
}

/// Connects to the Unix stream socket at `path`.
///
/// # Errors
///
/// `ENOENT` (no socket there), `ECONNREFUSED` (nobody listening), `EAGAIN` (the listener's
/// backlog is full), ...
pub(crate) fn unix_connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
    UnixStream::connect(path)
}

/// A Unix stream socket listening at `path`, which must not exist yet, with `backlog`.
///
/// # Errors
///
/// `EADDRINUSE` when `path` exists, `ENOENT` for a missing directory, ...
pub(crate) fn unix_listen(path: impl AsRef<Path>, backlog: u32) -> io::Result<UnixListener> {
    let fd = stream_socket(AddressFamily::UNIX)?;
    rustix::net::bind(&fd, &rustix::net::SocketAddrUnix::new(path.as_ref())?)?;
    rustix::net::listen(&fd, backlog_arg(backlog))?;
    Ok(UnixListener::from_std(
        std::os::unix::net::UnixListener::from(fd),
    ))
}

/// A listening socket made from one the caller bound ([`listen_on`]).
#[derive(Debug)]
pub(crate) enum Listening {
    Tcp(TcpListener),
    Unix(UnixListener),
}

/// Makes a socket the caller bound listen (again) with `backlog`, as Node's
/// `server.listen({ fd })` does, and puts it in nonblocking mode: a TCP (IPv4 or IPv6) or
/// Unix stream socket, bound, listening or not yet (an unbound TCP socket listens on a port
/// the kernel picks, as in Node).
///
/// # Errors
///
/// The fd is given back with Node's error for `listen` (code the errno, message
/// `listen EINVAL: invalid argument` and why): `ENOTSOCK` for an fd that is no socket,
/// `EINVAL` for a socket that is not a stream socket (datagram, seqpacket), of another
/// family, or connected, and what `listen` or `fcntl` report.
pub(crate) fn listen_on(fd: OwnedFd, backlog: u32) -> Result<Listening, (io::Error, OwnedFd)> {
    let tcp = match classify_listener(&fd) {
        Ok(tcp) => tcp,
        Err(err) => return Err((err, fd)),
    };
    if let Err(errno) = rustix::net::listen(&fd, backlog_arg(backlog)) {
        let connected = matches!(rustix::net::getpeername(&fd), Ok(Some(_)));
        let why = connected.then_some("the socket is connected");
        return Err((listen_error(errno, why), fd));
    }
    if let Err(err) = super::fd::set_nonblocking(&fd, true) {
        return Err((err, fd));
    }
    Ok(if tcp {
        Listening::Tcp(TcpListener::from_std(std::net::TcpListener::from(fd)))
    } else {
        Listening::Unix(UnixListener::from_std(
            std::os::unix::net::UnixListener::from(fd),
        ))
    })
}

/// Whether `fd` is a TCP stream socket (`true`) or a Unix one (`false`); the refusal
/// otherwise.
fn classify_listener(fd: &OwnedFd) -> io::Result<bool> {
    if FdKind::of(fd)? != FdKind::Socket {
        return Err(listen_error(
            Errno::NOTSOCK,
            Some("a server needs a bound stream socket"),
        ));
    }
    let ty = rustix::net::sockopt::socket_type(fd)?;
    if ty != SocketType::STREAM {
        let why = format!(
            "a {} socket cannot listen: a server needs a stream socket",
            socket_type_name(ty)
        );
        return Err(listen_error(Errno::INVAL, Some(&why)));
    }
    match rustix::net::sockopt::socket_domain(fd)? {
        AddressFamily::INET | AddressFamily::INET6 => Ok(true),
        AddressFamily::UNIX => Ok(false),
        _ => Err(listen_error(
            Errno::INVAL,
            Some("a server listens on TCP or Unix sockets only"),
        )),
    }
}

/// Node's `uvExceptionWithHostPort` for `listen`: code the errno's name, message
/// `listen EINVAL: invalid argument`, and why, when known.
fn listen_error(errno: Errno, why: Option<&str>) -> io::Error {
    let os = io::Error::from_raw_os_error(errno.raw_os_error());
    let err = Error::listen_failed(os, "listen", String::new(), None);
    match why {
        Some(why) => err.explained(why),
        None => err,
    }
    .into()
}

/// A connected pair of Unix stream sockets.
///
/// # Errors
///
/// `EMFILE`, `ENFILE`.
pub(crate) fn unix_pair() -> io::Result<(UnixStream, UnixStream)> {
    UnixStream::pair()
}

/// Shuts down the writing side of a socket (`end()`): the peer reads end of file once it has
/// read everything sent before; this side can still read.
///
/// # Errors
///
/// `ENOTCONN` for a socket that is not connected.
pub(crate) fn shutdown_write(socket: impl AsFd) -> io::Result<()> {
    rustix::net::shutdown(socket, rustix::net::Shutdown::Write).map_err(io::Error::from)
}

/// Accepts connections with `accept` until it reports `WouldBlock` or `budget` connections
/// were taken, handing each to `sink`. Returns `true` if the budget ran out (more may wait,
/// and no readiness edge will say so).
///
/// `accept` is a listener's `accept` (`TcpListener::accept`, `UnixListener::accept`); mio
/// makes the accepted sockets nonblocking and close-on-exec with `accept4`. Connections that
/// died while queued (`ECONNABORTED`) are skipped, and `EINTR` retried, as libuv does.
///
/// # Errors
///
/// Any other error: `EMFILE` and `ENFILE` (out of descriptors), `ENOBUFS`, ...
pub(crate) fn accept_until_blocked<T>(
    budget: usize,
    mut accept: impl FnMut() -> io::Result<T>,
    mut sink: impl FnMut(T),
) -> io::Result<bool> {
    let mut taken = 0;
    while taken < budget {
        match accept() {
            Ok(conn) => {
                taken += 1;
                sink(conn);
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(err)
                if err.kind() == io::ErrorKind::Interrupted
                    || err.raw_os_error() == Some(libc::ECONNABORTED) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(true)
}

/// Starts a nonblocking connect of the unconnected TCP socket `socket` to `addr`: `Ok` once
/// it is under way (or done); readiness and [`connect_result`] tell the outcome.
///
/// # Errors
///
/// Errors found at once: `ENETUNREACH`, `EAFNOSUPPORT`, ...
pub(crate) fn start_connect(socket: impl AsFd, addr: SocketAddr) -> io::Result<()> {
    match rustix::net::connect(socket, &addr) {
        Ok(()) | Err(rustix::io::Errno::INPROGRESS) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// An unconnected nonblocking TCP socket of `addr`'s family, to connect once a host name
/// is looked up.
///
/// # Errors
///
/// `EMFILE`, `ENFILE`, `EAFNOSUPPORT`.
pub(crate) fn tcp_socket(ipv6: bool) -> io::Result<OwnedFd> {
    stream_socket(if ipv6 {
        AddressFamily::INET6
    } else {
        AddressFamily::INET
    })
}

/// The local address of an IP socket (`getsockname`); `None` for any other kind.
pub(crate) fn local_ip_addr(socket: impl AsFd) -> Option<SocketAddr> {
    SocketAddr::try_from(rustix::net::getsockname(socket).ok()?).ok()
}

/// The peer's address of a connected IP socket (`getpeername`); `None` when it is not
/// connected or not an IP socket.
pub(crate) fn peer_ip_addr(socket: impl AsFd) -> Option<SocketAddr> {
    SocketAddr::try_from(rustix::net::getpeername(socket).ok()??).ok()
}

/// `TCP_NODELAY`, as libuv's `uv_tcp_nodelay`.
pub(crate) fn set_nodelay(socket: impl AsFd, on: bool) -> io::Result<()> {
    Ok(rustix::net::sockopt::set_tcp_nodelay(socket, on)?)
}

/// `SO_KEEPALIVE`, and with it `TCP_KEEPIDLE` (whole seconds, at least one), as libuv's
/// `uv_tcp_keepalive`.
pub(crate) fn set_keepalive(socket: impl AsFd, on: bool, idle_secs: u64) -> io::Result<()> {
    let fd = socket.as_fd();
    rustix::net::sockopt::set_socket_keepalive(fd, on)?;
    if on && idle_secs > 0 {
        let idle = std::time::Duration::from_secs(idle_secs);
        rustix::net::sockopt::set_tcp_keepidle(fd, idle)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::testing::assert_nonblocking_cloexec;
    use crate::sys::testing::isolated;
    use crate::sys::{read_until_blocked, write_chunks, FdKind, ReadStop, WriteStop};
    use mio::{Events, Interest, Poll, Token};
    use std::time::Duration;

    /// Polls until `token` is reported, panicking after ten seconds.
    fn wait_for(poll: &mut Poll, events: &mut Events, token: Token) {
        for _ in 0..100 {
            poll.poll(events, Some(Duration::from_millis(100))).unwrap();
            if events.iter().any(|e| e.token() == token) {
                return;
            }
        }
        panic!("no event for {token:?}");
    }

    /// Reads everything `fd` holds now, polling for more, until end of file.
    fn read_to_eof(poll: &mut Poll, events: &mut Events, token: Token, fd: impl AsFd) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = vec![0u8; 4096];
        loop {
            let out = read_until_blocked(fd.as_fd(), FdKind::Socket, &mut buf, 32, |b| {
                got.extend_from_slice(b)
            });
            match out.stop {
                ReadStop::Eof => return got,
                ReadStop::Budget => {}
                ReadStop::WouldBlock => wait_for(poll, events, token),
                ReadStop::Error(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn tcp_connect_accept_exchange_and_fin() {
        isolated!(tcp_connect_accept_exchange_and_fin, || {
            let mut poll = Poll::new().unwrap();
            let mut events = Events::with_capacity(16);
            let mut listener = tcp_listen("127.0.0.1:0".parse().unwrap(), DEFAULT_BACKLOG).unwrap();
            assert_nonblocking_cloexec(&listener);
            let addr = listener.local_addr().unwrap();
            poll.registry()
                .register(&mut listener, Token(0), Interest::READABLE)
                .unwrap();

            let mut client = tcp_connect(addr).unwrap();
            assert_nonblocking_cloexec(&client);
            poll.registry()
                .register(
                    &mut client,
                    Token(1),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .unwrap();
            // Edge-triggered: always try first, wait only after WouldBlock (a wait may report
            // the other socket's edge, which then never comes again).
            while !connect_result(&client).unwrap() {
                wait_for(&mut poll, &mut events, Token(1));
            }

            let mut accepted = Vec::new();
            loop {
                let more = accept_until_blocked(
                    ACCEPT_BUDGET,
                    || listener.accept(),
                    |(s, _)| accepted.push(s),
                )
                .unwrap();
                assert!(!more);
                if !accepted.is_empty() {
                    break;
                }
                wait_for(&mut poll, &mut events, Token(0));
            }
            let mut server = accepted.pop().unwrap();
            assert_nonblocking_cloexec(&server);
            poll.registry()
                .register(&mut server, Token(2), Interest::READABLE)
                .unwrap();

            let out = write_chunks(client.as_fd(), FdKind::Socket, 0, [&b"hello "[..], b"tcp"]);
            assert!(matches!(out.stop, WriteStop::Done), "{out:?}");
            shutdown_write(&client).unwrap();
            assert_eq!(
                read_to_eof(&mut poll, &mut events, Token(2), &server),
                b"hello tcp"
            );

            // Half-open: the server can still answer after the client's FIN.
            let out = write_chunks(server.as_fd(), FdKind::Socket, 0, [&b"bye"[..]]);
            assert!(matches!(out.stop, WriteStop::Done));
            drop(server);
            assert_eq!(
                read_to_eof(&mut poll, &mut events, Token(1), &client),
                b"bye"
            );
        });
    }

    #[test]
    fn tcp_connect_to_a_closed_port_is_econnrefused() {
        isolated!(tcp_connect_to_a_closed_port_is_econnrefused, || {
            // Bind a port, then close it: nobody listens there now.
            let addr = tcp_listen("127.0.0.1:0".parse().unwrap(), DEFAULT_BACKLOG)
                .unwrap()
                .local_addr()
                .unwrap();
            let mut poll = Poll::new().unwrap();
            let mut events = Events::with_capacity(4);
            let mut client = tcp_connect(addr).unwrap();
            poll.registry()
                .register(&mut client, Token(1), Interest::WRITABLE)
                .unwrap();
            let err = loop {
                wait_for(&mut poll, &mut events, Token(1));
                match connect_result(&client) {
                    Ok(false) => {}
                    Ok(true) => panic!("connected to a closed port"),
                    Err(err) => break err,
                }
            };
            assert_eq!(err.raw_os_error(), Some(libc::ECONNREFUSED));
        });
    }

    #[test]
    fn unix_listen_connect_accept_and_fin() {
        isolated!(unix_listen_connect_accept_and_fin, || {
            let path =
                std::env::temp_dir().join(format!("nodestream-net-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let mut poll = Poll::new().unwrap();
            let mut events = Events::with_capacity(16);
            let mut listener = unix_listen(&path, DEFAULT_BACKLOG).unwrap();
            assert_nonblocking_cloexec(&listener);
            assert_eq!(
                unix_listen(&path, DEFAULT_BACKLOG)
                    .unwrap_err()
                    .raw_os_error(),
                Some(libc::EADDRINUSE)
            );
            poll.registry()
                .register(&mut listener, Token(0), Interest::READABLE)
                .unwrap();
            let client = unix_connect(&path).unwrap();
            assert_nonblocking_cloexec(&client);
            let mut accepted = Vec::new();
            while accepted.is_empty() {
                accept_until_blocked(
                    ACCEPT_BUDGET,
                    || listener.accept(),
                    |(s, _)| accepted.push(s),
                )
                .unwrap();
                if accepted.is_empty() {
                    wait_for(&mut poll, &mut events, Token(0));
                }
            }
            assert_eq!(accepted.len(), 1);
            let mut server = accepted.pop().unwrap();
            assert_nonblocking_cloexec(&server);
            poll.registry()
                .register(&mut server, Token(2), Interest::READABLE)
                .unwrap();
            let out = write_chunks(client.as_fd(), FdKind::Socket, 0, [&b"over unix"[..]]);
            assert!(matches!(out.stop, WriteStop::Done));
            shutdown_write(&client).unwrap();
            assert_eq!(
                read_to_eof(&mut poll, &mut events, Token(2), &server),
                b"over unix"
            );
            std::fs::remove_file(&path).unwrap();
            assert_eq!(
                unix_connect(&path).unwrap_err().raw_os_error(),
                Some(libc::ENOENT)
            );
        });
    }

    #[test]
    fn unix_pair_is_nonblocking_cloexec_and_epipe_after_the_peer_goes() {
        isolated!(
            unix_pair_is_nonblocking_cloexec_and_epipe_after_the_peer_goes,
            || {
                let (a, b) = unix_pair().unwrap();
                assert_nonblocking_cloexec(&a);
                assert_nonblocking_cloexec(&b);
                drop(b);
                let out = write_chunks(a.as_fd(), FdKind::Socket, 0, [&b"x"[..]]);
                match out.stop {
                    WriteStop::Error(e) => assert_eq!(e.raw_os_error(), Some(libc::EPIPE)),
                    other => panic!("{other:?}"),
                }
            }
        );
    }

    #[test]
    fn accept_stops_at_its_budget() {
        let mut calls = 0;
        let mut taken = Vec::new();
        let more = accept_until_blocked(
            3,
            || {
                calls += 1;
                match calls {
                    1 => Err(io::Error::from_raw_os_error(libc::ECONNABORTED)),
                    2 => Err(io::ErrorKind::Interrupted.into()),
                    n => Ok(n),
                }
            },
            |n| taken.push(n),
        )
        .unwrap();
        assert!(more);
        assert_eq!(taken, [3, 4, 5]);
        let err = accept_until_blocked(
            3,
            || Err::<(), _>(io::Error::from_raw_os_error(libc::EMFILE)),
            |_| {},
        )
        .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE));
    }
}

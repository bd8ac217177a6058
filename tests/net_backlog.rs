//! Servers under a crowd: the listen backlog is Node's 511 unless set, a crowd of clients
//! connecting at once is served without a stall, and a server can be made from a socket
//! the user bound (Node's `server.listen({ fd })`), refusing what cannot listen.
//!
//! Node (v20), on such fds:
//! ```text
//! server.listen({ fd })  // a pipe:                 listen ENOTSOCK: socket operation on non-socket
//!                        // a UDP or seqpacket fd:  listen EINVAL: invalid argument
//!                        // a connected socket:     listen EINVAL: invalid argument
//!                        // bound, not listening:   listening
//! ```

mod support;

use std::cell::{Cell, RefCell};
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::net::{self, Server, Socket, CONNECTION, DEFAULT_BACKLOG, LISTENING};
use nodestream::{EventLoop, LoopHandle};
use support::{fd_count, fd_list, pipe, same_file, TempPath};

/// Answers every connection with `hi` and ends it; counts them.
fn greeter(served: &Rc<Cell<usize>>) -> impl Fn(Socket) + 'static {
    let served = served.clone();
    move |s: Socket| {
        served.set(served.get() + 1);
        s.writable.end_with("hi");
        s.readable.resume();
    }
}

fn run_until(el: &EventLoop, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        el.run_for(Duration::from_millis(2)).unwrap();
    }
}

/// Reads what each client gets until end of file, running the loop meanwhile.
fn read_all_clients<S: Read>(el: &EventLoop, clients: &mut [S]) -> Vec<Vec<u8>> {
    let mut got = vec![Vec::new(); clients.len()];
    let mut open: Vec<bool> = vec![true; clients.len()];
    run_until(el, "every client to read end of file", || {
        for (i, c) in clients.iter_mut().enumerate() {
            let mut buf = [0u8; 64];
            while open[i] {
                match c.read(&mut buf) {
                    Ok(0) => open[i] = false,
                    Ok(n) => got[i].extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("client {i}: {e}"),
                }
            }
        }
        !open.contains(&true)
    });
    got
}

/// 300 clients connect at once while the loop is busy elsewhere (not accepting): with a
/// backlog of 128 (the old default) the 130th `SYN` is dropped and its client stalls for a
/// second or more; with Node's 511 every connect completes at once, and every client is
/// then served.
#[test]
fn three_hundred_tcp_clients_connecting_at_once_are_served_without_a_stall() {
    isolated!(
        three_hundred_tcp_clients_connecting_at_once_are_served_without_a_stall,
        || {
            const CLIENTS: usize = 300;
            let before = fd_count();
            let el = EventLoop::new().unwrap();
            let served = Rc::new(Cell::new(0));
            let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
            let server = net::listen_tcp(&el.handle(), any, greeter(&served)).unwrap();
            let addr = server.local_addr().unwrap();
            let started = Instant::now();
            let mut clients: Vec<TcpStream> = (0..CLIENTS)
                .map(|i| {
                    TcpStream::connect_timeout(&addr, Duration::from_millis(900)).unwrap_or_else(
                        |e| panic!("client {i} stalled ({e}): the listen queue overflowed"),
                    )
                })
                .collect();
            let connecting = started.elapsed();
            assert!(
                connecting < Duration::from_millis(900),
                "connecting took {connecting:?}: a SYN was retransmitted"
            );
            for c in &clients {
                c.set_nonblocking(true).unwrap();
            }
            let got = read_all_clients(&el, &mut clients);
            assert!(got.iter().all(|g| g == b"hi"), "a client was not answered");
            assert_eq!(served.get(), CLIENTS);
            drop(clients);
            run_until(&el, "the connections to close", || {
                server.connections() == 0
            });
            server.close();
            el.run().unwrap();
            drop((server, el));
            assert_eq!(fd_count(), before, "{:?}", fd_list());
        }
    );
}

/// How many nonblocking Unix clients the listening socket at `path` queues before
/// `EAGAIN` (the kernel queues backlog + 1); the clients are closed again.
fn queued(path: &Path) -> usize {
    let addr = rustix::net::SocketAddrUnix::new(path).unwrap();
    let mut clients = Vec::new();
    loop {
        let c = rustix::net::socket_with(
            rustix::net::AddressFamily::UNIX,
            rustix::net::SocketType::STREAM,
            rustix::net::SocketFlags::NONBLOCK | rustix::net::SocketFlags::CLOEXEC,
            None,
        )
        .unwrap();
        match rustix::net::connect(&c, &addr) {
            Ok(()) => clients.push(c),
            Err(rustix::io::Errno::AGAIN) => return clients.len(),
            Err(e) => panic!("connect: {e}"),
        }
        assert!(clients.len() <= 4096, "no backlog at all");
    }
}

/// A bound (not listening) Unix stream socket at `path`.
fn bound_unix(path: &Path) -> OwnedFd {
    let fd = rustix::net::socket_with(
        rustix::net::AddressFamily::UNIX,
        rustix::net::SocketType::STREAM,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    rustix::net::bind(&fd, &rustix::net::SocketAddrUnix::new(path).unwrap()).unwrap();
    fd
}

/// The backlog each way of listening gives, measured by the kernel's queue (a Unix
/// listener queues backlog + 1 connections). The next way is one row.
#[test]
fn the_backlog_is_nodes_511_unless_set() {
    isolated!(the_backlog_is_nodes_511_unless_set, || {
        type Listen = fn(&LoopHandle, &Path) -> Server;
        let rows: [(&str, Listen, usize); 6] = [
            (
                "listen_unix",
                |lp, p| net::listen_unix(lp, p, |_| {}).unwrap(),
                DEFAULT_BACKLOG as usize + 1,
            ),
            (
                "create_server().listen()",
                |lp, p| net::create_server(lp, |_| {}).listen(p).unwrap(),
                512,
            ),
            (
                "create_server().backlog(4).listen()",
                |lp, p| net::create_server(lp, |_| {}).backlog(4).listen(p).unwrap(),
                5,
            ),
            (
                "create_server().backlog(0).listen()",
                |lp, p| net::create_server(lp, |_| {}).backlog(0).listen(p).unwrap(),
                1,
            ),
            (
                "Server::from_listener, a socket listening with backlog 2",
                |lp, p| {
                    let fd = bound_unix(p);
                    rustix::net::listen(&fd, 2).unwrap();
                    // Node listens again with its own backlog.
                    Server::from_listener(lp, fd, |_| {}).unwrap()
                },
                512,
            ),
            (
                "create_server().backlog(7).listen_fd(), a bound socket",
                |lp, p| {
                    net::create_server(lp, |_| {})
                        .backlog(7)
                        .listen_fd(bound_unix(p))
                        .unwrap()
                },
                8,
            ),
        ];
        for (name, listen, expected) in rows {
            let before = fd_count();
            let el = EventLoop::new().unwrap();
            let path = TempPath::new("backlog");
            let server = listen(&el.handle(), &path.0);
            assert_eq!(queued(&path.0), expected, "{name}");
            server.close();
            el.run().unwrap();
            drop((server, el));
            assert_eq!(fd_count(), before, "{name}: {:?}", fd_list());
        }
    });
}

/// A server made from a socket the user bound serves it as any other: `'listening'`, each
/// client answered, `'close'`; the socket is the server's (closed with it). A Unix socket's
/// path is the user's: left in place, as Node leaves it.
#[test]
fn a_server_from_a_socket_the_user_bound_serves_it() {
    isolated!(a_server_from_a_socket_the_user_bound_serves_it, || {
        enum Client {
            Tcp(SocketAddr),
            Unix(std::path::PathBuf),
        }
        type Make = Box<dyn Fn(&Path) -> (OwnedFd, Option<Client>)>;
        let rows: [(&str, Make); 4] = [
            (
                "TCP, bound and listening",
                Box::new(|_| {
                    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                    let addr = l.local_addr().unwrap();
                    (l.into(), Some(Client::Tcp(addr)))
                }),
            ),
            (
                "TCP, bound, not listening yet",
                Box::new(|_| {
                    let fd = rustix::net::socket(
                        rustix::net::AddressFamily::INET,
                        rustix::net::SocketType::STREAM,
                        None,
                    )
                    .unwrap();
                    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
                    rustix::net::bind(&fd, &any).unwrap();
                    (fd, None)
                }),
            ),
            (
                "Unix, bound and listening",
                Box::new(|p| {
                    let l = std::os::unix::net::UnixListener::bind(p).unwrap();
                    (l.into(), Some(Client::Unix(p.to_path_buf())))
                }),
            ),
            (
                "Unix, bound, not listening yet",
                Box::new(|p| (bound_unix(p), Some(Client::Unix(p.to_path_buf())))),
            ),
        ];
        for (name, make) in &rows {
            let before = fd_count();
            let el = EventLoop::new().unwrap();
            let path = TempPath::new("from-listener");
            let (fd, client) = make(&path.0);
            let served = Rc::new(Cell::new(0));
            let server = Server::from_listener(&el.handle(), fd, greeter(&served)).unwrap();
            let log = Rc::new(RefCell::new(Vec::<&str>::new()));
            let l = log.clone();
            server.on(LISTENING, move |_: &()| l.borrow_mut().push("listening"));
            let l = log.clone();
            server.on("close", move |_: &()| l.borrow_mut().push("close"));
            let l = log.clone();
            server.on(CONNECTION, move |_: &Socket| {
                l.borrow_mut().push("connection")
            });
            let client = client.unwrap_or_else(|| Client::Tcp(server.local_addr().unwrap()));
            let got = match client {
                Client::Tcp(addr) => {
                    let c = TcpStream::connect(addr).unwrap();
                    c.set_nonblocking(true).unwrap();
                    read_all_clients(&el, &mut [c])
                }
                Client::Unix(p) => {
                    let c = UnixStream::connect(p).unwrap();
                    c.set_nonblocking(true).unwrap();
                    read_all_clients(&el, &mut [c])
                }
            };
            assert_eq!(got, [b"hi".to_vec()], "{name}");
            run_until(&el, "the connection to close", || server.connections() == 0);
            server.close();
            el.run().unwrap();
            assert_eq!(
                *log.borrow(),
                ["listening", "connection", "close"],
                "{name}"
            );
            if name.starts_with("Unix") {
                assert!(path.0.exists(), "{name}: the user's path was removed");
                std::fs::remove_file(&path.0).unwrap();
            }
            drop((server, el));
            assert_eq!(fd_count(), before, "{name}: {:?}", fd_list());
        }
    });
}

/// What cannot listen is refused at once with Node's error for `listen` (code and
/// message, and why), and the fd is given back unharmed. The next kind is one row.
#[test]
fn a_server_refuses_what_cannot_listen_and_gives_the_fd_back() {
    isolated!(
        a_server_refuses_what_cannot_listen_and_gives_the_fd_back,
        || {
            use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
            type Make = Box<dyn Fn(&Path) -> (OwnedFd, Vec<OwnedFd>)>;
            let connected = "listen EINVAL: invalid argument (the socket is connected)";
            let rows: [(&str, Make, &str); 6] = [
                (
                    "a pipe",
                    Box::new(|_| {
                        let (r, w) = pipe();
                        (r, vec![w])
                    }),
                    "listen ENOTSOCK: socket operation on non-socket (a server needs a bound \
                     stream socket)",
                ),
                (
                    "a regular file",
                    Box::new(|_| (std::fs::File::open("/etc/hostname").unwrap().into(), vec![])),
                    "listen ENOTSOCK: socket operation on non-socket (a server needs a bound \
                     stream socket)",
                ),
                (
                    "a UDP socket",
                    Box::new(|_| {
                        (
                            std::net::UdpSocket::bind("127.0.0.1:0").unwrap().into(),
                            vec![],
                        )
                    }),
                    "listen EINVAL: invalid argument (a SOCK_DGRAM socket cannot listen: a \
                     server needs a stream socket)",
                ),
                (
                    "a bound SOCK_SEQPACKET socket",
                    Box::new(|p| {
                        let fd =
                            rustix::net::socket(AddressFamily::UNIX, SocketType::SEQPACKET, None)
                                .unwrap();
                        rustix::net::bind(&fd, &rustix::net::SocketAddrUnix::new(p).unwrap())
                            .unwrap();
                        (fd, vec![])
                    }),
                    "listen EINVAL: invalid argument (a SOCK_SEQPACKET socket cannot listen: a \
                     server needs a stream socket)",
                ),
                (
                    "a connected TCP socket",
                    Box::new(|_| {
                        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
                        let (peer, _) = l.accept().unwrap();
                        (c.into(), vec![peer.into(), l.into()])
                    }),
                    connected,
                ),
                (
                    "a connected Unix socket",
                    Box::new(|_| {
                        let (a, b) = socketpair(
                            AddressFamily::UNIX,
                            SocketType::STREAM,
                            SocketFlags::CLOEXEC,
                            None,
                        )
                        .unwrap();
                        (a, vec![b])
                    }),
                    connected,
                ),
            ];
            for (name, make, message) in &rows {
                let el = EventLoop::new().unwrap();
                let path = TempPath::new("refused");
                let (fd, _keep) = make(&path.0);
                let witness = rustix::io::fcntl_dupfd_cloexec(&fd, 3).unwrap();
                let before = fd_count();
                let err = Server::from_listener(&el.handle(), fd, |_| {}).unwrap_err();
                assert_eq!(fd_count(), before, "{name}: an fd was made or lost");
                assert!(
                    same_file(err.fd.as_fd(), &witness),
                    "{name}: another fd came back"
                );
                let e = err.error;
                let code = if message.contains("ENOTSOCK") {
                    "ENOTSOCK"
                } else {
                    "EINVAL"
                };
                assert_eq!(e.code().as_str(), code, "{name}");
                assert_eq!(e.message(), *message, "{name}");
                assert!(e.raw_os_error().is_some(), "{name}");
            }
        }
    );
}

//! A socket's addresses, TCP options, byte counts, idle timeout and host name lookup,
//! against real sockets, with the values and event orders node v20 gives (the scripts
//! that gave them are quoted above each test).
//!
//! Each test runs alone in a child process (`isolated!`), so the fd counts are exact.

mod support;

use std::cell::{Cell, RefCell};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::fd::AsFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nodestream::events::{CLOSE, ERROR, FINISH, READY};
use nodestream::net::{self, Lookup, Server, Socket, SocketAddress, LOOKUP, TIMEOUT};
use nodestream::stream::readable::{Chunk, DATA, END};
use nodestream::{Error, EventLoop, LoopHandle};
use support::{fd_count, manual_loop, ms, Log, TempPath};

/// What the server's side saw: `address()`, `remoteAddress`, `remotePort`.
type Seen = (Option<SocketAddress>, Option<IpAddr>, Option<u16>);

fn localhost(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
}

/// A TCP server on a free port of 127.0.0.1 that keeps its connections in `keep` and
/// hands each to `each`.
fn server(
    lp: &LoopHandle,
    keep: &Rc<RefCell<Vec<Socket>>>,
    each: impl Fn(&Socket) + 'static,
) -> Server {
    let k = keep.clone();
    net::create_server(lp, move |s: Socket| {
        each(&s);
        k.borrow_mut().push(s);
    })
    .listen(localhost(0))
    .unwrap()
}

/// Logs each of the socket's events as Node's test script prints them.
fn log_events(s: &Socket, log: &Log) {
    let l = log.clone();
    s.on(LOOKUP, move |e: &Lookup| {
        l.push(format!(
            "lookup {} {} {} {}",
            e.error
                .as_ref()
                .map_or("null".into(), |e| e.message().to_owned()),
            e.address.map_or("undefined".into(), |a| a.to_string()),
            e.family.map_or("undefined".into(), |f| f.to_string()),
            e.host
        ))
    });
    s.on("connect", log.event::<()>("connect"));
    s.on(READY, log.event::<()>("ready"));
    let l = log.clone();
    s.on(DATA, move |c: &Chunk| {
        l.push(format!(
            "data {}",
            String::from_utf8_lossy(c.as_bytes().unwrap_or_default())
        ))
    });
    s.on(END, log.event::<()>("end"));
    s.on(FINISH, log.event::<()>("finish"));
    let l = log.clone();
    s.on(ERROR, move |e: &Error| {
        l.push(format!("error {}", e.message()))
    });
    s.on(CLOSE, log.event::<()>("close"));
}

// const s=net.createServer(c=>{
//   console.log('srv', c.localAddress, c.localPort, c.localFamily, c.remoteAddress,
//     c.remotePort, c.remoteFamily, JSON.stringify(c.address())); ...
// cl=net.connect(port,'127.0.0.1');
// console.log('connecting', cl.localAddress, cl.remoteAddress, cl.remotePort,
//   cl.remoteFamily, JSON.stringify(cl.address()), cl.timeout, cl.bytesRead, cl.bytesWritten);
//   -> connecting undefined undefined undefined undefined {} undefined 0 0
//   -> srv 127.0.0.1 <port> IPv4 127.0.0.1 <client port> IPv4 {"address":"127.0.0.1","family":"IPv4","port":<port>}
//   -> cli 127.0.0.1 IPv4 127.0.0.1 <port> IPv4
//   -> closed 127.0.0.1 undefined (remote kept, local gone)
#[test]
fn tcp_addresses_as_node_reports_them() {
    isolated!(tcp_addresses_as_node_reports_them, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let seen: Rc<RefCell<Vec<Seen>>> = Rc::default();
        let sn = seen.clone();
        let srv = server(&lp, &keep, move |c| {
            assert_eq!(c.local_address(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
            assert_eq!(c.local_family(), Some("IPv4"));
            assert_eq!(c.remote_family(), Some("IPv4"));
            sn.borrow_mut()
                .push((c.address(), c.remote_address(), c.remote_port()));
            c.end();
        });
        let port = srv.local_addr().unwrap().port();
        let cl = net::connect(&lp, localhost(port)).unwrap();
        // Connecting: Node's getters are all undefined, address() is {}.
        assert_eq!(cl.local_address(), None);
        assert_eq!(cl.local_port(), None);
        assert_eq!(cl.remote_address(), None);
        assert_eq!(cl.remote_port(), None);
        assert_eq!(cl.remote_family(), None);
        assert_eq!(cl.address(), None);
        assert_eq!(cl.timeout(), None);
        assert_eq!((cl.bytes_read(), cl.bytes_written()), (0, 0));
        let client_port = Rc::new(Cell::new(0));
        let (w, cp) = (cl.downgrade(), client_port.clone());
        cl.on("connect", move |_: &()| {
            let c = w.upgrade().unwrap();
            assert_eq!(c.local_address(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
            assert_eq!(c.local_family(), Some("IPv4"));
            assert_eq!(c.remote_address(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
            assert_eq!(
                (c.remote_port(), c.remote_family()),
                (Some(port), Some("IPv4"))
            );
            let local = c.address().unwrap();
            assert_eq!(Some(local.port), c.local_port());
            cp.set(local.port);
        });
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        cl.resume();
        el.run().unwrap();
        let client_port = client_port.get();
        assert_ne!(client_port, 0);
        let seen = seen.borrow();
        let want = SocketAddress {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            family: "IPv4",
            port,
        };
        assert_eq!(
            seen[..],
            [(
                Some(want),
                Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                Some(client_port)
            )]
        );
        assert_eq!(
            want.to_string(),
            format!("{{ address: '127.0.0.1', family: 'IPv4', port: {port} }}")
        );
        // Closed: the peer's address was asked while connected and is kept; the local one
        // is gone with the handle, as in Node.
        assert!(cl.destroyed());
        assert_eq!(cl.remote_address(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(cl.remote_port(), Some(port));
        assert_eq!(
            (cl.local_address(), cl.local_port(), cl.address()),
            (None, None, None)
        );
        drop(keep);
    });
}

/// A peer's address never asked while connected is not known after `'close'` (Node's
/// `_peername` is filled only when asked).
#[test]
fn the_peer_address_is_kept_only_when_asked_while_connected() {
    isolated!(
        the_peer_address_is_kept_only_when_asked_while_connected,
        || {
            let el = EventLoop::new().unwrap();
            let lp = el.handle();
            let keep = Rc::default();
            let srv = server(&lp, &keep, |c| c.end());
            let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
            let s = srv.clone();
            cl.on(CLOSE, move |_: &()| s.close());
            cl.resume();
            el.run().unwrap();
            assert_eq!((cl.remote_address(), cl.remote_port()), (None, None));
        }
    );
}

// Unix sockets, client and server side: every getter undefined, address() {}; setNoDelay
// and setKeepAlive return the socket (`c.setKeepAlive(true, 1000) === c` is true).
#[test]
fn a_unix_socket_has_no_addresses_and_ignores_tcp_options() {
    isolated!(
        a_unix_socket_has_no_addresses_and_ignores_tcp_options,
        || {
            let el = EventLoop::new().unwrap();
            let lp = el.handle();
            let path = TempPath::new("net-options.sock");
            let keep: Rc<RefCell<Vec<Socket>>> = Rc::default();
            let k = keep.clone();
            let srv = net::create_server(&lp, move |c: Socket| {
                assert_eq!(c.address(), None);
                assert_eq!(
                    (c.local_address(), c.local_port(), c.local_family()),
                    (None, None, None)
                );
                assert_eq!(
                    (c.remote_address(), c.remote_port(), c.remote_family()),
                    (None, None, None)
                );
                assert!(std::ptr::eq(c.set_no_delay(true), &c));
                assert!(std::ptr::eq(c.set_keep_alive(true, ms(1000)), &c));
                c.end();
                k.borrow_mut().push(c);
            })
            .listen(path.0.as_path())
            .unwrap();
            let cl = net::connect(&lp, path.0.as_path()).unwrap();
            let w = cl.downgrade();
            cl.on("connect", move |_: &()| {
                let c = w.upgrade().unwrap();
                assert_eq!(
                    (c.address(), c.local_port(), c.remote_port()),
                    (None, None, None)
                );
            });
            let s = srv.clone();
            cl.on(CLOSE, move |_: &()| s.close());
            cl.resume();
            el.run().unwrap();
            assert_eq!(keep.borrow().len(), 1);
        }
    );
}

/// `TCP_NODELAY`, `SO_KEEPALIVE` and `TCP_KEEPIDLE` read back from the kernel, set on
/// both a connecting client and an accepted socket; chaining returns the same socket.
#[test]
fn no_delay_and_keep_alive_reach_the_kernel() {
    isolated!(no_delay_and_keep_alive_reach_the_kernel, || {
        use rustix::net::sockopt::{socket_keepalive, tcp_keepidle, tcp_nodelay};
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let checked = Rc::new(Cell::new(0));
        let ch = checked.clone();
        let srv = server(&lp, &keep, move |c| {
            let opts = |c: &Socket| {
                c.writable
                    .with_fd(|fd| {
                        (
                            tcp_nodelay(fd).unwrap(),
                            socket_keepalive(fd).unwrap(),
                            tcp_keepidle(fd).unwrap(),
                        )
                    })
                    .unwrap()
            };
            let default_idle = opts(c).2;
            assert!(std::ptr::eq(
                c.set_no_delay(true).set_keep_alive(true, ms(5_900)),
                c
            ));
            // initialDelay in whole seconds, rounded down, as libuv's.
            assert_eq!(opts(c), (true, true, Duration::from_secs(5)));
            c.set_no_delay(false).set_keep_alive(false, ms(0));
            assert_eq!(opts(c), (false, false, Duration::from_secs(5)));
            // Under a second leaves TCP_KEEPIDLE as it was.
            c.set_keep_alive(true, ms(999));
            assert_eq!(opts(c), (false, true, Duration::from_secs(5)));
            assert_ne!(default_idle, Duration::ZERO);
            ch.set(ch.get() + 1);
            c.end();
        });
        let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
        // On a connecting socket too (its fd exists).
        cl.set_no_delay(true).set_keep_alive(true, ms(30_000));
        let idle = cl.writable.with_fd(|fd| tcp_keepidle(fd).unwrap());
        assert_eq!(idle, Some(Duration::from_secs(30)));
        assert_eq!(
            cl.writable.with_fd(|fd| tcp_nodelay(fd.as_fd()).unwrap()),
            Some(true)
        );
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        cl.resume();
        el.run().unwrap();
        assert_eq!(checked.get(), 1);
        // Destroyed: ignored, as Node ignores it.
        cl.set_no_delay(false).set_keep_alive(false, ms(0));
    });
}

// const c=net.connect(port,'127.0.0.1');
// c.write('abc'); c.write('defg'); console.log('sync', c.bytesWritten, c.writableLength);
// c.on('connect',()=>{console.log('connect', c.bytesWritten, c.writableLength); c.write('xy');
//   console.log('after', c.bytesWritten, c.writableLength);
//   c.end(()=>{console.log('end',c.bytesWritten); ...})});
//   -> sync 7 7 / connect 7 0 / after 9 0 / end 9; the server's bytesRead at 'end': 9
#[test]
fn bytes_read_and_bytes_written_count_as_node() {
    isolated!(bytes_read_and_bytes_written_count_as_node, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let log = Log::default();
        let l = log.clone();
        let srv = server(&lp, &keep, move |c| {
            let (w, l) = (c.downgrade(), l.clone());
            c.on(END, move |_: &()| {
                let c = w.upgrade().unwrap();
                l.push(format!(
                    "srv read {} written {}",
                    c.bytes_read(),
                    c.bytes_written()
                ));
                c.end_with("0123456789");
            });
            c.resume();
        });
        let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
        cl.write("abc");
        cl.write("defg");
        log.push(format!("sync {}", cl.bytes_written()));
        let (w, l) = (cl.downgrade(), log.clone());
        cl.on("connect", move |_: &()| {
            let c = w.upgrade().unwrap();
            l.push(format!("connect {}", c.bytes_written()));
            c.write("xy");
            l.push(format!("after {}", c.bytes_written()));
            let (w, l) = (c.downgrade(), l.clone());
            c.end_cb(move |_| l.push(format!("end {}", w.upgrade().unwrap().bytes_written())));
        });
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        cl.resume();
        el.run().unwrap();
        assert_eq!(
            log.get(),
            [
                "sync 7",
                "connect 7",
                "after 9",
                "end 9",
                "srv read 9 written 0"
            ]
        );
        // Kept after 'close'.
        assert_eq!((cl.bytes_written(), cl.bytes_read()), (9, 10));
        let srv_sock = keep.borrow()[0].clone();
        assert_eq!((srv_sock.bytes_read(), srv_sock.bytes_written()), (9, 10));
    });
}

// c.setTimeout(100, ()=>console.log('cb')); console.log('timeout', c.timeout);
// c.on('timeout',()=>{ n++; console.log('timeout event', n, <ms since start>, c.destroyed);
//   if(n==1) setTimeout(()=>c.write('x'), 30);
//   else if (n==2) { c.setTimeout(0); console.log('after0', c.timeout); ... } });
//   -> timeout 100 / cb / timeout event 1 100 false / timeout event 2 230 false / after0 0
#[test]
fn timeout_after_inactivity_does_not_destroy_and_the_next_activity_rearms_it() {
    isolated!(
        timeout_after_inactivity_does_not_destroy_and_the_next_activity_rearms_it,
        || {
            let (el, lp, _clock) = manual_loop();
            let keep = Rc::default();
            let srv = server(&lp, &keep, |c| {
                c.resume();
            });
            let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
            let log = Log::default();
            let start = Rc::new(Cell::new(lp.now()));
            cl.set_timeout_cb(ms(100), log.rec("cb"));
            log.push(format!("timeout {:?}", cl.timeout()));
            let n = Rc::new(Cell::new(0));
            let (w, l, s) = (cl.downgrade(), log.clone(), srv.clone());
            cl.on(TIMEOUT, move |_: &()| {
                let c = w.upgrade().unwrap();
                n.set(n.get() + 1);
                let at = c.loop_handle().now() - start.get();
                l.push(format!(
                    "timeout event {} {} {}",
                    n.get(),
                    at.as_millis(),
                    c.destroyed()
                ));
                if n.get() == 1 {
                    let w = c.downgrade();
                    c.loop_handle().set_timeout(ms(30), move || {
                        w.upgrade().unwrap().write("x");
                    });
                } else {
                    c.set_timeout(Duration::ZERO);
                    l.push(format!("after0 {:?}", c.timeout()));
                    let (w, s) = (c.downgrade(), s.clone());
                    c.loop_handle().set_timeout(ms(300), move || {
                        w.upgrade().unwrap().destroy(None);
                        s.close();
                    });
                }
            });
            el.run().unwrap();
            assert_eq!(
                log.get(),
                [
                    "timeout Some(100ms)",
                    "cb",
                    "timeout event 1 100 false",
                    "timeout event 2 230 false",
                    "after0 Some(0ns)"
                ]
            );
        }
    );
}

/// Reads put the timeout off: a peer writing every 40 ms keeps a 100 ms timeout from
/// firing; it fires 100 ms after the last byte came.
#[test]
fn reads_put_the_timeout_off() {
    isolated!(reads_put_the_timeout_off, || {
        let (el, lp, _clock) = manual_loop();
        let keep: Rc<RefCell<Vec<Socket>>> = Rc::default();
        let log = Log::default();
        let start = Rc::new(Cell::new(lp.now()));
        let (l, st) = (log.clone(), start.clone());
        let srv = server(&lp, &keep, move |c| {
            st.set(c.loop_handle().now());
            let (l, st) = (l.clone(), st.clone());
            let w = c.downgrade();
            c.set_timeout(ms(100));
            c.on(TIMEOUT, move |_: &()| {
                let c = w.upgrade().unwrap();
                let at = (c.loop_handle().now() - st.get()).as_millis();
                l.push(format!("timeout {at} read {}", c.bytes_read()));
                c.destroy(None);
            });
            c.resume();
        });
        let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
        let w = cl.downgrade();
        cl.on("connect", move |_: &()| {
            let c = w.upgrade().unwrap();
            for i in 1..=5u64 {
                let w = c.downgrade();
                c.loop_handle().set_timeout(ms(40 * i), move || {
                    w.upgrade().unwrap().write("y");
                });
            }
        });
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        cl.on(ERROR, |_: &Error| {});
        cl.resume();
        el.run().unwrap();
        // The server's socket was accepted a moment after the client connected: the
        // last byte came at 200 ms on the client's clock.
        let got = log.get();
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0] == "timeout 300 read 5" || got[0] == "timeout 299 read 5",
            "{got:?}"
        );
    });
}

/// The idle timer never keeps the loop alive (Node's is unref'd): a socket with an hour's
/// timeout that closes lets `run()` return at once, and so does an idle open socket whose
/// only other work is done.
#[test]
fn the_timer_does_not_keep_the_loop_alive() {
    isolated!(the_timer_does_not_keep_the_loop_alive, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let srv = server(&lp, &keep, |c| {
            c.set_timeout(Duration::from_secs(3600));
            c.end_with("bye");
        });
        let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
        cl.set_timeout(Duration::from_secs(3600));
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        cl.resume();
        let t = Instant::now();
        el.run().unwrap();
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(cl.destroyed());
        // Setting a timeout on a destroyed socket does nothing, as in Node.
        cl.set_timeout(ms(10));
        assert_eq!(cl.timeout(), Some(Duration::from_secs(3600)));
        el.run().unwrap();
    });
}

// const c=net.connect(port,'localhost'); (server: c.end('hi'))
//   -> lookup [ null, '127.0.0.1', 4, 'localhost' ] / connect / ready / data hi / end /
//      finish / close
#[test]
fn connect_by_name_emits_lookup_then_connects() {
    isolated!(connect_by_name_emits_lookup_then_connects, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let srv = server(&lp, &keep, |c| {
            c.resume();
            c.end_with("hi");
        });
        let port = srv.local_addr().unwrap().port();
        let before = fd_count();
        let cl = net::connect(&lp, ("localhost", port)).unwrap();
        // Its fd is made at once (Node makes its handle after the lookup). (Not counted
        // here: getaddrinfo opens files of its own on the worker meanwhile.)
        assert!(cl.writable.with_fd(|_| ()).is_some());
        assert!(cl.connecting() && cl.pending());
        assert_eq!(cl.remote_address(), None);
        let log = Log::default();
        log_events(&cl, &log);
        cl.write("early");
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        el.run().unwrap();
        assert_eq!(
            log.get(),
            [
                "lookup null 127.0.0.1 4 localhost",
                "connect",
                "ready",
                "data hi",
                "end",
                "finish",
                "close"
            ]
        );
        let k: &RefCell<Vec<Socket>> = &keep;
        assert_eq!(k.borrow().len(), 1);
        assert!(k.borrow()[0].destroyed());
        // Both sockets and the listener are closed.
        assert_eq!(fd_count(), before - 1, "{:?}", support::fd_list());
        assert_eq!(cl.bytes_written(), 5);
        assert_eq!(k.borrow()[0].bytes_read(), 5);
    });
}

// const d=net.connect(80,'no-such-host.invalid');
//   -> lookup [ 'getaddrinfo ENOTFOUND no-such-host.invalid', undefined, undefined,
//      'no-such-host.invalid' ]
//   -> error getaddrinfo ENOTFOUND no-such-host.invalid ENOTFOUND -3008 getaddrinfo
//      no-such-host.invalid
//   -> close [ true ]
#[test]
fn a_name_that_does_not_resolve_is_enotfound() {
    isolated!(a_name_that_does_not_resolve_is_enotfound, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let before = fd_count();
        let d = net::connect_host(&lp, "no-such-host.invalid", 80).unwrap();
        let log = Log::default();
        log_events(&d, &log);
        let err = Rc::new(RefCell::new(None));
        let e = err.clone();
        d.on(ERROR, move |x: &Error| *e.borrow_mut() = Some(x.clone()));
        let l = log.clone();
        d.write_cb("lost", move |e| {
            l.push(format!(
                "write cb {}",
                e.map_or("null".into(), |e| e.code().to_string())
            ))
        });
        el.run().unwrap();
        assert_eq!(
            log.get(),
            [
                "lookup getaddrinfo ENOTFOUND no-such-host.invalid undefined undefined no-such-host.invalid",
                "error getaddrinfo ENOTFOUND no-such-host.invalid",
                "write cb ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
                "close"
            ]
        );
        let err = err.borrow().clone().unwrap();
        assert_eq!(err.code().as_str(), "ENOTFOUND");
        assert_eq!(err.errno(), Some(-3008));
        assert_eq!(err.syscall(), Some("getaddrinfo"));
        assert_eq!(err.hostname(), Some("no-such-host.invalid"));
        assert_eq!(fd_count(), before);
    });
}

/// An IP address as text is connected to at once, with no `'lookup'` (Node's
/// `lookupAndConnect` skips the lookup for an IP).
#[test]
fn an_ip_address_as_text_is_not_looked_up() {
    isolated!(an_ip_address_as_text_is_not_looked_up, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let srv = server(&lp, &keep, |c| c.end());
        let port = srv.local_addr().unwrap().port();
        let cl = net::connect(&lp, ("127.0.0.1", port)).unwrap();
        let log = Log::default();
        log_events(&cl, &log);
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        el.run().unwrap();
        assert_eq!(log.get(), ["connect", "ready", "end", "finish", "close"]);
    });
}

/// A socket destroyed while its name is looked up: no `'lookup'` (Node drops the result
/// of a socket no longer connecting), one `'close'`, its fd closed at once.
#[test]
fn destroyed_during_the_lookup() {
    isolated!(destroyed_during_the_lookup, || {
        let el = EventLoop::new().unwrap();
        let lp = el.handle();
        let keep = Rc::default();
        let srv = server(&lp, &keep, |c| c.end());
        let port = srv.local_addr().unwrap().port();
        let before = fd_count();
        let cl = net::connect(&lp, ("localhost", port)).unwrap();
        let log = Log::default();
        log_events(&cl, &log);
        cl.destroy(None);
        assert!(cl.writable.with_fd(|_| ()).is_none());
        srv.close();
        // The loop waits for the lookup to come back.
        el.run().unwrap();
        // The listener is closed too.
        assert_eq!(fd_count(), before - 1);
        assert_eq!(log.get(), ["close"]);
        assert_eq!(keep.borrow().len(), 0);
    });
}

/// A name given to `listen` is refused (only IP addresses are listened on).
#[test]
fn listening_on_a_name_is_refused() {
    let el = EventLoop::new().unwrap();
    let err = net::create_server(&el.handle(), |_| {})
        .listen(("localhost", 0))
        .unwrap_err();
    assert_eq!(err.code().as_str(), "ERR_INVALID_ARG_VALUE");
    let srv = net::create_server(&el.handle(), |_| {})
        .listen(("127.0.0.1", 0))
        .unwrap();
    assert_ne!(srv.local_addr().unwrap().port(), 0);
    srv.close();
    el.run().unwrap();
}

/// A socket nobody holds a handle of still gets its `'timeout'` (the loop keeps it, as
/// Node's handle keeps its socket).
#[test]
fn an_unheld_socket_still_times_out() {
    isolated!(an_unheld_socket_still_times_out, || {
        let (el, lp, _clock) = manual_loop();
        let srv = net::create_server(&lp, |sock: Socket| {
            let weak = sock.downgrade();
            sock.set_timeout_cb(ms(50), move || {
                if let Some(sock) = weak.upgrade() {
                    sock.end_with("idle\n");
                }
            });
        })
        .listen(localhost(0))
        .unwrap();
        let cl = net::connect(&lp, srv.local_addr().unwrap()).unwrap();
        let log = Log::default();
        log_events(&cl, &log);
        let s = srv.clone();
        cl.on(CLOSE, move |_: &()| s.close());
        el.run().unwrap();
        assert_eq!(
            log.get(),
            ["connect", "ready", "data idle\n", "end", "finish", "close"]
        );
    });
}

//! TCP client and server: n01's order ('write-cb', 'connect', 'ready', 'end-cb', 'finish'),
//! FIN on end(), exact bytes, ECONNREFUSED.

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{CLOSE, ERROR, FINISH, READY};
use nodestream::net::{connect_tcp, listen_tcp, Socket};
use nodestream::stream::readable::{Chunk, DATA, END};
use nodestream::EventLoop;
use support::Log;

#[test]
fn n01_client_writes_before_connect_and_end_sends_fin() {
    isolated!(n01_client_writes_before_connect_and_end_sends_fin, || {
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let server_log = Log::default();
        let keep: Rc<RefCell<Vec<Socket>>> = Rc::default();
        let (sl, k) = (server_log.clone(), keep.clone());
        let server = listen_tcp(&h, "127.0.0.1:0".parse().unwrap(), move |sock: Socket| {
            let l = sl.clone();
            sock.readable.on(DATA, move |c: &Chunk| {
                l.push(format!(
                    "data {}",
                    String::from_utf8_lossy(c.as_bytes().unwrap())
                ))
            });
            let l = sl.clone();
            sock.readable.on(END, move |_: &()| l.push("end"));
            let l = sl.clone();
            sock.writable.on(FINISH, move |_| l.push("finish"));
            k.borrow_mut().push(sock);
        })
        .unwrap();
        let addr = server.local_addr().unwrap();
        let client = connect_tcp(&h, addr).unwrap();
        let log = Log::default();
        let l = log.clone();
        client
            .writable
            .on("connect", move |_: &()| l.push("connect"));
        let l = log.clone();
        client.writable.on(READY, move |_| l.push("ready"));
        let l = log.clone();
        client.writable.on(FINISH, move |_| l.push("finish"));
        let l = log.clone();
        client.readable.on(END, move |_: &()| l.push("end"));
        client.readable.resume();
        log.push(format!(
            "write -> {}",
            client.writable.write_cb("hello", log.cb("write-cb"))
        ));
        client.writable.end_cb(log.cb("end-cb"));
        let s = server.clone();
        client.readable.on(END, move |_: &()| s.close());
        lp.run().unwrap();
        assert_eq!(
            log.get(),
            [
                "write -> true",
                "write-cb null",
                "connect",
                "ready",
                "end-cb null",
                "finish",
                "end"
            ]
        );
        assert_eq!(server_log.get(), ["data hello", "end", "finish"]);
        keep.borrow_mut().clear();
        client.writable.emitter().remove_all_listeners(None);
        client.readable.emitter().remove_all_listeners(None);
    });
}

#[test]
fn a_refused_connect_is_an_error_then_close() {
    isolated!(a_refused_connect_is_an_error_then_close, || {
        let lp = EventLoop::new().unwrap();
        // A port nobody listens on: bind, learn it, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = connect_tcp(&lp.handle(), port).unwrap();
        let log = Log::default();
        let l = log.clone();
        client
            .writable
            .on(ERROR, move |e| l.push(format!("error {}", e.code())));
        let l = log.clone();
        client.writable.on(CLOSE, move |_| l.push("close"));
        client.writable.write_cb("x", log.cb("cb"));
        lp.run().unwrap();
        assert_eq!(
            log.get(),
            ["cb ECONNREFUSED", "error ECONNREFUSED", "close"]
        );
        client.writable.emitter().remove_all_listeners(None);
    });
}

/// Node's report of a refused connect: `connect ECONNREFUSED 127.0.0.1:<port>`, with
/// `code`, `errno` (-111), `syscall`, `address` and `port` (node v20 prints exactly these).
#[test]
fn a_refused_connect_carries_nodes_message_and_fields() {
    isolated!(a_refused_connect_carries_nodes_message_and_fields, || {
        let lp = EventLoop::new().unwrap();
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = connect_tcp(&lp.handle(), addr).unwrap();
        let got = std::rc::Rc::new(std::cell::RefCell::new(None));
        let g = got.clone();
        client.writable.on(ERROR, move |e: &nodestream::Error| {
            *g.borrow_mut() = Some(e.clone())
        });
        lp.run().unwrap();
        let e = got.borrow_mut().take().expect("an 'error'");
        assert_eq!(
            e.message(),
            format!("connect ECONNREFUSED 127.0.0.1:{}", addr.port())
        );
        assert_eq!(e.code().as_str(), "ECONNREFUSED");
        assert_eq!(e.errno(), Some(-111));
        assert_eq!(e.syscall(), Some("connect"));
        assert_eq!(e.address(), Some("127.0.0.1"));
        assert_eq!(e.port(), Some(addr.port()));
        client.writable.emitter().remove_all_listeners(None);
    });
}

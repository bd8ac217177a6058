//! Unix-socket streams: event order, backpressure, `destroy_soon()`: n01-n03.
//!
//! The sockets are `nodestream::net`'s ([`listen_unix`], [`connect_unix`]) on a path
//! under `std::env::temp_dir()` unique to the process and the call; `Server::close`
//! removes it, and so does the scenario's [`TempPath`] if it fails half-way.
//!
//! A nodestream [`Socket`] is one Duplex, as Node's `net.Socket`: its `writable` and
//! `readable` sides share one emitter, with one `'close'`. Node's `'close'` carries
//! `hadError`, this one nothing: [`on_close`] reports it with `hadError` true after an
//! `'error'` (seen through `'errorMonitor'`, so it is not handled by watching it).

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nodestream::events::names::{CONNECT, ERROR_MONITOR};
use nodestream::events::{CLOSE, DRAIN, FINISH, READY};
use nodestream::net::{connect_unix, listen_unix, ReceiveOptions, Server, Socket};
use nodestream::stream::readable::{Chunk, DATA, END};
use nodestream::{Error, EventLoop};

use super::writable_util::cb_errc;
use super::Scenario;
use crate::trace::{errc, tlog, Trace};

/// A unique socket path under the temp dir (scenarios.js `tmpPath(tag)`), removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> TempPath {
        static N: AtomicUsize = AtomicUsize::new(0);
        TempPath(std::env::temp_dir().join(format!(
            "nodestream-conf-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The scenario's lists of parts (the `c` and `s` arrays of the JavaScript).
#[derive(Clone, Default)]
struct Parts(Rc<RefCell<Vec<String>>>);

impl Parts {
    fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }

    fn joined(&self) -> String {
        self.0.borrow().join(" | ")
    }
}

/// Calls `f(had_error)` at the socket's `'close'`: Node's `'close'` with `hadError`.
fn on_close(sock: &Socket, f: impl Fn(bool) + 'static) {
    let had_error = Rc::new(Cell::new(false));
    let e = had_error.clone();
    sock.on(ERROR_MONITOR, move |_: &Error| e.set(true));
    sock.once(CLOSE, move |_: &()| f(had_error.get()));
}

/// Drops every listener of the sockets (several hold handles of their own socket), so the
/// streams go with the loop.
fn forget(socks: &[Socket]) {
    for s in socks {
        s.remove_all_listeners(None);
    }
}

fn run(lp: &EventLoop, t: &Trace) {
    if let Err(err) = lp.run() {
        t.uncaught(&err);
    }
}

/// A Unix-socket pair: the client writes then `end()`s before the connect is decided;
/// each side's events in order (client: finish, end, close; server: data, end, finish
/// from the automatic `end()` of `allowHalfOpen: false`, close).
fn n01_net_unix_pair_write_end() -> Vec<String> {
    let t = Trace::new();
    let lp = crate::scenarios::event_loop();
    let h = lp.handle();
    let sock = TempPath::new("n01.sock");
    let (c, s) = (Parts::default(), Parts::default());
    let conns: Rc<RefCell<Vec<Socket>>> = Rc::default();
    let server: Rc<RefCell<Option<Server>>> = Rc::default();
    let open = Rc::new(Cell::new(2));
    let done: Rc<dyn Fn()> = {
        let (t, c, s, server) = (t.clone(), c.clone(), s.clone(), server.clone());
        Rc::new(move || {
            open.set(open.get() - 1);
            if open.get() > 0 {
                return;
            }
            // Node logs from server.close()'s callback; closing is synchronous here.
            if let Some(server) = server.borrow_mut().take() {
                server.close();
            }
            tlog!(t, "client:", c.joined());
            tlog!(t, "server:", s.joined());
        })
    };
    let (s2, d2, k2) = (s.clone(), done.clone(), conns.clone());
    let listening = listen_unix(&h, &sock.0, move |conn: Socket| {
        let p = s2.clone();
        conn.readable.on(DATA, move |d: &Chunk| {
            p.push(format!(
                "data {}",
                String::from_utf8_lossy(d.as_bytes().unwrap_or_default())
            ));
        });
        let p = s2.clone();
        conn.readable.on(END, move |_: &()| p.push("end"));
        let p = s2.clone();
        conn.writable.on(FINISH, move |_| {
            p.push("finish (auto end(), allowHalfOpen=false)");
        });
        let (p, d) = (s2.clone(), d2.clone());
        on_close(&conn, move |had| {
            p.push(format!("close hadError={had}"));
            d();
        });
        k2.borrow_mut().push(conn);
    })
    .unwrap();
    *server.borrow_mut() = Some(listening);

    let cl = connect_unix(&h, &sock.0, ReceiveOptions::default()).unwrap();
    c.push(format!(
        "connecting={} pending={}",
        cl.connecting(),
        cl.pending()
    ));
    let p = c.clone();
    let r = cl
        .writable
        .write_cb("hello", move |e| p.push(format!("write-cb {}", errc(&e))));
    c.push(format!(
        "write before connect -> {r} len={}",
        cl.writable.writable_length()
    ));
    let p = c.clone();
    cl.writable.end_cb(move |_| p.push("end-cb"));
    c.push(format!(
        "after end(): writable={} writableEnded={} readable={}",
        cl.writable.writable(),
        cl.writable.writable_ended(),
        cl.readable.readable()
    ));
    let p = c.clone();
    cl.writable.on(CONNECT, move |_: &()| p.push("connect"));
    let p = c.clone();
    cl.writable.on(READY, move |_| p.push("ready"));
    let p = c.clone();
    cl.writable.on(FINISH, move |_| p.push("finish"));
    let p = c.clone();
    cl.readable.on(END, move |_: &()| p.push("end"));
    let (p, d) = (c.clone(), done.clone());
    on_close(&cl, move |had| {
        p.push(format!("close hadError={had}"));
        d();
    });
    cl.readable.resume();
    run(&lp, &t);
    forget(&conns.borrow());
    forget(&[cl]);
    t.take()
}

/// A 1 MiB write to a peer that is not reading returns `false` at once; `'drain'` (then
/// the write's callback) once the peer resumes reading.
fn n03_net_backpressure_drain() -> Vec<String> {
    let t = Trace::new();
    let lp = crate::scenarios::event_loop();
    let h = lp.handle();
    let sock = TempPath::new("n03.sock");
    let conns: Rc<RefCell<Vec<Socket>>> = Rc::default();
    let (t2, h2, k2) = (t.clone(), h.clone(), conns.clone());
    let server = listen_unix(&h, &sock.0, move |conn: Socket| {
        conn.readable.pause();
        let got = Rc::new(Cell::new(0usize));
        let g = got.clone();
        conn.readable
            .on(DATA, move |d: &Chunk| g.set(g.get() + d.len()));
        let (t, w) = (t2.clone(), conn.writable.clone());
        conn.readable.on(END, move |_: &()| {
            tlog!(t, "server got", got.get(), "bytes");
            w.end();
        });
        let (t, r) = (t2.clone(), conn.readable.downgrade());
        h2.set_timeout(Duration::from_millis(50), move || {
            tlog!(t, "server resumes reading");
            if let Some(r) = r.upgrade() {
                r.resume();
            }
        });
        k2.borrow_mut().push(conn);
    })
    .unwrap();

    let cl = connect_unix(&h, &sock.0, ReceiveOptions::default()).unwrap();
    let (tt, w) = (t.clone(), cl.writable.clone());
    cl.writable.once(CONNECT, move |_: &()| {
        let big = vec![b'z'; 1 << 20];
        let r = w.write_cb(big.as_slice(), cb_errc(&tt, "write-cb"));
        tlog!(
            tt,
            "write(1 MiB) ->",
            r,
            "writableLength",
            w.writable_length(),
            "needDrain",
            w.writable_need_drain()
        );
        let (t, w2) = (tt.clone(), w.clone());
        w.once(DRAIN, move |_| {
            tlog!(t, "client drain", "writableLength", w2.writable_length());
            w2.end();
        });
    });
    let tt = t.clone();
    on_close(&cl, move |_| {
        tlog!(tt, "client close");
        server.close();
    });
    cl.readable.resume();
    run(&lp, &t);
    forget(&conns.borrow());
    forget(&[cl]);
    t.take()
}

/// `destroySoon()`: `end()` while writable, then destroy once `'finish'` has been emitted.
fn n02_net_destroy_soon() -> Vec<String> {
    let t = Trace::new();
    let lp = crate::scenarios::event_loop();
    let h = lp.handle();
    let sock = TempPath::new("n02.sock");
    let c = Parts::default();
    let conns: Rc<RefCell<Vec<Socket>>> = Rc::default();
    let server: Rc<RefCell<Option<Server>>> = Rc::default();
    let (t2, c2, srv, k2) = (t.clone(), c.clone(), server.clone(), conns.clone());
    let listening = listen_unix(&h, &sock.0, move |conn: Socket| {
        conn.readable.resume();
        let (t, c, srv) = (t2.clone(), c2.clone(), srv.clone());
        on_close(&conn, move |_| {
            if let Some(server) = srv.borrow_mut().take() {
                server.close();
            }
            tlog!(t, "client:", c.joined());
        });
        k2.borrow_mut().push(conn);
    })
    .unwrap();
    *server.borrow_mut() = Some(listening);

    let cl = connect_unix(&h, &sock.0, ReceiveOptions::default()).unwrap();
    let (p, s) = (c.clone(), cl.clone());
    cl.writable.once(CONNECT, move |_: &()| {
        let q = p.clone();
        s.writable.write_cb("x", move |_| q.push("write-cb"));
        s.destroy_soon();
        p.push(format!(
            "after destroySoon: writableEnded={} destroyed={}",
            s.writable.writable_ended(),
            s.writable.destroyed()
        ));
    });
    let (p, w) = (c.clone(), cl.writable.clone());
    cl.writable.on(FINISH, move |_| {
        p.push(format!("finish destroyed={}", w.destroyed()));
    });
    let p = c.clone();
    on_close(&cl, move |_| p.push("close"));
    run(&lp, &t);
    forget(&conns.borrow());
    forget(&[cl]);
    t.take()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "n01-net-unix-pair-write-end",
        run: n01_net_unix_pair_write_end,
    },
    Scenario {
        name: "n03-net-backpressure-drain",
        run: n03_net_backpressure_drain,
    },
    Scenario {
        name: "n02-net-destroySoon",
        run: n02_net_destroy_soon,
    },
];

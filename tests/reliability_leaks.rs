//! No fd outlives its last handle: every stream kind, left undestroyed, busy writing or idle,
//! with the loop dropped before or after the streams, and used after the loop is gone.
//!
//! The table ([`KINDS`]) has one row per stream kind; each scenario runs every row. A row
//! makes its streams on a loop and says what the user holds, what lies outside the library
//! (the other end of a pipe, a client, a child process), how to put writes in flight that
//! the kernel will not take, and how to use the streams once the loop is gone. After every
//! scenario the process has exactly the descriptors it began with, and the loop's state is
//! freed (a [`WeakLoopHandle`] no longer upgrades: every stream holds a handle to its loop,
//! so a stream kept alive by a cycle would keep the loop's state too).
//!
//! A socket's two sides share one fd: the socket rows check that each socket adds one fd,
//! and two rows leave a socket with one side done and the other still at work (Node's
//! `net.Socket` is destroyed only once both sides are done): one that has ended and
//! finished but reads on until the peer ends, one whose peer has ended (so that, with
//! `allowHalfOpen: false`, its writable side is ending) with writes still waiting for the
//! peer to read them.
//!
//! Each scenario runs in a child process of this binary (`isolated!`): the counts are
//! exact, and the `process::stdout` row may point fd 1 at a pipe of its own.

mod support;

use std::any::Any;
use std::cell::RefCell;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nodestream::child_process::spawn;
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::net::{self, ReceiveOptions, Socket};
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, PostAction, WeakLoopHandle, Writable, WritableOptions};
use support::{fd_count, fd_list, pipe, TempPath};

/// What a row made.
struct Made {
    /// What the user holds: the streams, and closures over them (dropped with them).
    held: Vec<Box<dyn Any>>,
    /// What lies outside the library: closed last, after every stream handle.
    far: Vec<Box<dyn Any>>,
    /// The writable sides, for [`fill`]; the readable sides, to read from.
    writables: Vec<Writable>,
    readables: Vec<Readable>,
    /// Writes into the far ends (so that the readable sides have bytes waiting).
    feed: Vec<Box<dyn Fn()>>,
}

impl Made {
    fn new() -> Made {
        Made {
            held: Vec::new(),
            far: Vec::new(),
            writables: Vec::new(),
            readables: Vec::new(),
            feed: Vec::new(),
        }
    }

    fn hold(&mut self, x: impl Any) -> &mut Made {
        self.held.push(Box::new(x));
        self
    }

    fn far(&mut self, x: impl Any) -> &mut Made {
        self.far.push(Box::new(x));
        self
    }

    /// Drops what the user holds (every handle of the row's streams).
    fn drop_handles(&mut self) {
        self.writables.clear();
        self.readables.clear();
        self.feed.clear();
        self.held.clear();
    }
}

/// One stream kind: a name and how to make it on a loop.
struct Kind {
    name: &'static str,
    make: fn(&EventLoop) -> Made,
}

/// Every stream kind the crate makes. The next kind is one more row.
const KINDS: &[Kind] = &[
    Kind {
        name: "FdWritable on a pipe",
        make: fd_writable_on_a_pipe,
    },
    Kind {
        name: "Readable::from_fd on a pipe",
        make: readable_from_fd,
    },
    Kind {
        name: "a Readable piped into an FdWritable",
        make: piped,
    },
    Kind {
        name: "net::unix_pair",
        make: unix_pair,
    },
    Kind {
        name: "net::connect_tcp",
        make: tcp_client,
    },
    Kind {
        name: "net::Server with an accepted connection",
        make: server,
    },
    Kind {
        name: "net::connect_unix",
        make: unix_client,
    },
    Kind {
        name: "a Socket that has ended and finished, reading on until the peer ends",
        make: socket_reading_after_finish,
    },
    Kind {
        name: "a Socket whose peer has ended, flushing its last writes",
        make: socket_writing_after_end,
    },
    Kind {
        name: "fs::create_write_stream on a FIFO",
        make: file_write_stream,
    },
    Kind {
        name: "child_process::spawn",
        make: child,
    },
    Kind {
        name: "process::stdout on a pipe",
        make: stdout,
    },
];

fn fd_writable_on_a_pipe(el: &EventLoop) -> Made {
    let (r, w) = pipe();
    let w = FdWritable::new(&el.handle(), w, WritableOptions::new()).unwrap();
    let mut m = Made::new();
    m.writables.push(w.as_writable().clone());
    m.hold(w).far(r);
    m
}

/// A pipe's write end as a `File` the test writes into without blocking.
fn nonblocking_writer(fd: OwnedFd) -> Rc<RefCell<std::fs::File>> {
    rustix::fs::fcntl_setfl(&fd, rustix::fs::OFlags::NONBLOCK).unwrap();
    Rc::new(RefCell::new(std::fs::File::from(fd)))
}

/// Writes into `f` until the kernel refuses more.
fn flood(f: &mut impl Write) {
    let chunk = [b'y'; 16 * 1024];
    for _ in 0..1024 {
        match f.write(&chunk) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            // The reader may be gone already (a child that exited): nothing to feed.
            Err(_) => return,
        }
    }
}

fn readable_from_fd(el: &EventLoop) -> Made {
    let (r, w) = pipe();
    let r = Readable::from_fd(&el.handle(), r, ReadableOptions::default()).unwrap();
    let w = nonblocking_writer(w);
    let mut m = Made::new();
    m.readables.push(r.clone());
    let f = w.clone();
    m.feed.push(Box::new(move || flood(&mut *f.borrow_mut())));
    m.hold(r).far(w);
    m
}

fn piped(el: &EventLoop) -> Made {
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    let src = Readable::from_fd(&el.handle(), r1, ReadableOptions::default()).unwrap();
    let dest = FdWritable::new(&el.handle(), w2, WritableOptions::new()).unwrap();
    src.pipe(&*dest);
    let feed = nonblocking_writer(w1);
    let mut m = Made::new();
    m.readables.push(src.clone());
    m.writables.push(dest.as_writable().clone());
    let f = feed.clone();
    m.feed.push(Box::new(move || flood(&mut *f.borrow_mut())));
    m.hold(src).hold(dest).far(feed).far(r2);
    m
}

/// Both sides of a socket, for the table.
fn add_socket(m: &mut Made, s: Socket) {
    m.writables.push(s.writable.as_writable().clone());
    m.readables.push(s.readable.clone());
    m.hold(s);
}

fn unix_pair(el: &EventLoop) -> Made {
    let before = fd_count();
    let (a, b) = net::unix_pair(&el.handle()).unwrap();
    assert_eq!(fd_count(), before + 2, "a socket is one fd");
    let mut m = Made::new();
    add_socket(&mut m, a);
    add_socket(&mut m, b);
    m
}

fn tcp_client(el: &EventLoop) -> Made {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let s = net::connect_tcp(&el.handle(), listener.local_addr().unwrap()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.connecting() {
        assert!(Instant::now() < deadline, "the connect never completed");
        el.run_for(Duration::from_millis(1)).unwrap();
    }
    let (peer, _) = listener.accept().unwrap();
    peer.set_nonblocking(true).unwrap();
    let peer = Rc::new(RefCell::new(peer));
    let mut m = Made::new();
    let p = peer.clone();
    m.feed.push(Box::new(move || flood(&mut *p.borrow_mut())));
    add_socket(&mut m, s);
    m.far(peer).far(listener);
    m
}

fn server(el: &EventLoop) -> Made {
    let accepted: Rc<RefCell<Vec<Socket>>> = Rc::default();
    let a = accepted.clone();
    let server = net::listen_tcp(&el.handle(), "127.0.0.1:0".parse().unwrap(), move |s| {
        a.borrow_mut().push(s)
    })
    .unwrap();
    let client = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    client.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while accepted.borrow().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the connection was never accepted"
        );
        el.run_for(Duration::from_millis(1)).unwrap();
    }
    let client = Rc::new(RefCell::new(client));
    let mut m = Made::new();
    let c = client.clone();
    m.feed.push(Box::new(move || flood(&mut *c.borrow_mut())));
    let socket = accepted.borrow()[0].clone();
    add_socket(&mut m, socket);
    m.hold(server).hold(accepted).far(client);
    m
}

fn unix_client(el: &EventLoop) -> Made {
    let path = TempPath::new("leaks-unix");
    let listener = UnixListener::bind(&path.0).unwrap();
    let before = fd_count();
    let s = net::connect_unix(&el.handle(), &path.0, ReceiveOptions::default()).unwrap();
    assert_eq!(fd_count(), before + 1, "a socket is one fd");
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.connecting() {
        assert!(Instant::now() < deadline, "the connect never completed");
        el.run_for(Duration::from_millis(1)).unwrap();
    }
    let (peer, _) = listener.accept().unwrap();
    peer.set_nonblocking(true).unwrap();
    let peer = Rc::new(RefCell::new(peer));
    let mut m = Made::new();
    let p = peer.clone();
    m.feed.push(Box::new(move || flood(&mut *p.borrow_mut())));
    add_socket(&mut m, s);
    m.far(peer).far(listener).far(path);
    m
}

/// A Unix socket from an fd, with its peer fed by the test.
fn socket_and_peer(el: &EventLoop) -> (Socket, Rc<RefCell<UnixStream>>) {
    let (ours, peer) = UnixStream::pair().unwrap();
    peer.set_nonblocking(true).unwrap();
    let s = Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap();
    (s, Rc::new(RefCell::new(peer)))
}

/// Runs the loop until `done`, failing after 5 s.
fn run_until(el: &EventLoop, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        el.run_for(Duration::from_millis(1)).unwrap();
    }
}

fn socket_reading_after_finish(el: &EventLoop) -> Made {
    let (s, peer) = socket_and_peer(el);
    let before = fd_count();
    s.writable.end_with("bye");
    run_until(el, "the finish", || s.writable_finished());
    assert!(!s.destroyed() && !s.readable_ended());
    assert_eq!(
        fd_count(),
        before,
        "the finish closed the fd of a socket still reading"
    );
    let mut m = Made::new();
    // Its writable side takes nothing more (a write after end is an error).
    m.readables.push(s.readable.clone());
    let p = peer.clone();
    m.feed.push(Box::new(move || flood(&mut *p.borrow_mut())));
    m.hold(s).far(peer);
    m
}

fn socket_writing_after_end(el: &EventLoop) -> Made {
    let (s, peer) = socket_and_peer(el);
    let before = fd_count();
    // More than the kernel holds, which the peer never reads.
    s.writable.write(vec![b'x'; 4 << 20]);
    peer.borrow().shutdown(std::net::Shutdown::Write).unwrap();
    run_until(el, "the end, and the end of the writable side", || {
        s.readable_ended() && s.writable_ended()
    });
    assert!(!s.destroyed() && !s.writable_finished() && s.writable_length() > 0);
    assert_eq!(
        fd_count(),
        before,
        "the end closed the fd of a socket still writing"
    );
    let mut m = Made::new();
    // Its writable side takes nothing more; its readable side has ended, but can still
    // be destroyed (which destroys the socket, writes waiting).
    m.readables.push(s.readable.clone());
    m.hold(s).far(peer);
    m
}

fn file_write_stream(el: &EventLoop) -> Made {
    let path = TempPath::new("leaks-fifo");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &path.0,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    // The reader first, so that the writer's open (on the pool) does not wait for one.
    let reader = rustix::fs::open(
        &path.0,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let ws = create_write_stream(&el.handle(), &path.0, WriteStreamOptions::new()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while ws.pending() {
        assert!(Instant::now() < deadline, "the FIFO never opened");
        el.run_for(Duration::from_millis(1)).unwrap();
    }
    let mut m = Made::new();
    m.writables.push(ws.as_writable().clone());
    m.hold(ws).far(reader).far(path);
    m
}

/// Kills and reaps a child when dropped.
struct Reap(u32);

impl Drop for Reap {
    fn drop(&mut self) {
        let pid = rustix::process::Pid::from_raw(self.0 as i32).unwrap();
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
    }
}

fn child(el: &EventLoop) -> Made {
    // A child that reads nothing and writes nothing: its stdin fills up.
    let c = spawn(&el.handle(), Command::new("sleep").arg("30")).unwrap();
    let mut m = Made::new();
    m.writables.push(c.stdin.as_writable().clone());
    m.readables.push(c.stdout.clone());
    m.far(Reap(c.pid())).hold(c);
    m
}

/// Points fd 1 at a pipe of the test's for the row's life, then puts it back.
struct StdoutOnAPipe {
    saved: Option<OwnedFd>,
    _reader: OwnedFd,
}

impl StdoutOnAPipe {
    fn new() -> StdoutOnAPipe {
        let (r, w) = pipe();
        let saved = rustix::io::fcntl_dupfd_cloexec(std::io::stdout().as_fd(), 3).unwrap();
        rustix::stdio::dup2_stdout(&w).unwrap();
        drop(w);
        StdoutOnAPipe {
            saved: Some(saved),
            _reader: r,
        }
    }
}

impl Drop for StdoutOnAPipe {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            rustix::stdio::dup2_stdout(&saved).unwrap();
        }
    }
}

fn stdout(el: &EventLoop) -> Made {
    let redirect = StdoutOnAPipe::new();
    let w = nodestream::process::stdout(&el.handle()).unwrap();
    let mut m = Made::new();
    m.writables.push(w.clone());
    m.hold(w).far(redirect);
    m
}

/// Writes until the kernel refuses bytes and writes wait in the stream's buffer, running
/// the loop between rounds.
fn fill(el: &EventLoop, w: &Writable, kind: &str) {
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        while w.write(chunk.clone()) {}
        el.run_for(Duration::from_millis(2)).unwrap();
        if w.writable_length() > 0 && w.writable_buffer_len() > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{kind}: the kernel never refused bytes"
        );
    }
}

/// Waits (for a file worker finishing an operation that was in flight) until the count is
/// `want`, then asserts it.
fn assert_fds(want: usize, kind: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while fd_count() != want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        fd_count(),
        want,
        "{kind}: {what}: descriptors left open: {:?}",
        fd_list()
    );
}

fn assert_freed(weak: &WeakLoopHandle, kind: &str, what: &str) {
    assert!(
        weak.upgrade().is_none(),
        "{kind}: {what}: a stream still holds the loop (an Rc cycle outlived every handle)"
    );
}

/// How a scenario ends its row.
#[derive(Clone, Copy)]
enum Order {
    LoopFirst,
    HandlesFirst,
}

/// Makes each row, optionally puts writes in flight, then drops the loop and the handles in
/// `order`, then the far ends; checks descriptors and the loop's state.
fn scenario(busy: bool, order: Order) {
    for kind in KINDS {
        let before = fd_count();
        let el = EventLoop::new().unwrap();
        let weak = el.handle().downgrade();
        let mut made = (kind.make)(&el);
        el.run_for(Duration::from_millis(2)).unwrap();
        if busy {
            for feed in &made.feed {
                feed();
            }
            for w in made.writables.clone() {
                fill(&el, &w, kind.name);
            }
        }
        match order {
            Order::LoopFirst => {
                drop(el);
                made.drop_handles();
            }
            Order::HandlesFirst => {
                made.drop_handles();
                drop(el);
            }
        }
        drop(made);
        assert_freed(&weak, kind.name, "after dropping everything");
        assert_fds(before, kind.name, "after dropping everything");
    }
}

#[test]
fn idle_streams_left_undestroyed_release_every_fd_when_the_loop_goes_first() {
    isolated!(
        idle_streams_left_undestroyed_release_every_fd_when_the_loop_goes_first,
        || scenario(false, Order::LoopFirst)
    );
}

#[test]
fn idle_streams_left_undestroyed_release_every_fd_when_the_handles_go_first() {
    isolated!(
        idle_streams_left_undestroyed_release_every_fd_when_the_handles_go_first,
        || scenario(false, Order::HandlesFirst)
    );
}

#[test]
fn streams_with_writes_in_flight_release_every_fd_when_the_loop_goes_first() {
    isolated!(
        streams_with_writes_in_flight_release_every_fd_when_the_loop_goes_first,
        || scenario(true, Order::LoopFirst)
    );
}

#[test]
fn streams_with_writes_in_flight_release_every_fd_when_the_handles_go_first() {
    isolated!(
        streams_with_writes_in_flight_release_every_fd_when_the_handles_go_first,
        || scenario(true, Order::HandlesFirst)
    );
}

/// Every stream kind used after its loop is gone: writes, ends, reads and destroys are
/// accepted without a panic, nothing deferred runs (no write callback before `destroy()`,
/// no `'close'`: those come from the loop), and nothing is kept: the descriptors and the
/// loop's state go with the last handle.
#[test]
fn streams_used_after_the_loop_is_gone_run_nothing_and_keep_nothing() {
    isolated!(
        streams_used_after_the_loop_is_gone_run_nothing_and_keep_nothing,
        || {
            for kind in KINDS {
                let before = fd_count();
                let el = EventLoop::new().unwrap();
                let weak = el.handle().downgrade();
                let mut made = (kind.make)(&el);
                el.run_for(Duration::from_millis(2)).unwrap();
                let lp = el.handle();
                drop(el);
                assert!(lp.is_closed());
                let called = Rc::new(RefCell::new(Vec::<String>::new()));
                for w in &made.writables {
                    let c = called.clone();
                    w.on("close", move |_: &()| c.borrow_mut().push("close".into()));
                    let c = called.clone();
                    w.write_cb("after", move |e| c.borrow_mut().push(format!("cb {e:?}")));
                    w.write(vec![b'z'; 1 << 20]);
                    let c = called.clone();
                    w.end_cb(move |e| c.borrow_mut().push(format!("end {e:?}")));
                }
                for r in &made.readables {
                    r.resume();
                    r.pause();
                    let _ = r.read();
                }
                assert_eq!(
                    *called.borrow(),
                    Vec::<String>::new(),
                    "{}: something ran without a loop",
                    kind.name
                );
                for w in &made.writables {
                    w.destroy(None);
                }
                for r in &made.readables {
                    r.destroy(None);
                }
                // `destroy()` fails what waits synchronously, as it does with a loop; the
                // rest (`'close'`) would come from the loop, which is gone.
                assert!(
                    !called.borrow().iter().any(|e| e == "close"),
                    "{}: 'close' without a loop: {:?}",
                    kind.name,
                    called.borrow()
                );
                drop(called);
                drop(lp);
                made.drop_handles();
                drop(made);
                assert_freed(&weak, kind.name, "after using the streams without a loop");
                assert_fds(before, kind.name, "after using the streams without a loop");
            }
        }
    );
}

/// A `LoopHandle` and a `RemoteHandle` used after the `EventLoop` is dropped: every call is
/// a no-op or an error, nothing runs, nothing panics, and everything given is dropped at
/// once (the loop's state is freed with the last handle, its fds with it).
#[test]
fn loop_handles_used_after_the_loop_is_gone_keep_nothing() {
    isolated!(
        loop_handles_used_after_the_loop_is_gone_keep_nothing,
        || {
            let before = fd_count();
            let el = EventLoop::new().unwrap();
            let lp = el.handle();
            let weak = lp.downgrade();
            let remote = el.remote();
            drop(el);
            assert!(lp.is_closed());
            assert!(remote.is_closed());
            // Each closure holds the handle: were it kept, the loop's state would never go.
            let sentinel = Rc::new(());
            let probe = Rc::downgrade(&sentinel);
            let (s, h) = (sentinel.clone(), lp.clone());
            lp.next_tick(move || drop((s, h)));
            let (s, h) = (sentinel.clone(), lp.clone());
            let im = lp.set_immediate(move || drop((s, h)));
            assert!(!lp.clear_immediate(im));
            let (s, h) = (sentinel.clone(), lp.clone());
            let t = lp.set_timeout(Duration::from_millis(1), move || drop((s, h)));
            assert!(!lp.timer_is_active(t));
            assert!(!lp.clear_timeout(t));
            let (s, h) = (sentinel.clone(), lp.clone());
            let i = lp.set_interval(Duration::MAX, move || {
                let _ = (&s, &h);
            });
            assert!(!lp.timer_is_active(i));
            lp.unref_timer(i);
            lp.ref_timer(i);
            assert!(!lp.timer_has_ref(i));
            let (s, h) = (sentinel.clone(), lp.clone());
            lp.on_close(move || drop((s, h)));
            lp.report_error(nodestream::Error::from_code(
                nodestream::ErrorCode::Destroyed,
            ));
            lp.stop();
            let (tx, mut rx) = mio::unix::pipe::new().unwrap();
            let (s, h) = (sentinel.clone(), lp.clone());
            let err = lp
                .register(&mut rx, mio::Interest::READABLE, move |_| {
                    let _ = (&s, &h);
                    PostAction::Continue
                })
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotConnected);
            drop((tx, rx));
            assert!(remote.post(|| {}).is_err());
            let keep = lp.keep_alive();
            drop(keep);
            // The streams' constructors refuse the loop and give the fd back.
            let (r, w) = pipe();
            let e = FdWritable::new(&lp, w, WritableOptions::new()).unwrap_err();
            assert_eq!(e.error.kind(), io::ErrorKind::NotConnected);
            drop(e);
            let e = Readable::from_fd(&lp, r, ReadableOptions::default()).unwrap_err();
            assert_eq!(e.error.kind(), io::ErrorKind::NotConnected);
            drop(e);
            assert!(net::unix_pair(&lp).is_err());
            let path = TempPath::new("leaks-gone");
            assert!(net::listen_unix(&lp, &path.0, |_| {}).is_err());
            drop(sentinel);
            assert!(
                probe.upgrade().is_none(),
                "a closure given after the loop was kept"
            );
            drop((lp, remote));
            assert!(weak.upgrade().is_none());
            drop(path);
            assert_eq!(fd_count(), before, "{:?}", fd_list());
        }
    );
}

/// One step of what a user may do with a row's streams before letting go of them.
#[derive(Clone, Debug)]
enum Op {
    /// Write this many bytes on writable side `i` (modulo how many there are).
    Write(usize, usize),
    /// The same, with a callback.
    WriteCb(usize, usize),
    End(usize),
    Destroy(usize),
    Resume(usize),
    Pause(usize),
    DestroyReadable(usize),
    /// The far ends write what they can.
    Feed,
    /// A short run of the loop.
    RunFor,
    /// One turn that does not block.
    Dispatch,
}

fn op() -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    let side = 0usize..4;
    prop_oneof![
        (side.clone(), 1usize..200_000).prop_map(|(i, n)| Op::Write(i, n)),
        (side.clone(), 1usize..100_000).prop_map(|(i, n)| Op::WriteCb(i, n)),
        side.clone().prop_map(Op::End),
        side.clone().prop_map(Op::Destroy),
        side.clone().prop_map(Op::Resume),
        side.clone().prop_map(Op::Pause),
        side.prop_map(Op::DestroyReadable),
        Just(Op::Feed),
        Just(Op::RunFor),
        Just(Op::Dispatch),
    ]
}

/// How a case lets go: the loop first, the handles first, or the handles and then a
/// short run before the loop goes.
fn any_case(kind: &Kind, ops: &[Op], order: u8) {
    let before = fd_count();
    let el = EventLoop::new().unwrap();
    let weak = el.handle().downgrade();
    let mut made = (kind.make)(&el);
    let pick = |n: usize, i: usize| (n > 0).then(|| i % n);
    for op in ops {
        let w = |i| pick(made.writables.len(), i).map(|i| &made.writables[i]);
        let r = |i| pick(made.readables.len(), i).map(|i| &made.readables[i]);
        match *op {
            Op::Write(i, n) => {
                if let Some(w) = w(i) {
                    w.write(vec![b'w'; n]);
                }
            }
            Op::WriteCb(i, n) => {
                if let Some(w) = w(i) {
                    w.write_cb(vec![b'c'; n], |_| {});
                }
            }
            Op::End(i) => w(i).into_iter().for_each(|w| w.end()),
            Op::Destroy(i) => w(i).into_iter().for_each(|w| w.destroy(None)),
            Op::Resume(i) => r(i).into_iter().for_each(|r| {
                r.resume();
            }),
            Op::Pause(i) => r(i).into_iter().for_each(|r| {
                r.pause();
            }),
            Op::DestroyReadable(i) => r(i).into_iter().for_each(|r| {
                r.destroy(None);
            }),
            Op::Feed => made.feed.iter().for_each(|feed| feed()),
            // Uncaught errors (a write after end with no listener) come back from the
            // run; they are the stream's business, not this test's.
            Op::RunFor => drop(el.run_for(Duration::from_millis(1))),
            Op::Dispatch => drop(el.dispatch(Some(Duration::ZERO))),
        }
    }
    match order {
        0 => {
            drop(el);
            made.drop_handles();
        }
        1 => {
            made.drop_handles();
            drop(el);
        }
        _ => {
            made.drop_handles();
            let _ = el.run_for(Duration::from_millis(5));
            drop(el);
        }
    }
    drop(made);
    let what = format!("after {ops:?}, order {order}");
    assert_freed(&weak, kind.name, &what);
    assert_fds(before, kind.name, &what);
}

/// The property behind the table: any row, any sequence of writes, ends, destroys, reads
/// and loop turns, then any order of letting go: no fd is left and the loop's state is
/// freed. Failures shrink to a minimal sequence (`PROPTEST_CASES` for longer runs).
#[test]
fn any_use_of_any_stream_kind_then_any_order_of_letting_go_leaks_nothing() {
    isolated!(
        any_use_of_any_stream_kind_then_any_order_of_letting_go_leaks_nothing,
        || {
            use proptest::test_runner::{Config, TestRunner};
            let mut runner = TestRunner::new(Config {
                cases: support::cases(128),
                failure_persistence: None,
                ..Config::default()
            });
            let input = (
                0..KINDS.len(),
                proptest::collection::vec(op(), 0..16),
                0u8..3,
            );
            runner
                .run(&input, |(kind, ops, order)| {
                    any_case(&KINDS[kind], &ops, order);
                    Ok(())
                })
                .unwrap();
        }
    );
}

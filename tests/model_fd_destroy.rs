//! `destroy()` at a random moment of an fd stream's life: random writes (some larger than
//! the kernel takes at once), loop turns, a peer that reads a little, `end()`, then
//! `destroy()` or `destroy(err)`, over a pipe, a Unix socket and a TCP socket that may still
//! be connecting. Whatever the moment, Node's rules hold:
//!
//! - every write callback and the end callback are called exactly once;
//! - the outcomes in write order are successes, then failures (never a success after a
//!   failure); a failure is the destroy's error, `ERR_STREAM_DESTROYED`, or
//!   `ERR_SOCKET_CLOSED_BEFORE_CONNECTION` for the write parked by a connect;
//! - at most one `'error'`, the destroy's, before any write callback that failed;
//! - `'close'` once, last;
//! - the peer reads a prefix of the bytes written, and nothing of a write whose callback
//!   failed (the batch in flight is told `null` however much of it went, as Node tells it);
//! - no descriptor is left open.
//!
//! `PROPTEST_CASES` raises the case count; see `docs/fuzzing.md`.

mod support;

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

use nodestream::events::{CLOSE, ERROR};
use nodestream::net::{connect_tcp, Socket};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, WritableOptions};
use proptest::prelude::*;
use support::{FdCheck, Log};

#[derive(Clone, Debug)]
enum Op {
    /// A write of this many bytes, with a callback.
    Write(usize),
    /// One loop turn without waiting.
    Turn,
    /// The peer reads up to this many bytes (without waiting).
    Drain(usize),
    /// `end(cb)`.
    End,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Pipe,
    Unix,
    /// A client socket, connecting until a loop turn decides it.
    Tcp,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop_oneof![1usize..200, 200usize..20_000, 20_000usize..300_000].prop_map(Op::Write),
        2 => Just(Op::Turn),
        1 => (1usize..100_000).prop_map(Op::Drain),
        1 => Just(Op::End),
    ]
}

/// The far end, read without blocking.
enum Peer {
    Pipe(std::fs::File),
    Unix(UnixStream),
    Tcp(TcpListener, Option<TcpStream>),
}

impl Peer {
    /// Reads up to `n` bytes that are there now.
    fn drain(&mut self, n: usize, into: &mut Vec<u8>) {
        let mut buf = vec![0u8; n];
        let got = match self {
            Peer::Pipe(f) => f.read(&mut buf),
            Peer::Unix(s) => s.read(&mut buf),
            Peer::Tcp(l, s) => {
                if s.is_none() {
                    if let Ok((c, _)) = l.accept() {
                        c.set_nonblocking(true).unwrap();
                        *s = Some(c);
                    }
                }
                match s {
                    Some(s) => s.read(&mut buf),
                    None => Ok(0),
                }
            }
        };
        if let Ok(k) = got {
            into.extend_from_slice(&buf[..k]);
        }
    }

    /// Everything left, up to the end of file (the stream is closed by now).
    fn rest(&mut self, into: &mut Vec<u8>) {
        loop {
            let before = into.len();
            self.drain(1 << 16, into);
            if into.len() == before {
                // A TCP handshake the client never saw through: accept may still come.
                if let Peer::Tcp(l, None) = self {
                    l.set_nonblocking(false).unwrap();
                    let _ = l.set_nonblocking(true);
                }
                return;
            }
        }
    }
}

fn make(lp: &EventLoop, kind: Kind) -> (FdWritable, Option<Socket>, Peer) {
    let h = lp.handle();
    match kind {
        Kind::Pipe => {
            let (r, w) = support::pipe();
            rustix::fs::fcntl_setfl(&r, rustix::fs::OFlags::NONBLOCK).unwrap();
            let w = FdWritable::new(&h, w, WritableOptions::new()).unwrap();
            (w, None, Peer::Pipe(std::fs::File::from(r)))
        }
        Kind::Unix => {
            let (ours, peer) = UnixStream::pair().unwrap();
            peer.set_nonblocking(true).unwrap();
            let w = FdWritable::new(&h, OwnedFd::from(ours), WritableOptions::new()).unwrap();
            (w, None, Peer::Unix(peer))
        }
        Kind::Tcp => {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.set_nonblocking(true).unwrap();
            let s = connect_tcp(&h, l.local_addr().unwrap()).unwrap();
            (s.writable.clone(), Some(s), Peer::Tcp(l, None))
        }
    }
}

fn outcome(e: Option<Error>) -> String {
    e.map_or("null".to_string(), |e| e.code().to_string())
}

fn check(kind: Kind, ops: &[Op], with_err: bool) -> Result<(), TestCaseError> {
    let fds = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (w, socket, mut peer) = make(&lp, kind);
    let log = Log::default();
    let l = log.clone();
    w.on(ERROR, move |e: &Error| {
        l.push(format!("error {}", e.code()))
    });
    w.on(CLOSE, log.event("close"));
    let mut written: Vec<Vec<u8>> = Vec::new();
    let mut received = Vec::new();
    let mut ended = false;
    for op in ops {
        match op {
            // Writing after end() is another class (ERR_STREAM_WRITE_AFTER_END).
            Op::Write(_) if ended => {}
            Op::Write(n) => {
                let i = written.len();
                let bytes: Vec<u8> = (0..*n).map(|k| (i * 31 + k) as u8).collect();
                written.push(bytes.clone());
                let l = log.clone();
                w.write_cb(bytes, move |e| l.push(format!("cb{i} {}", outcome(e))));
            }
            Op::Turn => lp.run_for(std::time::Duration::ZERO).unwrap(),
            Op::Drain(n) => peer.drain(*n, &mut received),
            Op::End => {
                if !ended {
                    ended = true;
                    let l = log.clone();
                    w.end_cb(move |e| l.push(format!("end {}", outcome(e))));
                }
            }
        }
    }
    w.destroy(with_err.then(|| Error::custom("ERR_BOOM", "boom")));
    if let Some(s) = &socket {
        s.readable.destroy(None);
    }
    lp.run().unwrap();
    peer.rest(&mut received);
    let got = log.get();

    // Each callback once; 'close' once and last; at most one 'error', the destroy's.
    for i in 0..written.len() {
        let n = got
            .iter()
            .filter(|l| l.starts_with(&format!("cb{i} ")))
            .count();
        prop_assert_eq!(n, 1, "write {} called back {} times: {:?}", i, n, got);
    }
    let ends = got.iter().filter(|l| l.starts_with("end ")).count();
    prop_assert_eq!(ends, usize::from(ended), "{:?}", got);
    prop_assert_eq!(got.iter().filter(|l| *l == "close").count(), 1, "{:?}", got);
    prop_assert_eq!(got.last().map(String::as_str), Some("close"), "{:?}", got);
    let errors: Vec<&String> = got.iter().filter(|l| l.starts_with("error ")).collect();
    prop_assert!(errors.len() <= 1, "{:?}", got);
    if let Some(e) = errors.first() {
        prop_assert!(with_err && *e == "error ERR_BOOM", "{:?}", got);
    }

    // Outcomes in write order: successes, then failures of the allowed kinds.
    let outcomes: Vec<String> = (0..written.len())
        .map(|i| {
            let p = format!("cb{i} ");
            got.iter().find(|l| l.starts_with(&p)).unwrap()[p.len()..].to_string()
        })
        .collect();
    let ok = outcomes.iter().take_while(|o| *o == "null").count();
    for o in &outcomes[ok..] {
        prop_assert!(
            o == "ERR_BOOM"
                || o == "ERR_STREAM_DESTROYED"
                || o == "ERR_SOCKET_CLOSED_BEFORE_CONNECTION",
            "a success after a failure, or an unexpected failure: {:?}",
            got
        );
        prop_assert!(with_err || o != "ERR_BOOM");
    }
    // A failed write callback comes after the 'error'.
    if let Some(at) = got.iter().position(|l| l.starts_with("error ")) {
        for (i, o) in outcomes.iter().enumerate().skip(ok) {
            let p = format!("cb{i} {o}");
            let pos = got.iter().position(|l| *l == p).unwrap();
            prop_assert!(at < pos, "write {} failed before 'error': {:?}", i, got);
        }
    }

    // The bytes: a prefix of what was written, nothing of a failed write.
    let all: Vec<u8> = written.concat();
    prop_assert!(received.len() <= all.len());
    prop_assert!(received[..] == all[..received.len()], "bytes differ");
    let ok_bytes: usize = written[..ok].iter().map(Vec::len).sum();
    prop_assert!(
        received.len() <= ok_bytes,
        "received {} bytes; the successful writes hold {}: {:?}",
        received.len(),
        ok_bytes,
        got
    );

    drop((w, socket, peer, lp));
    fds.assert_same();
    Ok(())
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Pipe), Just(Kind::Unix), Just(Kind::Tcp)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: support::cases(64), ..ProptestConfig::default() })]

    #[test]
    fn destroy_at_any_moment_calls_every_callback_once_in_node_order(
        kind in kind(),
        ops in proptest::collection::vec(op(), 0..24),
        with_err in any::<bool>(),
    ) {
        check(kind, &ops, with_err)?;
    }
}

//! Fd passing over Unix sockets: descriptors ride on their chunk's first byte, in order,
//! also behind queued chunks; past 253 they split; received ones come as 'fd' before the
//! 'data' carrying their byte; unclaimed ones are closed or held up to a cap.

mod support;

use std::cell::RefCell;
use std::io::{Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::rc::Rc;

use nodestream::net::{unix_pair, PassedFd, ReceiveOptions, Socket, FD};
use nodestream::stream::readable::{Chunk, DATA, ERROR as RERROR};
use nodestream::{ErrorCode, EventLoop};
use support::{fd_count, Log};

/// A temp file (unlinked) holding `text`, as an fd.
fn file_with(text: &str) -> OwnedFd {
    let mut f = tempfile_anon();
    f.write_all(text.as_bytes()).unwrap();
    f.into()
}

fn tempfile_anon() -> std::fs::File {
    let p = std::env::temp_dir().join(format!(
        "nodestream-fdsend-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&p)
        .unwrap();
    std::fs::remove_file(&p).unwrap();
    f
}

fn contents(fd: OwnedFd) -> String {
    let mut f = std::fs::File::from(fd);
    f.rewind().unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

/// Records 'fd' (with the file's text) and 'data' in arrival order.
fn record(sock: &Socket, log: &Log) {
    let l = log.clone();
    sock.readable.on(FD, move |p: &PassedFd| {
        let off = p.offset();
        l.push(format!("fd@{off} {}", contents(p.take().unwrap())))
    });
    let l = log.clone();
    sock.readable.on(DATA, move |c: &Chunk| {
        l.push(format!(
            "data {}",
            String::from_utf8_lossy(c.as_bytes().unwrap())
        ))
    });
}

#[test]
fn fds_ride_on_their_chunk_in_order_also_behind_queued_chunks() {
    isolated!(
        fds_ride_on_their_chunk_in_order_also_behind_queued_chunks,
        || {
            let lp = EventLoop::new().unwrap();
            let (a, b) = unix_pair(&lp.handle()).unwrap();
            let log = Log::default();
            record(&b, &log);
            a.readable.resume();
            let cbs = Log::default();
            // Cork so the three writes reach the sink as one batch: the fd chunk must still
            // start its own sendmsg.
            a.writable.cork();
            a.writable.write("plain1|");
            a.writable
                .write_with_fds("F|", vec![file_with("one"), file_with("two")], cbs.cb("cb"));
            a.writable.write("plain2");
            a.writable.uncork();
            a.writable.end();
            lp.run().unwrap();
            // Descriptors come before the data chunk that carries their byte, never with an
            // earlier one: "plain1|" cannot be in the same read as the fds.
            let got = log.get();
            let first_fd = got.iter().position(|e| e.starts_with("fd")).unwrap();
            // The kernel may glue "plain1|" (no fds) in front of the fd-carrying bytes in one
            // read, never after: the offset is that read's start, at or before byte 7.
            let before: String = got[..first_fd]
                .iter()
                .filter_map(|e| e.strip_prefix("data "))
                .collect();
            assert!(before.len() <= 7, "{got:?}");
            let off = before.len();
            assert_eq!(got[first_fd], format!("fd@{off} one"));
            assert_eq!(got[first_fd + 1], format!("fd@{off} two"));
            let next = got[first_fd + 2].strip_prefix("data ").unwrap();
            assert!(
                format!("{before}{next}").len() > 7,
                "the next data carries byte 7: {got:?}"
            );
            let data: String = got.iter().filter_map(|e| e.strip_prefix("data ")).collect();
            assert_eq!(data, "plain1|F|plain2");
            assert_eq!(cbs.get(), ["cb null"]);
            a.writable.emitter().remove_all_listeners(None);
            b.readable.emitter().remove_all_listeners(None);
        }
    );
}

#[test]
fn more_than_253_fds_split_one_batch_per_byte() {
    isolated!(more_than_253_fds_split_one_batch_per_byte, || {
        let lp = EventLoop::new().unwrap();
        let (a, b) = unix_pair(&lp.handle()).unwrap();
        let got: Rc<RefCell<Vec<(u64, String)>>> = Rc::default();
        let g = got.clone();
        b.readable.on(FD, move |p: &PassedFd| {
            g.borrow_mut()
                .push((p.offset(), contents(p.take().unwrap())))
        });
        let data = Rc::new(RefCell::new(Vec::new()));
        let d = data.clone();
        b.readable.on(DATA, move |c: &Chunk| {
            d.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
        });
        let fds: Vec<OwnedFd> = (0..600).map(|i| file_with(&i.to_string())).collect();
        // 600 fds need 3 bytes: 253 + 253 + 94.
        let too_short = Log::default();
        let (c, _d) = unix_pair(&lp.handle()).unwrap();
        let l = too_short.clone();
        c.writable.on(nodestream::events::ERROR, move |e| {
            l.push(format!("error {}", e.code()))
        });
        c.writable.write_with_fds(
            "ab",
            (0..600).map(|_| file_with("x")).collect(),
            too_short.cb("cb"),
        );
        a.writable
            .write_with_fds("xyz!", fds, |e| assert!(e.is_none()));
        a.writable.end();
        a.readable.resume();
        c.readable.destroy(None);
        _d.destroy(None);
        lp.run().unwrap();
        let got = got.borrow();
        assert_eq!(got.len(), 600);
        for (i, (_, text)) in got.iter().enumerate() {
            assert_eq!(text, &i.to_string());
        }
        assert_eq!(&*data.borrow(), b"xyz!");
        assert_eq!(
            too_short.get(),
            ["cb ERR_INVALID_ARG_VALUE", "error ERR_INVALID_ARG_VALUE"]
        );
        for s in [&a, &b, &c] {
            s.writable.emitter().remove_all_listeners(None);
            s.readable.emitter().remove_all_listeners(None);
            s.destroy(None);
        }
        lp.run().unwrap();
    });
}

#[test]
fn the_stream_owns_fds_from_queue_time_and_closes_its_copies() {
    isolated!(
        the_stream_owns_fds_from_queue_time_and_closes_its_copies,
        || {
            let lp = EventLoop::new().unwrap();
            let (a, b) = unix_pair(&lp.handle()).unwrap();
            let base = fd_count();
            // Queue behind a big chunk the peer has not read: the fd waits in the stream.
            a.writable.write(vec![b'.'; 1 << 20]);
            a.writable
                .write_with_fds("!", vec![file_with("mine")], |_| {});
            assert_eq!(fd_count(), base + 1, "the stream holds its copy");
            let got = Log::default();
            record(&b, &got);
            a.readable.resume();
            a.writable.end();
            lp.run().unwrap();
            let got = got.get();
            let at = got.iter().position(|e| e.ends_with(" mine")).unwrap();
            let before: usize = got[..at]
                .iter()
                .filter_map(|e| e.strip_prefix("data "))
                .map(str::len)
                .sum();
            assert_eq!(got[at], format!("fd@{before} mine"));
            assert!(before <= 1 << 20);
            assert_eq!(
                got[at + 1..]
                    .iter()
                    .filter_map(|e| e.strip_prefix("data "))
                    .map(str::len)
                    .sum::<usize>()
                    + before,
                (1 << 20) + 1
            );
            for s in [&a, &b] {
                s.writable.emitter().remove_all_listeners(None);
                s.readable.emitter().remove_all_listeners(None);
            }
        }
    );
}

#[test]
fn unclaimed_fds_are_held_up_to_the_cap_then_the_connection_fails() {
    isolated!(
        unclaimed_fds_are_held_up_to_the_cap_then_the_connection_fails,
        || {
            let lp = EventLoop::new().unwrap();
            let h = lp.handle();
            let (x, y) = std::os::unix::net::UnixStream::pair().unwrap();
            let a = Socket::from_fd(&h, x).unwrap();
            let b = Socket::from_fd_with(
                &h,
                y,
                ReceiveOptions {
                    max_unclaimed_fds: 3,
                    ..ReceiveOptions::default()
                },
            )
            .unwrap();
            let errs = Log::default();
            let l = errs.clone();
            b.readable
                .on(RERROR, move |e| l.push(format!("error {}", e.code())));
            b.readable.on(DATA, |_: &Chunk| {});
            a.writable
                .write_with_fds("1", vec![file_with("a"), file_with("b")], |_| {});
            lp.run_for(std::time::Duration::from_millis(50)).unwrap();
            assert_eq!(b.unclaimed_fds(), 2);
            let (off, fd) = b.take_fd().unwrap();
            assert_eq!((off, contents(fd)), (0, "a".to_string()));
            // Peer credentials are this process's. (Asked now: once `b` fails below, `a`
            // reads the end of file, ends and closes, as a Node socket does.)
            let cred = a.peer_credentials().unwrap();
            assert_eq!(cred.pid as u32, std::process::id());
            a.writable.write_with_fds(
                "2",
                vec![file_with("c"), file_with("d"), file_with("e")],
                |_| {},
            );
            lp.run_for(std::time::Duration::from_millis(50)).unwrap();
            assert_eq!(errs.get(), ["error ERR_TOO_MANY_FDS"]);
            assert_eq!(b.unclaimed_fds(), 0);
            assert_eq!(b.readable.errored().unwrap().code(), &ErrorCode::TooManyFds);
            a.destroy(None);
            b.destroy(None);
            lp.run().unwrap();
            a.writable.emitter().remove_all_listeners(None);
            b.readable.emitter().remove_all_listeners(None);
        }
    );
}

/// Descriptors over anything but a Unix socket: refused at once, never sent (the kernel
/// would take a TCP socket's bytes and drop the descriptors silently), and closed. One row
/// per kind of fd; the peer reads no byte of the refused chunk.
#[test]
fn fds_over_anything_but_a_unix_socket_are_refused_and_closed() {
    isolated!(
        fds_over_anything_but_a_unix_socket_are_refused_and_closed,
        || {
            type Row = (
                &'static str,
                fn() -> (OwnedFd, Box<dyn FnOnce() -> Vec<u8>>),
                &'static str,
            );
            let rows: [Row; 2] = [
                (
                    "a pipe",
                    || {
                        let (r, w) =
                            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
                        (w, Box::new(move || support::read_all(r)))
                    },
                    "file descriptors can only be sent over a Unix socket",
                ),
                (
                    "a TCP connection",
                    || {
                        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
                        let (peer, _) = l.accept().unwrap();
                        (c.into(), Box::new(move || support::read_all(peer.into())))
                    },
                    "file descriptors can only be sent over a Unix socket, not over a TCP or \
                 other non-Unix socket",
                ),
            ];
            for (name, make, message) in rows {
                let lp = EventLoop::new().unwrap();
                let (fd, read_peer) = make();
                let base = fd_count();
                let w = nodestream::stream::FdWritable::new(&lp.handle(), fd, Default::default())
                    .unwrap();
                let log = Log::default();
                let l = log.clone();
                w.on(nodestream::events::ERROR, move |e| {
                    l.push(format!("error {} {}", e.code(), e.message()))
                });
                let files = vec![file_with("f"), file_with("g")];
                assert_eq!(fd_count(), base + 2, "{name}");
                assert!(!w.write_with_fds("x", files, log.cb("cb")), "{name}");
                // The refused descriptors are closed, and the stream (destroyed) its fd.
                assert_eq!(fd_count(), base - 1, "{name}: {:?}", support::fd_list());
                lp.run().unwrap();
                assert_eq!(
                    log.get(),
                    [
                        "cb ERR_INVALID_ARG_VALUE".to_string(),
                        format!("error ERR_INVALID_ARG_VALUE {message}")
                    ],
                    "{name}"
                );
                assert!(w.destroyed(), "{name}");
                drop(w);
                assert_eq!(
                    read_peer(),
                    b"",
                    "{name}: the peer got bytes of a refused write"
                );
            }
        }
    );
}

//! A Writable as a `Sink`: backpressure by the high-water mark, close by end and finish,
//! errors; and `AsyncRead`/`AsyncWrite` over fd streams, with fd counts.
#![cfg(feature = "futures")]

mod support;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use futures_util::sink::Sink as _;
use futures_util::{AsyncReadExt, AsyncWriteExt, FutureExt, SinkExt};
use nodestream::events::{CLOSE, DRAIN, FINISH};
use nodestream::net::unix_pair;
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, LoopHandle};
use support::{event_loop, ms, FdCheck, Log};

/// Completes each write 1 ms later, logging it; fails the write of `"bad"`.
struct Slow {
    lp: LoopHandle,
    log: Log,
}

impl Sink for Slow {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        let text = String::from_utf8(chunk.as_bytes().to_vec()).unwrap();
        let log = self.log.clone();
        self.lp.set_timeout(ms(1), move || {
            log.push(format!("sink wrote {text}"));
            if text == "bad" {
                cb.error(Error::custom("EBAD", "bad chunk"));
            } else {
                cb.ok();
            }
        });
    }
}

fn block_on<T: 'static>(el: &EventLoop, fut: impl Future<Output = T> + 'static) -> T {
    let join = el.spawn_local(fut);
    el.run().unwrap();
    join.now_or_never().expect("the task completed").unwrap()
}

#[test]
fn poll_ready_is_pending_from_the_write_that_reaches_the_high_water_mark_until_drain() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    // Node (highWaterMark 3, 1-byte writes): write() gives [true, true, false, ...].
    let (el, lp) = event_loop();
    let log = Log::default();
    let sink = Slow {
        lp: lp.clone(),
        log: log.clone(),
    };
    let w = Writable::new(&lp, sink, WritableOptions::new().high_water_mark(3));
    w.on(DRAIN, log.event::<()>("drain"));
    w.on(FINISH, log.event::<()>("finish"));
    w.on(CLOSE, log.event::<()>("close"));
    let l = log.clone();
    block_on(&el, async move {
        let mut sink = w.sink_for::<&str>();
        let mut sent = 0;
        std::future::poll_fn(|cx| loop {
            match Pin::new(&mut sink).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    Pin::new(&mut sink).start_send("a").unwrap();
                    sent += 1;
                }
                Poll::Ready(Err(e)) => panic!("{e}"),
                Poll::Pending => return Poll::Ready(()),
            }
        })
        .await;
        l.push(format!(
            "pending after {sent} writes, length {}",
            w.writable_length()
        ));
        std::future::poll_fn(|cx| Pin::new(&mut sink).poll_ready(cx))
            .await
            .unwrap();
        l.push(format!("ready, length {}", w.writable_length()));
        sink.send("b").await.unwrap();
        l.push("sent b");
        sink.close().await.unwrap();
        l.push("closed");
    });
    assert_eq!(
        log.get(),
        [
            "pending after 3 writes, length 3",
            "sink wrote a",
            "sink wrote a",
            "sink wrote a",
            "drain",
            "ready, length 0",
            "sink wrote b",
            "sent b",
            "finish",
            "close",
            "closed"
        ]
    );
}

#[test]
fn a_failed_write_is_the_error_of_the_next_call_and_not_uncaught() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, lp) = event_loop();
    let log = Log::default();
    let sink = Slow {
        lp: lp.clone(),
        log: log.clone(),
    };
    let w = Writable::new(&lp, sink, WritableOptions::new());
    w.on(CLOSE, log.event::<()>("close"));
    let l = log.clone();
    block_on(&el, async move {
        let mut sink = w.sink_for::<&str>();
        sink.send("bad")
            .await
            .map_err(|e| e.code().to_string())
            .unwrap_err();
        l.push("send failed");
        let err = sink.send("more").await.unwrap_err();
        l.push(format!("then {}", err.code()));
        let err = sink.close().await.unwrap_err();
        l.push(format!("close {}", err.code()));
    });
    assert_eq!(
        log.get(),
        [
            "sink wrote bad",
            "send failed",
            "then EBAD",
            "close EBAD",
            "close"
        ]
    );
}

#[test]
fn close_on_a_destroyed_stream_is_an_error() {
    // Other tests here count descriptors: none is opened while they do.
    let _fds = support::fd_lock();
    let (el, lp) = event_loop();
    let log = Log::default();
    let sink = Slow {
        lp: lp.clone(),
        log: log.clone(),
    };
    let w = Writable::new(&lp, sink, WritableOptions::new());
    let w2 = w.clone();
    let got = block_on(&el, async move {
        let mut sink = w2.sink_for::<&str>();
        sink.feed("x").await.unwrap();
        w2.destroy(None);
        sink.close().await.unwrap_err().code().to_string()
    });
    assert_eq!(got, "ERR_STREAM_DESTROYED");
    assert!(w.destroyed());
}

#[test]
fn a_unix_socket_pair_carries_a_codec_through_async_read_and_write() {
    let fds = FdCheck::start();
    support::capture_warnings();
    {
        let (el, lp) = event_loop();
        let (a, b) = unix_pair(&lp).unwrap();
        let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let expect = payload.clone();
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = got.clone();
        el.spawn_local(async move {
            let mut w = a.writable.writer();
            // Length-prefixed frames, as a codec writes them.
            for frame in payload.chunks(30_000) {
                w.write_all(&(frame.len() as u32).to_be_bytes())
                    .await
                    .unwrap();
                w.write_all(frame).await.unwrap();
            }
            w.close().await.unwrap();
        });
        el.spawn_local(async move {
            let mut r = b.readable.reader();
            let mut len = [0u8; 4];
            loop {
                match r.read_exact(&mut len).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    Err(e) => panic!("{e}"),
                }
                let mut frame = vec![0; u32::from_be_bytes(len) as usize];
                r.read_exact(&mut frame).await.unwrap();
                g.borrow_mut().push(frame.len());
                if g.borrow().len() == 7 {
                    // Every frame is in: the peer's end of file comes next.
                    let mut rest = Vec::new();
                    assert_eq!(r.read_to_end(&mut rest).await.unwrap(), 0);
                    break;
                }
            }
            drop(r);
            b.writable.end();
        });
        el.run().unwrap();
        assert_eq!(
            *got.borrow(),
            [30_000, 30_000, 30_000, 30_000, 30_000, 30_000, 20_000]
        );
        assert_eq!(expect.len(), 200_000);
    }
    assert_eq!(
        support::warnings(),
        Vec::<String>::new(),
        "the watches listen to declared events"
    );
    fds.assert_same();
}

#[test]
fn an_fd_writable_writer_fills_a_pipe_and_closes_it() {
    let fds = FdCheck::start();
    let (el, lp) = event_loop();
    let (rd, wr) = support::pipe();
    let out = FdWritable::new(&lp, wr, WritableOptions::new()).unwrap();
    let reader = std::thread::spawn(move || support::read_all(rd));
    el.spawn_local(async move {
        let mut w = out.writer();
        for i in 0..1000u32 {
            w.write_all(format!("{i:05}\n").as_bytes()).await.unwrap();
        }
        w.flush().await.unwrap();
        assert_eq!(out.writable_length(), 0, "flush waited for every write");
        w.close().await.unwrap();
    });
    el.run().unwrap();
    let bytes = reader.join().unwrap();
    assert_eq!(bytes.len(), 6000);
    assert_eq!(&bytes[..12], b"00000\n00001\n");
    assert_eq!(&bytes[5994..], b"00999\n");
    drop((el, lp));
    fds.assert_same();
}

#[cfg(feature = "tokio")]
#[test]
fn tokio_traits_read_and_write_the_same_streams() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt as _};
    let fds = FdCheck::start();
    let (el, lp) = event_loop();
    let (a, b) = unix_pair(&lp).unwrap();
    el.spawn_local(async move {
        // The whole socket moves in (a closure would take the one field it names, and
        // leave the readable side to this function).
        let a = a;
        let mut w = a.writable.writer();
        for i in 0..3 {
            tokio::io::AsyncWriteExt::write_all(&mut w, format!("line {i}\n").as_bytes())
                .await
                .unwrap();
        }
        w.shutdown().await.unwrap();
    });
    let lines = el.spawn_local(async move {
        let b = b;
        let mut lines = tokio::io::BufReader::new(b.readable.reader()).lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next_line().await.unwrap() {
            got.push(line);
        }
        b.writable.end();
        got
    });
    el.run().unwrap();
    assert_eq!(
        lines.now_or_never().unwrap().unwrap(),
        ["line 0", "line 1", "line 2"]
    );
    let weak = lp.downgrade();
    drop((el, lp));
    assert!(
        weak.upgrade().is_none(),
        "the loop's state outlived every handle"
    );
    fds.assert_same();
}

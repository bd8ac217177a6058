//! FdWritable over pipes: exact bytes to a real `cat`, partial writes resumed on readiness,
//! 'drain', EPIPE as an error (never SIGPIPE), fd counts.

mod support;

use std::os::fd::OwnedFd;
use std::time::Duration;

use nodestream::events::{CLOSE, DRAIN, FINISH};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, WritableOptions};
use support::{cat, pattern, pipe_writer, read_all, sigpipe_default, watch_writer, Log};

#[test]
fn every_byte_reaches_a_real_cat_in_order_with_drains() {
    isolated!(every_byte_reaches_a_real_cat_in_order_with_drains, || {
        let lp = EventLoop::new().unwrap();
        // The reader starts late, so cat's two pipes fill and the writes meet backpressure
        // (a cat that keeps up may take all 2.5 MB without `write()` ever returning false).
        let (mut cat, stdin, reader) = cat(Duration::from_millis(200));
        let w = FdWritable::new(&lp.handle(), stdin, WritableOptions::new()).unwrap();
        let chunks: Vec<Vec<u8>> = (0..20_000)
            .map(|i| pattern(100 + i % 50, i as u8))
            .collect();
        let expected = chunks.concat();
        let drains = std::rc::Rc::new(std::cell::Cell::new(0));
        let d = drains.clone();
        w.on(DRAIN, move |_| d.set(d.get() + 1));
        let log = Log::default();
        w.on(FINISH, log.event("finish"));
        w.on(CLOSE, log.event("close"));
        // Write everything at once: the Writable buffers, the funnel coalesces.
        let mut falses = 0;
        for c in chunks {
            if !w.write(c) {
                falses += 1;
            }
        }
        assert!(falses > 0);
        w.end();
        lp.run().unwrap();
        assert!(drains.get() <= 1, "no drain is owed once ending");
        assert_eq!(log.get(), ["finish", "close"]);
        let got = reader.join().unwrap();
        assert!(got == expected, "{} vs {} bytes", got.len(), expected.len());
        assert!(cat.wait().unwrap().success());
    });
}

#[test]
fn a_full_pipe_resumes_on_readiness_and_drain_precedes_the_callback() {
    isolated!(
        a_full_pipe_resumes_on_readiness_and_drain_precedes_the_callback,
        || {
            let (lp, r, w) = pipe_writer();
            let log = watch_writer(&w, &["drain"]);
            let big = pattern(1 << 20, 9);
            // 1 MiB into a 64 KiB pipe nobody reads yet: false at once, the whole chunk counted.
            assert!(!w.write_cb(big.clone(), log.cb("cb")));
            assert_eq!(w.writable_length(), 1 << 20);
            let reader = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                read_all(r)
            });
            let w2 = w.clone();
            let l = log.clone();
            w.on(DRAIN, move |_| {
                l.push(format!("len {}", w2.writable_length()));
                w2.end();
            });
            lp.run().unwrap();
            // The listener holds the stream: break the cycle.
            w.emitter().remove_all_listeners(None);
            assert_eq!(log.get(), ["drain", "len 0", "cb null"]);
            assert!(reader.join().unwrap() == big);
        }
    );
}

#[test]
fn a_reader_gone_is_epipe_then_close_and_the_process_lives() {
    isolated!(
        a_reader_gone_is_epipe_then_close_and_the_process_lives,
        || {
            sigpipe_default();
            let (lp, r, w) = pipe_writer();
            let log = watch_writer(&w, &["error", "close"]);
            // Fill the pipe so later writes wait in the buffer, then close the reader.
            w.write_cb(pattern(200_000, 1), log.cb("cb1"));
            w.write_cb(&b"queued"[..], log.cb("cb2"));
            drop(r);
            lp.run().unwrap();
            assert_eq!(
                log.get(),
                ["cb1 EPIPE", "cb2 EPIPE", "error EPIPE", "close"]
            );
            assert!(w.destroyed());
        }
    );
}

#[test]
fn a_write_to_a_closed_pipe_fails_with_epipe_immediately() {
    isolated!(
        a_write_to_a_closed_pipe_fails_with_epipe_immediately,
        || {
            sigpipe_default();
            let (lp, r, w) = pipe_writer();
            // The reader is gone before the first write.
            drop(r);
            let log = watch_writer(&w, &["error", "close"]);
            w.write_cb("x", log.cb("cb"));
            lp.run().unwrap();
            assert_eq!(log.get(), ["cb EPIPE", "error EPIPE", "close"]);
        }
    );
}

#[test]
fn files_and_terminals_are_refused_and_the_fd_comes_back() {
    isolated!(
        files_and_terminals_are_refused_and_the_fd_comes_back,
        || {
            let lp = EventLoop::new().unwrap();
            let file: OwnedFd = std::fs::File::open("/proc/self/status").unwrap().into();
            let err = FdWritable::new(&lp.handle(), file, WritableOptions::new()).unwrap_err();
            assert_eq!(err.error.raw_os_error(), Some(libc::EPERM));
            drop(err);
            if let Ok(tty) = std::fs::OpenOptions::new().write(true).open("/dev/ptmx") {
                let err = FdWritable::new(&lp.handle(), tty, WritableOptions::new()).unwrap_err();
                assert_eq!(err.error.kind(), std::io::ErrorKind::Unsupported);
            }
        }
    );
}

/// Node (`child.stdin`, a pipe nobody reads): `write(big, cb); destroy()` gives `cb null`
/// then `'close'`, both in the close phase: a destroyed stream's write in flight is told
/// `null` (`onWriteComplete`). See `tests/fdstream_destroy_order.rs` for the full trace.
#[test]
fn destroy_with_a_write_in_flight_closes_the_fd_and_calls_it_back_null() {
    isolated!(
        destroy_with_a_write_in_flight_closes_the_fd_and_calls_it_back_null,
        || {
            let (lp, r, w) = pipe_writer();
            let log = Log::default();
            w.on(CLOSE, log.event("close"));
            w.write_cb(pattern(300_000, 3), log.cb("cb"));
            w.destroy(None);
            lp.run().unwrap();
            assert_eq!(log.get(), ["cb null", "close"]);
            // Our write end is closed: the reader sees end of file after what went.
            let got = read_all(r);
            assert!(got == pattern(300_000, 3)[..got.len()]);
        }
    );
}

/// A reader gone before a high-water mark of held writes is sent: the relief's `writev`
/// fails with `EPIPE`, that `write()` returns false, every callback gets the error, then
/// `'error'` once and `'close'`. Node (`process.stdout` into a pipe whose reader exited,
/// 200 writes of 100 bytes with callbacks) prints `cb0..cb199 EPIPE`, `error EPIPE`,
/// `close` too; its first write already returns false, since it reaches the kernel inside
/// `write()` (here the first 163 wait for the end of the tick).
#[test]
fn epipe_in_the_relief_of_held_writes_fails_them_all_then_close() {
    isolated!(
        epipe_in_the_relief_of_held_writes_fails_them_all_then_close,
        || {
            sigpipe_default();
            let (lp, r, w) = pipe_writer();
            // The reader is gone before the first write.
            drop(r);
            let log = watch_writer(&w, &["error", "close"]);
            let mut first_false = None;
            for i in 0..200 {
                let l = log.clone();
                let ok = w.write_cb(pattern(100, i as u8), move |e| {
                    l.push(format!(
                        "cb{i} {}",
                        e.map_or("ok".into(), |e| e.code().to_string())
                    ))
                });
                if !ok && first_false.is_none() {
                    first_false = Some(i);
                }
            }
            assert_eq!(first_false, Some(163));
            lp.run().unwrap();
            let mut want: Vec<String> = (0..200).map(|i| format!("cb{i} EPIPE")).collect();
            want.extend(["error EPIPE".to_string(), "close".to_string()]);
            assert_eq!(log.get(), want);
        }
    );
}

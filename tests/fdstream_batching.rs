//! How an FdWritable batches the writes of one tick: a write into an idle stream reaches
//! the kernel at the end of the tick, together with the writes made after it. The orders
//! below are node v20's for the same script on a pipe to `cat` (`child.stdin`), recorded
//! with node: callbacks, `'drain'`, `'finish'` and `'close'` relative to `process.nextTick`
//! and `setImmediate`.

mod support;

use nodestream::events::{CLOSE, DRAIN, FINISH};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, WritableOptions};
use support::{pattern, pipe, pipe_writer, read_all, watch_writer, Log};

/// Node: `w.write('a', cb1); w.write('b', cb2); w.write('c', cb3); nextTick(tick);
/// w.end(endcb)`. With 200 writes (21,900 bytes) the high-water mark is crossed once and
/// the first batch goes before the end of the tick: the order is the same.
#[test]
fn a_tick_of_writes_completes_in_write_order_before_later_ticks() {
    isolated!(
        a_tick_of_writes_completes_in_write_order_before_later_ticks,
        || {
            for n in [1usize, 2, 3, 40, 200] {
                let (lp, r, w) = pipe_writer();
                let log = Log::default();
                let mut expected: Vec<String> = Vec::new();
                let mut bytes = Vec::new();
                for i in 0..n {
                    let chunk = pattern(10 + i, i as u8);
                    bytes.extend_from_slice(&chunk);
                    let l = log.clone();
                    assert!(w.write_cb(chunk, move |e| l.push(format!("cb{i} {e:?}"))));
                    expected.push(format!("cb{i} None"));
                }
                lp.handle().next_tick(log.rec("tick"));
                w.end_cb(log.cb("end-cb"));
                w.on(FINISH, log.event("finish"));
                w.on(CLOSE, log.event("close"));
                lp.run().unwrap();
                expected.extend(["tick", "end-cb null", "finish", "close"].map(String::from));
                assert_eq!(log.get(), expected, "{n} writes");
                assert_eq!(read_all(r), bytes, "{n} writes");
            }
        }
    );
}

/// The bytes of a write reach the kernel at the end of the tick, not inside `write()`.
#[test]
fn a_write_reaches_the_kernel_at_the_end_of_the_tick() {
    isolated!(a_write_reaches_the_kernel_at_the_end_of_the_tick, || {
        let lp = EventLoop::new().unwrap();
        let (r, wfd) = pipe();
        rustix::fs::fcntl_setfl(&r, rustix::fs::OFlags::NONBLOCK).unwrap();
        let w = FdWritable::new(&lp.handle(), wfd, WritableOptions::new()).unwrap();
        let log = Log::default();
        assert!(w.write_cb(&b"one"[..], log.cb("cb")));
        let mut buf = [0u8; 16];
        assert_eq!(
            rustix::io::read(&r, &mut buf),
            Err(rustix::io::Errno::AGAIN),
            "nothing written inside write()"
        );
        assert_eq!(w.writable_length(), 3);
        lp.run().unwrap();
        assert_eq!(log.get(), ["cb null"]);
        assert_eq!(rustix::io::read(&r, &mut buf), Ok(3));
        assert_eq!(&buf[..3], b"one");
        w.destroy(None);
    });
}

/// Node: `w.write('hello', cb); nextTick(tick); w.destroy()` gives `cb null`, `tick`,
/// `close`, and `cat` reads `hello`: the write had reached the kernel. (With the tick
/// queued after `destroy()`, node still gives this order, since a pipe's handle closes
/// asynchronously; this crate's fd is closed inside `destroy()`, so `'close'` comes first.
/// That is not about batching.)
#[test]
fn destroy_in_the_tick_of_a_write_still_delivers_it() {
    isolated!(destroy_in_the_tick_of_a_write_still_delivers_it, || {
        let (lp, r, w) = pipe_writer();
        let log = Log::default();
        w.write_cb(&b"hello"[..], log.cb("cb"));
        lp.handle().next_tick(log.rec("tick"));
        w.destroy(None);
        w.on(CLOSE, log.event("close"));
        lp.run().unwrap();
        assert_eq!(log.get(), ["cb null", "tick", "close"]);
        assert_eq!(read_all(r), b"hello");
    });
}

/// Node: a 20,000-byte write then `'y'` into an empty pipe both return true (a chunk of a
/// high-water mark or more is written at once, so it is not counted as buffered), then
/// `cb1`, `cb2`, `tick`, `immediate` (which ends), `close`; no `'drain'`.
#[test]
fn a_chunk_of_a_high_water_mark_goes_at_once() {
    isolated!(a_chunk_of_a_high_water_mark_goes_at_once, || {
        let (lp, r, w) = pipe_writer();
        let log = watch_writer(&w, &["drain"]);
        let big = pattern(20_000, 3);
        log.push(format!("write {}", w.write_cb(big.clone(), log.cb("cb1"))));
        log.push(format!("write {}", w.write_cb(&b"y"[..], log.cb("cb2"))));
        lp.handle().next_tick(log.rec("tick"));
        let (l, w2) = (log.clone(), w.clone());
        lp.handle().set_immediate(move || {
            l.push("immediate");
            w2.end();
        });
        w.on(CLOSE, log.event("close"));
        lp.run().unwrap();
        w.emitter().remove_all_listeners(None);
        assert_eq!(
            log.get(),
            [
                "write true",
                "write true",
                "cb1 null",
                "cb2 null",
                "tick",
                "immediate",
                "close"
            ]
        );
        let mut want = big;
        want.push(b'y');
        assert_eq!(read_all(r), want);
    });
}

/// The batching itself: the writes of one tick wait in the Writable's buffer behind the
/// first; when a high-water mark of them has gathered, the stream writes them (one
/// `writev`) instead of reporting backpressure, so `write()` keeps returning `true` while
/// the kernel takes the bytes, as in node, whose writes into a pipe with room complete
/// inside `write()`. Node (`node -e '...' | sleep 1`, 300 writes of 100 bytes to
/// `process.stdout`): no write returns false, no `'drain'`. What differs: the writes after
/// the last full high-water mark still wait for the end of the tick, so they count in
/// `writable_length()` (node: 0).
#[test]
fn a_tick_of_small_writes_is_written_a_high_water_mark_at_a_time() {
    isolated!(
        a_tick_of_small_writes_is_written_a_high_water_mark_at_a_time,
        || {
            let (lp, r, w) = pipe_writer();
            let log = watch_writer(&w, &["drain"]);
            let mut want = Vec::new();
            for i in 0..300 {
                let chunk = pattern(100, i as u8);
                want.extend_from_slice(&chunk);
                assert!(w.write(chunk), "write {i}");
                if i == 162 {
                    // 16,300 bytes wait: nothing has reached the kernel yet.
                    assert_eq!(w.writable_length(), 16_300);
                    assert_eq!(fionread(&r), 0);
                }
                if i == 163 {
                    // The 164th reached the mark: the 164 chunks went in one `writev`.
                    assert_eq!(w.writable_length(), 0);
                    assert_eq!(fionread(&r), 16_400);
                }
            }
            assert_eq!(
                w.writable_length(),
                13_600,
                "136 writes wait for the end of the tick"
            );
            assert_eq!(
                w.writable_buffer_len(),
                135,
                "all but the first of them buffered"
            );
            w.end();
            lp.run().unwrap();
            assert_eq!(log.get(), Vec::<String>::new(), "no 'drain': never false");
            assert_eq!(read_all(r), want);
        }
    );
}

/// Into a pipe nobody reads, `write()` returns false once the kernel refuses bytes. Node
/// returns false later (at write 803 of 100-byte chunks, where this stream does at about
/// 600): its buffer counts only the bytes the kernel has not taken, this one the whole
/// batch the refused bytes belong to. Then one `'drain'` once a reader has emptied the
/// pipe, and every byte arrives once, in order.
#[test]
fn write_returns_false_once_the_pipe_is_full_then_drains_once() {
    isolated!(
        write_returns_false_once_the_pipe_is_full_then_drains_once,
        || {
            let (lp, r, w) = pipe_writer();
            let log = Log::default();
            let (l, w2) = (log.clone(), w.clone());
            w.on(DRAIN, move |_| {
                l.push(format!("drain {}", w2.writable_length()));
                w2.end();
            });
            let mut want = Vec::new();
            let mut first_false = None;
            for i in 0..1000 {
                let chunk = pattern(100, i as u8);
                want.extend_from_slice(&chunk);
                if !w.write(chunk) {
                    first_false = Some(i);
                    break;
                }
            }
            let sent = (first_false.expect("backpressure") + 1) * 100;
            assert_eq!(sent, want.len());
            // The kernel refused bytes: no page of the pipe is free (a write of one page is
            // atomic, so this probe adds nothing when it fails, as it must).
            let probe = w.with_fd(|fd| rustix::io::write(fd, &[0u8; 4096])).unwrap();
            assert_eq!(probe, Err(rustix::io::Errno::AGAIN));
            // Three high-water marks went through before that, each in one `writev`.
            let in_pipe = fionread(&r);
            assert!(
                in_pipe > 3 * 16_400 && in_pipe < sent,
                "{in_pipe} of {sent}"
            );
            assert!(w.writable_length() >= 16_384, "{}", w.writable_length());
            let reader = std::thread::spawn(move || read_all(r));
            lp.run().unwrap();
            // The listener holds the stream, which holds the loop: break the cycle.
            w.emitter().remove_all_listeners(None);
            assert_eq!(log.get(), ["drain 0"]);
            assert_eq!(reader.join().unwrap(), want);
        }
    );
}

/// Bytes waiting in the pipe.
fn fionread(r: &std::os::fd::OwnedFd) -> usize {
    rustix::io::ioctl_fionread(r).unwrap() as usize
}

/// The callbacks of writes the stream sent at the high-water mark run on their own ticks,
/// ahead of a tick queued after them, and the writes after that tick complete after it.
/// Node (`process.stdout` into a pipe, 300 writes of 100 bytes with callbacks,
/// `process.nextTick(X)` after the 164th, `nextTick(Y)` after the last) prints
/// `cb0..cb163 X cb164..cb299 Y`.
#[test]
fn callbacks_of_a_relieved_batch_keep_their_place_among_ticks() {
    isolated!(
        callbacks_of_a_relieved_batch_keep_their_place_among_ticks,
        || {
            let (lp, r, w) = pipe_writer();
            let log = watch_writer(&w, &["drain"]);
            for i in 0..300 {
                let l = log.clone();
                w.write_cb(pattern(100, i as u8), move |e| {
                    assert!(e.is_none(), "{e:?}");
                    l.push(format!("cb{i}"));
                });
                if i == 163 {
                    lp.handle().next_tick(log.rec("X"));
                }
            }
            lp.handle().next_tick(log.rec("Y"));
            lp.run().unwrap();
            let mut want: Vec<String> = (0..164).map(|i| format!("cb{i}")).collect();
            want.push("X".into());
            want.extend((164..300).map(|i| format!("cb{i}")));
            want.push("Y".into());
            assert_eq!(log.get(), want);
            w.destroy(None);
            lp.run().unwrap();
            let expected: Vec<u8> = (0..300).flat_map(|i| pattern(100, i as u8)).collect();
            assert_eq!(read_all(r), expected);
        }
    );
}

/// Strings kept as strings (`decode_strings: false`) among byte chunks: the write-ahead
/// stops before the first string chunk (the sink encodes those itself), the rest goes when
/// the batch is handed over, and every byte arrives once, in write order, also when the
/// high-water mark is crossed in the tick.
#[test]
fn string_chunks_among_bytes_arrive_in_order_across_the_mark() {
    isolated!(
        string_chunks_among_bytes_arrive_in_order_across_the_mark,
        || {
            let lp = EventLoop::new().unwrap();
            let (r, wfd) = pipe();
            let opts = WritableOptions::new().decode_strings(false);
            let w = FdWritable::new(&lp.handle(), wfd, opts).unwrap();
            let mut want = Vec::new();
            for i in 0..400usize {
                if i % 7 == 3 {
                    let text = format!("<{i}:é>");
                    want.extend_from_slice(text.as_bytes());
                    assert!(w.write(text), "write {i}");
                } else {
                    let chunk = pattern(90 + i % 20, i as u8);
                    want.extend_from_slice(&chunk);
                    assert!(w.write(chunk), "write {i}");
                }
            }
            w.end();
            lp.run().unwrap();
            assert_eq!(read_all(r), want);
        }
    );
}

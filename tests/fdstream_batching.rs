//! How an FdWritable batches the writes of one tick: a write into an idle stream reaches
//! the kernel at the end of the tick, together with the writes made after it. The orders
//! below are node v20's for the same script on a pipe to `cat` (`child.stdin`), recorded
//! with node: callbacks, `'drain'`, `'finish'` and `'close'` relative to `process.nextTick`
//! and `setImmediate`.

mod support;

use nodestream::events::{CLOSE, DRAIN, FINISH};
use nodestream::fdstream::FdWritable;
use nodestream::{EventLoop, WritableOptions};
use support::{pattern, pipe, read_all, Log};

/// Node: `w.write('a', cb1); w.write('b', cb2); w.write('c', cb3); nextTick(tick);
/// w.end(endcb)`.
#[test]
fn a_tick_of_writes_completes_in_write_order_before_later_ticks() {
    isolated!(
        a_tick_of_writes_completes_in_write_order_before_later_ticks,
        || {
            for n in [1usize, 2, 3, 40] {
                let lp = EventLoop::new().unwrap();
                let (r, wfd) = pipe();
                let w = FdWritable::new(&lp.handle(), wfd, WritableOptions::new()).unwrap();
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
        let lp = EventLoop::new().unwrap();
        let (r, wfd) = pipe();
        let w = FdWritable::new(&lp.handle(), wfd, WritableOptions::new()).unwrap();
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
        let lp = EventLoop::new().unwrap();
        let (r, wfd) = pipe();
        let w = FdWritable::new(&lp.handle(), wfd, WritableOptions::new()).unwrap();
        let log = Log::default();
        w.on(DRAIN, log.event("drain"));
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
/// first (so `write()` returns false at the high-water mark, where node, whose writes to an
/// empty pipe complete inside `write()`, keeps returning true); one `'drain'` follows once
/// all of it is in the kernel, and every byte arrives once, in order.
#[test]
fn a_tick_of_small_writes_waits_in_the_buffer_and_drains_once() {
    isolated!(
        a_tick_of_small_writes_waits_in_the_buffer_and_drains_once,
        || {
            let lp = EventLoop::new().unwrap();
            let (r, wfd) = pipe();
            let w = FdWritable::new(&lp.handle(), wfd, WritableOptions::new()).unwrap();
            let log = Log::default();
            let l = log.clone();
            let w2 = w.clone();
            w.on(DRAIN, move |_| {
                l.push(format!("drain {}", w2.writable_length()));
                w2.end();
            });
            let mut want = Vec::new();
            let mut first_false = None;
            for i in 0..300 {
                let chunk = pattern(100, i as u8);
                want.extend_from_slice(&chunk);
                if !w.write(chunk) && first_false.is_none() {
                    first_false = Some(i);
                }
            }
            // 16 KiB of 100-byte chunks: the 164th write reaches the mark.
            assert_eq!(first_false, Some(163));
            assert_eq!(w.writable_length(), 30_000);
            assert_eq!(w.writable_buffer_len(), 299, "all but the first wait");
            lp.run().unwrap();
            w.emitter().remove_all_listeners(None);
            assert_eq!(log.get(), ["drain 0"]);
            assert_eq!(read_all(r), want);
        }
    );
}

//! The `million_writes` example: its drain-pattern writer delivers every byte in order to
//! a real `cat`, waits for `'drain'`, ends the stream once; the binary reports its figures.

mod support;

#[allow(dead_code)]
#[path = "../examples/million_writes.rs"]
mod million_writes;

use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use nodestream::events::{CLOSE, FINISH};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, WritableOptions};

use support::{cat, example, fd_count, fd_lock, pipe, run_example, Log};

#[test]
fn the_writer_delivers_every_chunk_in_order_and_waits_for_drain() {
    let _lock = fd_lock();
    let before = fd_count();
    {
        let lp = EventLoop::new().unwrap();
        // Let both pipes fill before reading, so that the writer meets `false` and 'drain'.
        let (mut cat, stdin, reader) = cat(Duration::from_millis(200));
        let w = FdWritable::new(&lp.handle(), stdin, WritableOptions::new()).unwrap();
        let events = Log::default();
        w.on(FINISH, events.event("finish"));
        w.on(CLOSE, events.event("close"));
        let chunk = Bytes::from_static(b"0123456789abcdefghijklmnopqrstuvwxyz\n");
        let count = 50_000u64;
        let ender = w.as_writable().clone();
        let e = events.clone();
        let drains = million_writes::write_many(w.as_writable(), count, chunk.clone(), move || {
            e.push("last write done");
            ender.end();
        });
        lp.run().unwrap();
        assert!(cat.wait().unwrap().success());
        let got = reader.join().unwrap();
        assert_eq!(got.len() as u64, count * chunk.len() as u64);
        assert!(
            got.chunks(chunk.len()).all(|c| c == &chunk[..]),
            "a chunk was torn or reordered"
        );
        // 1.85 MB into two full 64 KiB pipes with the default 64 KiB high-water mark: the
        // writer stops.
        assert!(drains.get() > 0, "never waited for 'drain'");
        assert_eq!(events.get(), ["last write done", "finish", "close"]);
    }
    assert_eq!(fd_count(), before, "leaked fds");
}

#[test]
fn zero_writes_just_end() {
    let _lock = fd_lock();
    let lp = EventLoop::new().unwrap();
    let (_r, w) = pipe();
    let w = FdWritable::new(&lp.handle(), w, WritableOptions::new()).unwrap();
    let ender = w.as_writable().clone();
    let drains =
        million_writes::write_many(w.as_writable(), 0, Bytes::from_static(b"x"), move || {
            ender.end()
        });
    lp.run().unwrap();
    assert_eq!(drains.get(), 0);
    assert!(w.writable_finished());
}

#[test]
fn run_reports_what_it_wrote() {
    let _lock = fd_lock();
    let r = million_writes::run(30_000, 333).unwrap();
    assert_eq!((r.writes, r.bytes), (30_000, 30_000 * 333));
    assert!(r.elapsed.as_nanos() > 0);
}

#[test]
fn the_binary_prints_rates_and_drains_and_exits_0() {
    let _lock = fd_lock();
    let text = run_example("million_writes", &["20000", "100"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("20000 writes of 100 bytes into `cat > /dev/null` in "),
        "{text}"
    );
    let value = |line: &str, key: &str| -> f64 {
        line.strip_prefix(key)
            .unwrap_or_else(|| panic!("{line:?} lacks {key:?}"))
            .trim()
            .parse()
            .unwrap()
    };
    assert!(value(lines[1], "writes/s:") > 0.0);
    assert!(value(lines[2], "MB/s:") > 0.0);
    assert!(value(lines[3], "drains:") >= 0.0);
}

#[test]
fn the_binary_refuses_bad_arguments() {
    let _lock = fd_lock();
    let out = Command::new(example("million_writes"))
        .arg("many")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: million_writes"));
}

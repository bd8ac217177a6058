//! The one compatibility switch, `NodeCompat`, sets the default high-water mark of every
//! byte stream the crate makes: 64 KiB under `V26` (the default; node v22 and later) and
//! 16 KiB under `V20`, for Writables and Readables, fd streams, file write streams,
//! sockets, a child's stdio and stdout. Object mode stays at 16 and a mark given
//! explicitly is kept under both.

mod support;

use std::process::Command;

use nodestream::child_process::spawn;
use nodestream::compat::NodeCompat;
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::net::unix_pair;
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, LoopHandle};
use support::{fd_count, fd_lock, pipe, TempPath};

/// Completes each write on the next loop turn, as an fd does when the kernel is busy.
struct Later(LoopHandle);

impl Sink for Later {
    fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
        self.0.set_immediate(move || cb.ok());
    }
}

/// Takes objects, completing at once.
struct Objects;

impl Sink<u32> for Objects {
    fn write(&mut self, _value: u32, cb: WriteCallback) {
        cb.ok();
    }
}

/// Every stream's default mark on a loop following `compat`.
fn marks(compat: NodeCompat) -> Vec<(&'static str, usize)> {
    let el = EventLoop::builder().compat(compat).build().unwrap();
    let lp = el.handle();
    assert_eq!((el.compat(), lp.compat()), (compat, compat));
    let mut out = Vec::new();

    let w = Writable::new(&lp, Later(lp.clone()), WritableOptions::new());
    out.push(("Writable", w.writable_high_water_mark()));
    let o: Writable<u32> = Writable::new_object(&lp, Objects, WritableOptions::new());
    out.push(("object Writable", o.writable_high_water_mark()));
    let r = Readable::new(&lp, ReadableOptions::default(), |_: &Readable, _| {});
    out.push(("Readable", r.readable_high_water_mark()));
    let r = Readable::new(
        &lp,
        ReadableOptions::default().object_mode(true),
        |_: &Readable, _| {},
    );
    out.push(("object Readable", r.readable_high_water_mark()));

    let (rd, wr) = pipe();
    let fw = FdWritable::new(&lp, wr, WritableOptions::new()).unwrap();
    out.push(("FdWritable", fw.writable_high_water_mark()));
    let fr = Readable::from_fd(&lp, rd, ReadableOptions::default()).unwrap();
    out.push(("Readable::from_fd", fr.readable_high_water_mark()));

    let path = TempPath::new("compat-defaults");
    let file = create_write_stream(&lp, &path.0, WriteStreamOptions::default()).unwrap();
    out.push((
        "fs write stream",
        file.as_writable().writable_high_water_mark(),
    ));

    let (a, b) = unix_pair(&lp).unwrap();
    out.push(("socket writable", a.writable.writable_high_water_mark()));
    out.push(("socket readable", b.readable.readable_high_water_mark()));

    let child = spawn(&lp, &mut Command::new("true")).unwrap();
    out.push(("child stdin", child.stdin.writable_high_water_mark()));
    out.push(("child stdout", child.stdout.readable_high_water_mark()));

    let stdout = nodestream::process::stdout(&lp).unwrap();
    out.push(("process.stdout", stdout.writable_high_water_mark()));

    for s in [
        &fw.as_writable().clone(),
        file.as_writable(),
        a.writable.as_writable(),
    ] {
        s.destroy(None);
    }
    for s in [&fr, &b.readable, &a.readable, &child.stdout] {
        s.destroy(None);
    }
    child.stdin.destroy(None);
    file.destroy(None);
    el.run().unwrap();
    assert!(child.wait().unwrap().success());
    out
}

fn expect(bytes: usize) -> Vec<(&'static str, usize)> {
    vec![
        ("Writable", bytes),
        ("object Writable", 16),
        ("Readable", bytes),
        ("object Readable", 16),
        ("FdWritable", bytes),
        ("Readable::from_fd", bytes),
        ("fs write stream", bytes),
        ("socket writable", bytes),
        ("socket readable", bytes),
        ("child stdin", bytes),
        ("child stdout", bytes),
        ("process.stdout", bytes),
    ]
}

#[test]
fn every_byte_stream_defaults_to_64_kib_under_v26_and_16_kib_under_v20() {
    let _guard = fd_lock();
    let before = fd_count();
    assert_eq!(EventLoop::new().unwrap().compat(), NodeCompat::V26);
    assert_eq!(marks(NodeCompat::V26), expect(65_536));
    assert_eq!(marks(NodeCompat::V20), expect(16_384));
    assert_eq!(fd_count(), before, "an fd leaked");
}

/// Node's `w02-default-hwm` lines: a chunk of 16384 bytes returns `false` under v20 and
/// `true` under v26; 65535 and 65536 bytes are the v26 boundary.
#[test]
fn write_returns_false_at_the_default_mark_of_each_release() {
    // Every test here holds the lock: the first counts the process's fds.
    let _guard = fd_lock();
    let results = |compat: NodeCompat, sizes: &[usize]| -> Vec<bool> {
        let el = EventLoop::builder().compat(compat).build().unwrap();
        let lp = el.handle();
        let got = sizes
            .iter()
            .map(|&n| {
                let w = Writable::new(&lp, Later(lp.clone()), WritableOptions::new());
                w.write(vec![b'x'; n])
            })
            .collect();
        el.run().unwrap();
        got
    };
    let sizes = [16_383, 16_384, 65_535, 65_536];
    assert_eq!(
        results(NodeCompat::V20, &sizes),
        [true, false, false, false]
    );
    assert_eq!(results(NodeCompat::V26, &sizes), [true, true, true, false]);
}

/// A mark given in the options is kept under either setting.
#[test]
fn an_explicit_mark_is_kept_under_both_settings() {
    let _guard = fd_lock();
    for compat in [NodeCompat::V26, NodeCompat::V20] {
        let el = EventLoop::builder().compat(compat).build().unwrap();
        let lp = el.handle();
        let w = Writable::new(
            &lp,
            Later(lp.clone()),
            WritableOptions::new().high_water_mark(5),
        );
        let r = Readable::new(
            &lp,
            ReadableOptions::default().high_water_mark(7),
            |_: &Readable, _| {},
        );
        assert_eq!(
            (w.writable_high_water_mark(), r.readable_high_water_mark()),
            (5, 7)
        );
    }
}

/// `read()` without a size: node v26 gives one buffered chunk (`ab` of `ab`, `cd`, `ef`,
/// 4 bytes left), v20 the whole buffer; with an encoding set both join the buffer; after
/// the end v26 still gives one chunk. (Node's outputs for the same pushes, both releases.)
#[test]
fn read_without_a_size_follows_each_release() {
    let _guard = fd_lock();
    let reads = |compat: NodeCompat, encoding: bool, end: bool| -> (String, usize) {
        let el = EventLoop::builder().compat(compat).build().unwrap();
        let mut opts = ReadableOptions::default();
        if encoding {
            opts = opts.encoding(nodestream::Encoding::Utf8);
        }
        let r = Readable::new(&el.handle(), opts, |_: &Readable, _| {});
        r.push("ab");
        r.push("cd");
        r.push("ef");
        if end {
            r.push(None);
        }
        let c = r.read().unwrap();
        let text = match c.as_bytes() {
            Some(b) => String::from_utf8(b.to_vec()).unwrap(),
            None => c.as_str().unwrap().to_owned(),
        };
        (text, r.readable_length())
    };
    assert_eq!(reads(NodeCompat::V26, false, false), ("ab".into(), 4));
    assert_eq!(reads(NodeCompat::V20, false, false), ("abcdef".into(), 0));
    assert_eq!(reads(NodeCompat::V26, true, false), ("abcdef".into(), 0));
    assert_eq!(reads(NodeCompat::V20, true, false), ("abcdef".into(), 0));
    assert_eq!(reads(NodeCompat::V26, false, true), ("ab".into(), 4));
    assert_eq!(reads(NodeCompat::V20, false, true), ("abcdef".into(), 0));
}

//! File read streams: `'open'` / `'ready'`, ranges, read sizes, encodings, open and read
//! errors, destroy before the open and mid-way, a caller's fd, pause/resume, pipe and
//! pipeline into a write stream, an empty file: fr01-fr17.
//!
//! The streams are `nodestream::fs::create_read_stream`; the files live under
//! `std::env::temp_dir()` with names unique to the process and the call, and are removed
//! when their [`TempPath`] drops (node's twins remove them in the scenario).

use std::cell::{Cell, RefCell};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nodestream::events::{FdNumber, DATA, OPEN};
use nodestream::fs::{
    create_read_stream, create_write_stream, FileReadStream, FileWriteStream, ReadStreamOptions,
    WriteStreamOptions,
};
use nodestream::stream::pipeline;
use nodestream::stream::readable::{Chunk, Readable, PIPE, UNPIPE};
use nodestream::{Encoding, Error};

use super::writable_util::Env;
use super::Scenario;
use crate::trace::{errc, tlog, Trace, Value};

/// A unique path under the temp dir (scenarios.js `tmpPath(tag)`), removed on drop (a
/// file, or an empty directory).
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

    /// A new file holding `content`.
    fn file(tag: &str, content: &[u8]) -> TempPath {
        let p = TempPath::new(tag);
        std::fs::write(&p.0, content).unwrap();
        p
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// A chunk as lib.js prints it: a Buffer as `buf(..)`, a string as it is.
fn chunk(c: &Chunk) -> Value {
    match c {
        Chunk::Bytes(b) => Value::from(&b[..]),
        Chunk::Text(s) => Value::from(s.as_str()),
        Chunk::Object(_) => Value::from("[object]"),
    }
}

/// The streams of a scenario, whose listeners (which hold them) are removed at its end so
/// that they go with the loop.
#[derive(Clone, Default)]
struct Streams(Rc<RefCell<Vec<FileReadStream>>>);

impl Streams {
    fn add(&self, r: &FileReadStream) -> FileReadStream {
        self.0.borrow_mut().push(r.clone());
        r.clone()
    }

    fn clear(&self) {
        for r in self.0.borrow_mut().drain(..) {
            r.emitter().remove_all_listeners(None);
        }
    }
}

/// scenarios.js `watchRead(r, name, events)`.
fn watch_read(t: &Trace, r: &FileReadStream, name: &str, events: &[&str]) {
    for &ev in events {
        let t = t.clone();
        let label = format!("{name}:{ev}");
        let rr = r.clone();
        match ev {
            "open" => {
                r.on(OPEN, move |fd: &FdNumber| {
                    tlog!(
                        t,
                        label.as_str(),
                        "number",
                        "fd===r.fd",
                        Some(fd.as_raw()) == rr.fd(),
                        "pending",
                        rr.pending()
                    )
                });
            }
            "data" => {
                r.on(DATA, move |c: &Chunk| {
                    tlog!(t, label.as_str(), chunk(c), "bytesRead", rr.bytes_read())
                });
            }
            "error" => {
                r.on(ev, move |e: &Error| tlog!(t, label.as_str(), errc(e)));
            }
            _ => {
                r.on(ev, move |_: &()| tlog!(t, label.as_str()));
            }
        }
    }
}

fn open(env: &Env, path: impl AsRef<Path>, opts: ReadStreamOptions) -> FileReadStream {
    create_read_stream(&env.h, path, opts).unwrap()
}

/// One step of [`series`], given the next.
type Step = Box<dyn FnOnce(Box<dyn FnOnce()>)>;

/// scenarios.js `series(...steps)`: each step runs once the one before calls `next`.
fn series(mut steps: Vec<Step>) {
    if steps.is_empty() {
        return;
    }
    let first = steps.remove(0);
    first(Box::new(move || series(steps)));
}

/// An error's `path`, `undefined` when it has none.
fn err_path(e: &Error) -> Value {
    e.path()
        .map_or(Value::Undefined, |p| Value::from(p.display().to_string()))
}

fn fr01() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr01", b"hello world");
    let r = open(&env, &p.0, ReadStreamOptions::new());
    tlog!(
        t,
        "pending",
        r.pending(),
        "fd",
        r.fd(),
        "bytesRead",
        r.bytes_read(),
        "path ok",
        r.path() == p.0
    );
    tlog!(
        t,
        "hwm",
        r.readable_high_water_mark(),
        "flowing",
        r.readable_flowing()
    );
    watch_read(
        t,
        &r,
        "r",
        &["open", "ready", "data", "end", "close", "error"],
    );
    let (tt, h) = (t.clone(), env.h.clone());
    r.on("ready", move |_: &()| {
        let tt = tt.clone();
        h.next_tick(move || tlog!(tt, "tick after ready"));
    });
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(
            tt,
            "at close: pending",
            rr.pending(),
            "fd",
            rr.fd(),
            "destroyed",
            rr.destroyed(),
            "closed",
            rr.closed(),
            "ended",
            rr.readable_ended(),
            "bytesRead",
            rr.bytes_read()
        );
    });
    env.tick("tick");
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr02() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr02", b"0123456789");
    match create_read_stream(&env.h, &p.0, ReadStreamOptions::new().start(5).end(2)) {
        Err(e) => tlog!(t, "threw", errc(&e), e.message()),
        Ok(_) => tlog!(t, "no throw"),
    }
    let streams = Streams::default();
    let ranges: [(Option<u64>, Option<u64>); 5] = [
        (Some(2), Some(5)),
        (Some(7), None),
        (None, Some(0)),
        (Some(20), None),
        (Some(3), Some(3)),
    ];
    let steps: Vec<Step> = ranges
        .into_iter()
        .map(|(start, end)| {
            let (t, h, path, streams) = (t.clone(), env.h.clone(), p.0.clone(), streams.clone());
            Box::new(move |next: Box<dyn FnOnce()>| {
                let show = |v: Option<u64>| v.map_or("undefined".to_owned(), |n| n.to_string());
                let name = format!("[{},{}]", show(start), show(end));
                let mut opts = ReadStreamOptions::new();
                opts.start = start;
                opts.end = end;
                let r = streams.add(&create_read_stream(&h, &path, opts).unwrap());
                watch_read(&t, &r, &name, &["data", "end", "error"]);
                let (rr, next) = (r.clone(), Cell::new(Some(next)));
                r.on("close", move |_: &()| {
                    tlog!(t, format!("{name}:close bytesRead"), rr.bytes_read());
                    if let Some(next) = next.take() {
                        next();
                    }
                });
            }) as Step
        })
        .collect();
    series(steps);
    let out = env.finish();
    streams.clear();
    out
}

fn fr03() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr03", b"abcdefghij");
    let d = open(&env, &p.0, ReadStreamOptions::new());
    tlog!(t, "default hwm", d.readable_high_water_mark());
    d.destroy(None);
    let r = open(&env, &p.0, ReadStreamOptions::new().high_water_mark(3));
    tlog!(t, "hwm", r.readable_high_water_mark());
    watch_read(t, &r, "r", &["data", "end", "error"]);
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(tt, "r:close bytesRead", rr.bytes_read())
    });
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr04() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr04", "héllo wörld €".as_bytes());
    let q = TempPath::file("fr04b", b"abcdef");
    let streams = Streams::default();
    let (t1, h1, p1, s1) = (t.clone(), env.h.clone(), p.0.clone(), streams.clone());
    let (t2, h2, q2, s2) = (t.clone(), env.h.clone(), q.0.clone(), streams.clone());
    series(vec![
        Box::new(move |next: Box<dyn FnOnce()>| {
            let opts = ReadStreamOptions::new()
                .encoding(Encoding::Utf8)
                .high_water_mark(2);
            let r = s1.add(&create_read_stream(&h1, &p1, opts).unwrap());
            tlog!(t1, "utf8 encoding", r.readable_encoding().map(|e| e.name()));
            let tt = t1.clone();
            r.on(DATA, move |c: &Chunk| {
                tlog!(tt, "utf8 data", "string", chunk(c))
            });
            watch_read(&t1, &r, "utf8", &["end", "error"]);
            let (rr, next) = (r.clone(), Cell::new(Some(next)));
            r.on("close", move |_: &()| {
                tlog!(t1, "utf8 bytesRead", rr.bytes_read());
                if let Some(next) = next.take() {
                    next();
                }
            });
        }) as Step,
        Box::new(move |_next: Box<dyn FnOnce()>| {
            let opts = ReadStreamOptions::new()
                .encoding(Encoding::Hex)
                .high_water_mark(4);
            let r = s2.add(&create_read_stream(&h2, &q2, opts).unwrap());
            let tt = t2.clone();
            r.on(DATA, move |c: &Chunk| tlog!(tt, "hex data", chunk(c)));
            watch_read(&t2, &r, "hex", &["end", "error"]);
        }),
    ]);
    let out = env.finish();
    streams.clear();
    out
}

fn fr05() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let missing = "/nonexistent/dir/file";
    let streams = Streams::default();
    let (t1, h1, s1) = (t.clone(), env.h.clone(), streams.clone());
    let (t2, h2, s2) = (t.clone(), env.h.clone(), streams.clone());
    series(vec![
        Box::new(move |next: Box<dyn FnOnce()>| {
            let r = s1.add(&create_read_stream(&h1, missing, ReadStreamOptions::new()).unwrap());
            watch_read(&t1, &r, "r", &["open", "ready", "data", "end"]);
            let (tt, rr) = (t1.clone(), r.clone());
            r.on("error", move |e: &Error| {
                tlog!(
                    tt,
                    "r:error",
                    errc(e),
                    e.message(),
                    e.syscall(),
                    err_path(e),
                    e.errno(),
                    "destroyed",
                    rr.destroyed(),
                    "pending",
                    rr.pending()
                );
            });
            let (rr, next) = (r.clone(), Cell::new(Some(next)));
            r.on("close", move |_: &()| {
                tlog!(
                    t1,
                    "r:close closed",
                    rr.closed(),
                    "errored",
                    errc(rr.errored().as_ref())
                );
                if let Some(next) = next.take() {
                    next();
                }
            });
        }) as Step,
        Box::new(move |_next: Box<dyn FnOnce()>| {
            let opts = ReadStreamOptions::new().auto_close(false);
            let r = s2.add(&create_read_stream(&h2, missing, opts).unwrap());
            watch_read(&t2, &r, "noclose", &["open", "close"]);
            let rr = r.clone();
            r.on("error", move |e: &Error| {
                tlog!(t2, "noclose:error", errc(e), "destroyed", rr.destroyed());
                let tt = t2.clone();
                h2.next_tick(move || tlog!(tt, "tick after error"));
            });
        }),
    ]);
    let out = env.finish();
    streams.clear();
    out
}

fn fr06() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let d = TempPath::new("fr06");
    std::fs::create_dir(&d.0).unwrap();
    let r = open(&env, &d.0, ReadStreamOptions::new());
    watch_read(t, &r, "r", &["open", "ready", "data", "end"]);
    let tt = t.clone();
    r.on("error", move |e: &Error| {
        tlog!(
            tt,
            "r:error",
            errc(e),
            e.message(),
            e.syscall(),
            "path",
            err_path(e)
        );
    });
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(
            tt,
            "r:close pending",
            rr.pending(),
            "bytesRead",
            rr.bytes_read()
        );
    });
    r.resume();
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr07() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr07", b"data");
    let r = open(&env, &p.0, ReadStreamOptions::new());
    for ev in ["open", "ready", "data", "end", "close"] {
        let (tt, rr, h) = (t.clone(), r.clone(), env.h.clone());
        let log = move || {
            tlog!(
                tt,
                format!("r:{ev}"),
                "pending",
                rr.pending(),
                "destroyed",
                rr.destroyed(),
                "closed",
                rr.closed()
            );
            if ev != "data" {
                let tt = tt.clone();
                h.next_tick(move || tlog!(tt, format!("tick after {ev}")));
            }
        };
        match ev {
            "open" => {
                r.on(OPEN, move |_: &FdNumber| log());
            }
            "data" => {
                r.on(DATA, move |_: &Chunk| log());
            }
            _ => {
                r.on(ev, move |_: &()| log());
            }
        }
    }
    let tt = t.clone();
    r.on("error", move |e: &Error| tlog!(tt, "r:error", errc(e)));
    r.destroy(None);
    tlog!(
        t,
        "after destroy: destroyed",
        r.destroyed(),
        "closed",
        r.closed(),
        "pending",
        r.pending()
    );
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr08() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let r = open(&env, "/nonexistent/dir/file", ReadStreamOptions::new());
    watch_read(
        t,
        &r,
        "r",
        &["open", "ready", "data", "end", "close", "error"],
    );
    r.destroy(Some(Error::custom("EBOOM", "boom")));
    tlog!(
        t,
        "errored",
        errc(r.errored().as_ref()),
        "destroyed",
        r.destroyed()
    );
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr09() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr09", b"aaaabbbbccccdddd");
    let r = open(&env, &p.0, ReadStreamOptions::new().high_water_mark(4));
    watch_read(t, &r, "r", &["end", "error"]);
    let (tt, rr) = (t.clone(), r.clone());
    r.on(DATA, move |c: &Chunk| {
        tlog!(tt, "r:data", chunk(c));
        rr.destroy(None);
        tlog!(
            tt,
            "destroyed",
            rr.destroyed(),
            "aborted",
            rr.readable_aborted()
        );
    });
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(
            tt,
            "r:close bytesRead",
            rr.bytes_read(),
            "pending",
            rr.pending(),
            "ended",
            rr.readable_ended()
        );
    });
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

/// Whether fd `number` is open on `path` (node: `fs.fstatSync(fd)` succeeds). A number
/// closed, or reused for another file by another thread, is not.
fn fd_on(number: i32, path: &Path) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{number}")).is_ok_and(|target| target == path)
}

fn fr10() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr10", b"abcdef");
    let file = std::fs::File::open(&p.0).unwrap();
    let number = file.as_raw_fd();
    let streams = Streams::default();
    let opts = ReadStreamOptions::new()
        .fd(file)
        .start(0)
        .end(2)
        .auto_close(false);
    let r1 = streams.add(&open(&env, "", opts));
    tlog!(t, "r1 pending", r1.pending());
    watch_read(t, &r1, "r1", &["open", "ready", "data", "close", "error"]);
    let (tt, rr, h, path, s) = (
        t.clone(),
        r1.clone(),
        env.h.clone(),
        p.0.clone(),
        streams.clone(),
    );
    r1.on("end", move |_: &()| {
        tlog!(
            tt,
            "r1:end destroyed",
            rr.destroyed(),
            "pending",
            rr.pending()
        );
        // Node goes on using the number; here the fd comes back to its owner.
        let fd = rr.take_fd().expect("the fd is the caller's again");
        tlog!(tt, "fd open after end", fd_on(number, &path));
        let opts = ReadStreamOptions::new().fd(fd).start(3);
        let r2 = s.add(&create_read_stream(&h, "", opts).unwrap());
        watch_read(&tt, &r2, "r2", &["open", "ready", "data", "end", "error"]);
        let (tt, path) = (tt.clone(), path.clone());
        r2.on("close", move |_: &()| {
            tlog!(tt, "r2:close fd closed", !fd_on(number, &path));
        });
    });
    let out = env.finish();
    streams.clear();
    out
}

fn fr11() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr11", b"aaaabbbbcccc");
    let r = open(&env, &p.0, ReadStreamOptions::new().high_water_mark(4));
    let first = Cell::new(true);
    let (tt, rr, h) = (t.clone(), r.clone(), env.h.clone());
    r.on(DATA, move |c: &Chunk| {
        tlog!(tt, "r:data", chunk(c));
        if first.replace(false) {
            rr.pause();
            tlog!(
                tt,
                "paused",
                rr.is_paused(),
                "flowing",
                rr.readable_flowing()
            );
            let (tt, rr) = (tt.clone(), rr.clone());
            h.next_tick(move || {
                tlog!(tt, "resuming");
                rr.resume();
            });
        }
    });
    watch_read(t, &r, "r", &["pause", "resume", "end", "error"]);
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(tt, "r:close bytesRead", rr.bytes_read())
    });
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

/// Logs `events` of a file write stream into `log`, `'pipe'`/`'unpipe'` included.
fn record_ws(ws: &FileWriteStream, log: &Rc<RefCell<Vec<String>>>, events: &[&'static str]) {
    for &ev in events {
        let log = log.clone();
        match ev {
            "pipe" | "unpipe" => {
                let key = if ev == "pipe" { PIPE } else { UNPIPE };
                ws.on(key, move |_: &Readable| log.borrow_mut().push(ev.into()));
            }
            "open" => {
                ws.on(OPEN, move |_: &FdNumber| log.borrow_mut().push(ev.into()));
            }
            "error" => {
                ws.on(ev, move |_: &Error| log.borrow_mut().push(ev.into()));
            }
            _ => {
                ws.on(ev, move |_: &()| log.borrow_mut().push(ev.into()));
            }
        }
    }
}

fn fr12() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = TempPath::file("fr12a", b"the quick brown fox jumps");
    let b = TempPath::new("fr12b");
    let rs = open(&env, &a.0, ReadStreamOptions::new().high_water_mark(5));
    let ws = create_write_stream(&env.h, &b.0, WriteStreamOptions::new()).unwrap();
    let re = Rc::new(RefCell::new(Vec::<String>::new()));
    let we = Rc::new(RefCell::new(Vec::<String>::new()));
    for ev in ["open", "ready", "end", "close", "error"] {
        let re = re.clone();
        match ev {
            "open" => {
                rs.on(OPEN, move |_: &FdNumber| re.borrow_mut().push(ev.into()));
            }
            "error" => {
                rs.on(ev, move |_: &Error| re.borrow_mut().push(ev.into()));
            }
            _ => {
                rs.on(ev, move |_: &()| re.borrow_mut().push(ev.into()));
            }
        }
    }
    let r2 = re.clone();
    rs.on(DATA, move |c: &Chunk| {
        let text = String::from_utf8_lossy(c.as_bytes().unwrap()).into_owned();
        r2.borrow_mut().push(format!("data {text}"));
    });
    record_ws(
        &ws,
        &we,
        &[
            "open", "ready", "pipe", "unpipe", "finish", "close", "error",
        ],
    );
    let open = Rc::new(Cell::new(2));
    let done = {
        let (t, re, we, ws, a, b) = (
            t.clone(),
            re.clone(),
            we.clone(),
            ws.clone(),
            a.0.clone(),
            b.0.clone(),
        );
        move || {
            open.set(open.get() - 1);
            if open.get() > 0 {
                return;
            }
            tlog!(t, "rs:", re.borrow().join(" | "));
            tlog!(t, "ws:", we.borrow().join(" | "));
            let equal = std::fs::read(&b).unwrap() == std::fs::read(&a).unwrap();
            tlog!(t, "copy equal", equal, "bytesWritten", ws.bytes_written());
        }
    };
    let done = Rc::new(done);
    let d = done.clone();
    rs.on("close", move |_: &()| d());
    let d = done.clone();
    ws.on("close", move |_: &()| d());
    let piped = rs.pipe(&ws);
    tlog!(
        t,
        "pipe returns ws",
        piped.as_writable() == ws.as_writable()
    );
    drop(done);
    let streams = Streams::default();
    streams.add(&rs);
    let out = env.finish();
    streams.clear();
    ws.emitter().remove_all_listeners(None);
    out
}

fn fr13() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr13", b"");
    let r = open(&env, &p.0, ReadStreamOptions::new());
    watch_read(t, &r, "r", &["open", "ready", "data", "end", "error"]);
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(
            tt,
            "r:close bytesRead",
            rr.bytes_read(),
            "ended",
            rr.readable_ended()
        );
    });
    r.resume();
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr14() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let p = TempPath::file("fr14", b"0123456789");
    let r = open(&env, &p.0, ReadStreamOptions::new().high_water_mark(4));
    let (tt, rr) = (t.clone(), r.clone());
    r.on("readable", move |_: &()| {
        while let Some(c) = rr.read() {
            tlog!(tt, "read", chunk(&c), "len", rr.readable_length());
        }
        tlog!(tt, "readable done, bytesRead", rr.bytes_read());
    });
    watch_read(t, &r, "r", &["end", "error"]);
    let tt = t.clone();
    r.on("close", move |_: &()| tlog!(tt, "r:close"));
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr15() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let d = TempPath::new("fr15");
    std::fs::create_dir(&d.0).unwrap();
    let r = open(&env, &d.0, ReadStreamOptions::new().auto_close(false));
    watch_read(t, &r, "r", &["open", "ready", "data", "end"]);
    let (tt, rr, h) = (t.clone(), r.clone(), env.h.clone());
    r.on("error", move |e: &Error| {
        tlog!(
            tt,
            "r:error",
            errc(e),
            "destroyed",
            rr.destroyed(),
            "pending",
            rr.pending()
        );
        let (tt, rr) = (tt.clone(), rr.clone());
        h.next_tick(move || {
            tlog!(tt, "destroying");
            rr.destroy(None);
        });
    });
    let (tt, rr) = (t.clone(), r.clone());
    r.on("close", move |_: &()| {
        tlog!(tt, "r:close pending", rr.pending())
    });
    r.resume();
    let streams = Streams::default();
    streams.add(&r);
    let out = env.finish();
    streams.clear();
    out
}

fn fr16() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let a = TempPath::file("fr16a", &[b'x'; 100_000]);
    let b = TempPath::new("fr16b");
    let rs = open(&env, &a.0, ReadStreamOptions::new().high_water_mark(8192));
    let ws = create_write_stream(&env.h, &b.0, WriteStreamOptions::new()).unwrap();
    let (tt, r, w, pa, pb) = (t.clone(), rs.clone(), ws.clone(), a.0.clone(), b.0.clone());
    pipeline(&rs)
        .to(&ws, move |err| {
            let err = err.map(Error::from);
            tlog!(
                tt,
                "pipeline",
                errc(err.as_ref()),
                "rs destroyed",
                r.destroyed(),
                "ws finished",
                w.writable_finished()
            );
            let equal = std::fs::read(&pb).unwrap() == std::fs::read(&pa).unwrap();
            tlog!(
                tt,
                "bytesRead",
                r.bytes_read(),
                "bytesWritten",
                w.bytes_written(),
                "equal",
                equal
            );
        })
        .unwrap();
    env.finish()
}

fn fr17() -> Vec<String> {
    let env = Env::new();
    let t = &env.t;
    let b = TempPath::new("fr17b");
    let rs = open(&env, "/nonexistent/dir/file", ReadStreamOptions::new());
    let ws = create_write_stream(&env.h, &b.0, WriteStreamOptions::new()).unwrap();
    let (tt, r, w) = (t.clone(), rs.clone(), ws.clone());
    pipeline(&rs)
        .to(&ws, move |err| {
            let err = err.map(Error::from);
            tlog!(
                tt,
                "pipeline",
                errc(err.as_ref()),
                "rs destroyed",
                r.destroyed(),
                "ws destroyed",
                w.destroyed()
            );
        })
        .unwrap();
    env.finish()
}

/// The ported scenarios of this group.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "fr01-readstream-event-order",
        run: fr01,
    },
    Scenario {
        name: "fr02-readstream-start-end",
        run: fr02,
    },
    Scenario {
        name: "fr03-readstream-hwm-chunks",
        run: fr03,
    },
    Scenario {
        name: "fr04-readstream-encoding",
        run: fr04,
    },
    Scenario {
        name: "fr05-readstream-enoent",
        run: fr05,
    },
    Scenario {
        name: "fr06-readstream-eisdir",
        run: fr06,
    },
    Scenario {
        name: "fr07-readstream-destroy-before-open",
        run: fr07,
    },
    Scenario {
        name: "fr08-readstream-destroy-error-before-failed-open",
        run: fr08,
    },
    Scenario {
        name: "fr09-readstream-destroy-midway",
        run: fr09,
    },
    Scenario {
        name: "fr10-readstream-fd-autoclose-false",
        run: fr10,
    },
    Scenario {
        name: "fr11-readstream-pause-resume",
        run: fr11,
    },
    Scenario {
        name: "fr12-readstream-pipe-to-writestream",
        run: fr12,
    },
    Scenario {
        name: "fr13-readstream-empty-file",
        run: fr13,
    },
    Scenario {
        name: "fr14-readstream-readable-read",
        run: fr14,
    },
    Scenario {
        name: "fr15-readstream-read-error-autoclose-false",
        run: fr15,
    },
    Scenario {
        name: "fr16-readstream-pipeline-to-writestream",
        run: fr16,
    },
    Scenario {
        name: "fr17-readstream-pipeline-missing-source",
        run: fr17,
    },
];

//! `stream::pipeline` and `stream::finished` beyond the conformance scenarios: the root cause
//! behind a premature close, the destinations over fds and files, typed stages, and what
//! the watches keep alive (nothing once they are over).

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use nodestream::compat::NodeCompat;
use nodestream::events::{CLOSE, ERROR};
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::stream::duplex::DuplexOptions;
use nodestream::stream::finished::{finished, FinishedOptions};
use nodestream::stream::pipeline::{pipeline, PipelineError};
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::transform::{PassThrough, Transform, TransformCallback};
use nodestream::stream::writable::{Chunk, Sink, Writable, WritableOptions, WriteCallback};
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop};
use support::{pipe, read_all, TempPath};

/// Completes every write on an immediate.
struct Slow(nodestream::LoopHandle);

impl Sink for Slow {
    fn write(&mut self, _: Chunk, cb: WriteCallback) {
        self.0.set_immediate(move || cb.ok());
    }
}

/// Keeps what is written.
struct Collect(Rc<RefCell<Vec<u8>>>);

impl Sink for Collect {
    fn write(&mut self, chunk: Chunk, cb: WriteCallback) {
        self.0.borrow_mut().extend_from_slice(chunk.as_bytes());
        cb.ok();
    }
}

fn source(lp: &EventLoop) -> Readable {
    Readable::new(&lp.handle(), ReadableOptions::new(), |_: &Readable, _| {})
}

type Answer = Rc<RefCell<Option<Option<PipelineError>>>>;

fn answer() -> (Answer, impl FnOnce(Option<PipelineError>) + 'static) {
    let a: Answer = Rc::default();
    let a2 = a.clone();
    (a, move |err| *a2.borrow_mut() = Some(err))
}

/// pl14 under v20: the destination closes, then the source fails in the same tick. Node
/// v20 reports the premature close (the source's error comes after the pipeline is over);
/// the root cause is the source's error, recorded on it when it was destroyed.
#[test]
fn the_root_cause_behind_a_premature_close_is_the_first_real_error() {
    let lp = EventLoop::builder()
        .compat(NodeCompat::V20)
        .build()
        .unwrap();
    let src = source(&lp);
    src.on(ERROR, |_: &Error| {});
    let dest = Writable::new(&lp.handle(), Slow(lp.handle()), WritableOptions::new());
    let (got, cb) = answer();
    pipeline(&src).to(&dest, cb).unwrap();
    src.push("a");
    let (s, d) = (src.clone(), dest.clone());
    lp.handle().set_immediate(move || {
        d.destroy(None);
        s.destroy(Some(Error::custom("EROOT", "the source broke")));
    });
    lp.run().unwrap();
    let err = got.borrow_mut().take().unwrap().expect("an error");
    assert_eq!(err.code().as_str(), "ERR_STREAM_PREMATURE_CLOSE");
    assert_eq!(err.error().code().as_str(), "ERR_STREAM_PREMATURE_CLOSE");
    assert_eq!(err.root_cause().code().as_str(), "EROOT");
    let behind = std::error::Error::source(&err).expect("the root as the source");
    assert_eq!(
        behind.to_string(),
        Error::custom("EROOT", "the source broke").to_string()
    );
    assert_eq!(
        Error::from(err).code().as_str(),
        "ERR_STREAM_PREMATURE_CLOSE"
    );

    // Under v26 Node reports the real error itself, which is its own root.
    let lp = EventLoop::new().unwrap();
    let src = source(&lp);
    let dest = Writable::new(&lp.handle(), Slow(lp.handle()), WritableOptions::new());
    let (got, cb) = answer();
    pipeline(&src).to(&dest, cb).unwrap();
    src.push("a");
    let (s, d) = (src.clone(), dest.clone());
    lp.handle().set_immediate(move || {
        d.destroy(None);
        s.destroy(Some(Error::custom("EROOT", "the source broke")));
    });
    lp.run().unwrap();
    let err = got.borrow_mut().take().unwrap().expect("an error");
    assert_eq!(err.code().as_str(), "EROOT");
    assert_eq!(err.root_cause().code().as_str(), "EROOT");
}

#[test]
fn a_premature_close_with_no_error_behind_it_is_its_own_root_cause() {
    let lp = EventLoop::new().unwrap();
    let src = source(&lp);
    let dest = Writable::new(&lp.handle(), Slow(lp.handle()), WritableOptions::new());
    let (got, cb) = answer();
    pipeline(&src).to(&dest, cb).unwrap();
    src.destroy(None);
    lp.run().unwrap();
    let err = got.borrow_mut().take().unwrap().expect("an error");
    assert_eq!(
        err.root_cause().code().as_str(),
        "ERR_STREAM_PREMATURE_CLOSE"
    );
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn pipeline_into_a_pipe_fd_and_a_file() {
    // An FdWritable over a pipe.
    let lp = EventLoop::new().unwrap();
    let (r, w) = pipe();
    let dest = FdWritable::new(&lp.handle(), w, WritableOptions::new()).unwrap();
    let src = source(&lp);
    let (got, cb) = answer();
    pipeline(&src).to(&dest, cb).unwrap();
    src.push("to the pipe");
    src.push(None);
    lp.run().unwrap();
    assert!(matches!(*got.borrow(), Some(None)));
    assert!(dest.destroyed());
    assert_eq!(read_all(r), b"to the pipe");

    // A file write stream.
    let path = TempPath::new("pipeline-file");
    let ws = create_write_stream(&lp.handle(), &path.0, WriteStreamOptions::new()).unwrap();
    let src = source(&lp);
    let (got, cb) = answer();
    pipeline(&src).to(&ws, cb).unwrap();
    src.push("to the file");
    src.push(None);
    lp.run().unwrap();
    assert!(matches!(*got.borrow(), Some(None)));
    assert_eq!(std::fs::read(&path.0).unwrap(), b"to the file");

    // A file that cannot be opened: the source is destroyed, and the error is handled.
    let ws = create_write_stream(
        &lp.handle(),
        "/nonexistent/dir/f",
        WriteStreamOptions::new(),
    )
    .unwrap();
    let src = source(&lp);
    let (got, cb) = answer();
    pipeline(&src).to(&ws, cb).unwrap();
    src.push("lost");
    lp.run().unwrap();
    let err = got.borrow_mut().take().unwrap().expect("an error");
    assert_eq!(err.code().as_str(), "ENOENT");
    assert!(src.destroyed());
}

#[test]
fn typed_stages_carry_values() {
    let lp = EventLoop::new().unwrap();
    let src: Readable<String> = Readable::new(
        &lp.handle(),
        ReadableOptions::new().object_mode(true),
        |_: &Readable<String>, _| {},
    );
    let lengths: Transform<String, usize> = Transform::new(
        &lp.handle(),
        DuplexOptions::new().object_mode(true),
        |s: String, _: &Readable<usize>, done: TransformCallback<usize>| done.done(s.len()),
    );
    let doubled = PassThrough::new_object::<usize>(&lp.handle(), DuplexOptions::new());
    let got = Rc::new(RefCell::new(Vec::new()));
    struct Keep(Rc<RefCell<Vec<usize>>>);
    impl Sink<usize> for Keep {
        fn write(&mut self, n: usize, cb: WriteCallback) {
            self.0.borrow_mut().push(n);
            cb.ok();
        }
    }
    let dest = Writable::new_object(&lp.handle(), Keep(got.clone()), WritableOptions::new());
    let (answer, cb) = answer();
    pipeline(&src)
        .through(&lengths)
        .through(&doubled)
        .to(&dest, cb)
        .unwrap();
    for s in ["a", "bb", "ccc"] {
        src.push(s.to_owned());
    }
    src.push(None);
    lp.run().unwrap();
    assert!(matches!(*answer.borrow(), Some(None)));
    assert_eq!(*got.borrow(), [1, 2, 3]);
}

/// A callback that holds its stream keeps it alive only until it has run; the watches'
/// listeners hold the streams weakly, so nothing is left once the handles are dropped.
#[test]
fn nothing_outlives_the_streams_once_the_answers_came() {
    let lp = EventLoop::new().unwrap();
    let src = source(&lp);
    let got = Rc::new(RefCell::new(Vec::new()));
    let dest = Writable::new(&lp.handle(), Collect(got.clone()), WritableOptions::new());
    let (weak_src, weak_dest) = (src.downgrade(), dest.downgrade());
    let ran = Rc::new(Cell::new(0));
    let (r, d, n) = (src.clone(), dest.clone(), ran.clone());
    pipeline(&src)
        .to(&dest, move |err| {
            assert!(err.is_none());
            assert!(r.destroyed() && d.destroyed());
            n.set(n.get() + 1);
        })
        .unwrap();
    let (d, n) = (dest.clone(), ran.clone());
    let _cleanup = finished(&dest, FinishedOptions::new(), move |err| {
        assert!(err.is_none() && d.writable_finished());
        n.set(n.get() + 1);
    });
    src.push("x");
    src.push(None);
    drop((src, dest));
    lp.run().unwrap();
    assert_eq!(ran.get(), 2);
    assert_eq!(*got.borrow(), b"x");
    assert!(weak_src.upgrade().is_none(), "the source is freed");
    assert!(weak_dest.upgrade().is_none(), "the destination is freed");
}

#[test]
fn dropping_the_cleanup_handle_keeps_the_watch_and_cleanup_removes_it() {
    let lp = EventLoop::new().unwrap();
    let w = Writable::new(&lp.handle(), Slow(lp.handle()), WritableOptions::new());
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    drop(finished(&w, FinishedOptions::new(), move |_| {
        c.set(c.get() + 1)
    }));
    assert_eq!(w.listener_count("close"), 1);
    let c = calls.clone();
    let cleanup = finished(&w, FinishedOptions::new(), move |_| c.set(c.get() + 10));
    assert_eq!(w.listener_count("close"), 2);
    cleanup.cleanup();
    cleanup.clone().cleanup();
    assert_eq!(w.listener_count("close"), 1);
    w.end();
    lp.run().unwrap();
    assert_eq!(calls.get(), 1);
    // The stream is gone: cleaning up does nothing.
    drop(w);
    cleanup.cleanup();
}

/// A destination that emits `'close'` as the pipeline's answer arrives: the callback runs
/// once, after every stream closed, and a panic-free teardown leaves the loop clean.
#[test]
fn the_callback_runs_once_after_every_close() {
    let lp = EventLoop::new().unwrap();
    let src = source(&lp);
    let dest = PassThrough::new(&lp.handle(), DuplexOptions::new());
    let last = Writable::new(&lp.handle(), Slow(lp.handle()), WritableOptions::new());
    let order = Rc::new(RefCell::new(Vec::new()));
    for (name, em) in [
        ("src", src.emitter().clone()),
        ("pt", dest.emitter().clone()),
        ("last", last.emitter()),
    ] {
        let o = order.clone();
        em.on(CLOSE, move |_: &()| o.borrow_mut().push(name));
    }
    let o = order.clone();
    pipeline(&src)
        .through(&dest)
        .to(&last, move |err| {
            assert!(err.is_none());
            o.borrow_mut().push("callback");
        })
        .unwrap();
    src.push("a");
    src.push(None);
    lp.run().unwrap();
    let order = order.borrow();
    assert_eq!(order.last(), Some(&"callback"));
    assert_eq!(order.len(), 4, "{order:?}");
}

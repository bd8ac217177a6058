//! `pipe()` returns its destination, as Node's does, and every writable stream of the crate
//! is a destination as it is: a `Writable`, an `FdWritable` (a pipe here; sockets and child
//! stdin are the same type) and a file write stream, each receiving exact bytes.

mod support;

use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::stream::FdWritable;
use nodestream::{EventLoop, Readable, ReadableOptions, WritableOptions};
use support::{read_all, FdCheck, TempPath};

fn source(lp: &EventLoop, parts: &[&'static str]) -> Readable {
    let r = Readable::new(
        &lp.handle(),
        ReadableOptions::default(),
        |_: &Readable, _| {},
    );
    for p in parts {
        r.push(*p);
    }
    r.push(None);
    r
}

#[test]
fn pipe_returns_the_destination_and_an_fd_writable_is_one() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let (r, w) = support::pipe();
    let out = FdWritable::new(&lp.handle(), w, WritableOptions::new()).unwrap();
    let src = source(&lp, &["into ", "a pipe"]);
    let returned: FdWritable = src.pipe(&out);
    assert!(returned.emitter().ptr_eq(&out.emitter()));
    lp.run().unwrap();
    assert_eq!(read_all(r), b"into a pipe");
    assert!(out.closed());
    drop((out, returned, src, lp));
    check.assert_same();
}

#[test]
fn a_file_write_stream_is_a_destination() {
    let check = FdCheck::start();
    let lp = EventLoop::new().unwrap();
    let path = TempPath::new("pipe-into-file");
    let file = create_write_stream(&lp.handle(), &path.0, WriteStreamOptions::new()).unwrap();
    let src = source(&lp, &["into ", "a file"]);
    let returned = src.pipe(&file);
    assert!(returned.emitter().ptr_eq(&file.emitter()));
    lp.run().unwrap();
    assert_eq!(std::fs::read(&path.0).unwrap(), b"into a file");
    drop((file, returned, src, lp));
    check.assert_same();
}

//! A source whose only `'data'` listener is its one pipe hands each chunk to the
//! destination by value; any other listener set-up gets the emit, as before.

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::DATA;
use nodestream::stream::readable::{Chunk, Readable, ReadableOptions};
use nodestream::stream::writable::{Chunk as WChunk, Sink, WriteCallback};
use nodestream::{EventLoop, Writable, WritableOptions};

/// Records each chunk and whether its buffer was shared with anyone else when it came.
struct Record(Rc<RefCell<Vec<(String, bool)>>>);

impl Sink for Record {
    fn write(&mut self, chunk: WChunk, cb: WriteCallback) {
        let text = String::from_utf8_lossy(chunk.as_bytes()).into_owned();
        let unique = chunk.into_bytes().is_unique();
        self.0.borrow_mut().push((text, unique));
        cb.ok();
    }
}

fn bytes(s: &str) -> bytes::Bytes {
    bytes::Bytes::from(s.as_bytes().to_vec())
}

#[test]
fn the_only_pipe_gets_the_chunk_itself() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let got = Rc::new(RefCell::new(Vec::new()));
    let src = Readable::new(&lp, ReadableOptions::new(), |_: &Readable, _| {});
    let dest = Writable::new(&lp, Record(got.clone()), WritableOptions::new());
    src.pipe(&dest);
    el.run().unwrap();
    // Flowing, empty, not inside `_read`: each push is emitted at once.
    src.push(bytes("a"));
    src.push(bytes("b"));
    src.push(None);
    el.run().unwrap();
    assert_eq!(
        *got.borrow(),
        [("a".to_owned(), true), ("b".to_owned(), true)]
    );
}

#[test]
fn another_data_listener_gets_the_emit_and_the_pipe_a_copy() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let got = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let src = Readable::new(&lp, ReadableOptions::new(), |_: &Readable, _| {});
    let dest = Writable::new(&lp, Record(got.clone()), WritableOptions::new());
    src.pipe(&dest);
    let s = seen.clone();
    src.on(DATA, move |c: &Chunk| {
        s.borrow_mut().push(c.as_bytes().unwrap().to_vec())
    });
    el.run().unwrap();
    src.push(bytes("a"));
    el.run().unwrap();
    assert_eq!(*seen.borrow(), [b"a".to_vec()]);
    // The pipe wrote while the source still held the chunk for its other listener.
    assert_eq!(*got.borrow(), [("a".to_owned(), false)]);
}

#[test]
fn a_user_listener_in_place_of_the_pipes_gets_every_chunk() {
    let el = EventLoop::new().unwrap();
    let lp = el.handle();
    let got = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let src = Readable::new(&lp, ReadableOptions::new(), |_: &Readable, _| {});
    let dest = Writable::new(&lp, Record(got.clone()), WritableOptions::new());
    src.pipe(&dest);
    // The pipe's own listener goes; one of the user's comes: still one 'data' listener,
    // and still one pipe entry, but the listener is not the pipe's.
    src.remove_all_listeners(Some("data"));
    let s = seen.clone();
    src.on(DATA, move |c: &Chunk| {
        s.borrow_mut().push(c.as_bytes().unwrap().to_vec())
    });
    el.run().unwrap();
    src.push(bytes("x"));
    el.run().unwrap();
    assert_eq!(*seen.borrow(), [b"x".to_vec()]);
    assert!(got.borrow().is_empty());
}

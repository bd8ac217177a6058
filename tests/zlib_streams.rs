//! Node's zlib streams (`zlib::create_gzip` and kin) on the loop: bytes, events and
//! errors. The orders Node v20 gives for the same programs are in the comments (see the
//! `create` docs for why the end differs).
#![cfg(feature = "zlib")]

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::events::{CLOSE, DATA, END, ERROR, FINISH, PREFINISH};
use nodestream::stream::readable::{Readable, ReadableOptions};
use nodestream::stream::transform::Transform;
use nodestream::stream::DuplexOptions;
use nodestream::zlib::{
    create, create_deflate, create_gunzip, create_gzip, create_inflate, create_unzip, deflate_sync,
    gunzip_sync, gzip_sync, Kind, ZlibOptions,
};
use nodestream::EventLoop;

type Log = Rc<RefCell<Vec<String>>>;

/// Logs the stream's events as Node's test scripts print them (`data:<len>`, `end`, ...),
/// and gathers its output.
fn trace(stream: &Transform) -> (Log, Rc<RefCell<Vec<u8>>>) {
    let log: Log = Rc::default();
    let out = Rc::new(RefCell::new(Vec::new()));
    let (l, o) = (log.clone(), out.clone());
    stream.on(DATA, move |c| {
        let bytes = c.as_bytes().unwrap();
        l.borrow_mut().push(format!("data:{}", bytes.len()));
        o.borrow_mut().extend_from_slice(bytes);
    });
    for (name, key) in [("prefinish", PREFINISH), ("finish", FINISH)] {
        let l = log.clone();
        stream.on(key, move |_| l.borrow_mut().push(name.into()));
    }
    let l = log.clone();
    stream.on(END, move |_| l.borrow_mut().push("end".into()));
    let l = log.clone();
    stream.on(CLOSE, move |_| l.borrow_mut().push("close".into()));
    let l = log.clone();
    stream.on(ERROR, move |e| {
        l.borrow_mut()
            .push(format!("error:{}:{}", e.code(), e.message()))
    });
    (log, out)
}

#[test]
fn gzip_stream_output_gunzips() {
    let lp = EventLoop::new().unwrap();
    let gzip = create_gzip(&lp.handle(), &ZlibOptions::new()).unwrap();
    let (log, out) = trace(&gzip);
    assert!(gzip.write("hello"));
    gzip.end();
    lp.run().unwrap();
    assert_eq!(
        gunzip_sync(&out.borrow(), &ZlibOptions::new()).unwrap(),
        b"hello"
    );
    // Node v20: data:10 prefinish finish data:15 end close (the header on the write, the
    // rest from the flush, which Node runs after 'finish'). Here the flush runs in
    // `_final`, as a Transform's `_flush` does: prefinish and end follow its output, then
    // finish, as for Node's `new Transform({ flush })`.
    let log = log.borrow();
    assert_eq!(log[0], "data:10");
    assert!(log[1].starts_with("data:"));
    assert_eq!(log[2..], ["prefinish", "end", "finish", "close"]);
}

#[test]
fn gunzip_stream_chunks_as_node() {
    let text: Vec<u8> = (0..100_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let gz = gzip_sync(&text, &ZlibOptions::new()).unwrap();
    let lp = EventLoop::new().unwrap();
    let gunzip = create_gunzip(&lp.handle(), &ZlibOptions::new().chunk_size(64 * 1024)).unwrap();
    let (log, out) = trace(&gunzip);
    gunzip.end_with(gz);
    lp.run().unwrap();
    assert_eq!(*out.borrow(), text);
    // 400,000 bytes: six full chunks of 64 KiB, then the rest (the same chunks in Node
    // v20, with prefinish finish end close).
    let expected: Vec<String> = [65536; 6]
        .iter()
        .chain(&[400_000 - 6 * 65536])
        .map(|n| format!("data:{n}"))
        .chain(["prefinish", "end", "finish", "close"].map(String::from))
        .collect();
    assert_eq!(*log.borrow(), expected);
}

#[test]
fn gunzip_of_bad_input_errors_then_closes() {
    // Node v20: error:incorrect header check close
    let lp = EventLoop::new().unwrap();
    let gunzip = create_gunzip(&lp.handle(), &ZlibOptions::new()).unwrap();
    let (log, _) = trace(&gunzip);
    gunzip.write("hello");
    gunzip.end();
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["error:Z_DATA_ERROR:incorrect header check", "close"]
    );
}

#[test]
fn gunzip_of_truncated_input_errors_at_the_end() {
    // Node v20: data:1 prefinish finish error:unexpected end of file close
    let gz = gzip_sync(b"hello", &ZlibOptions::new()).unwrap();
    let lp = EventLoop::new().unwrap();
    let gunzip = create_gunzip(&lp.handle(), &ZlibOptions::new()).unwrap();
    let (log, _) = trace(&gunzip);
    gunzip.write(gz[..12].to_vec());
    gunzip.end();
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "data:1",
            "error:Z_BUF_ERROR:unexpected end of file",
            "close"
        ]
    );
}

#[test]
fn inflate_ends_at_the_end_of_its_data() {
    // Node v20: data:2 end prefinish finish close (the bytes after the data are ignored,
    // and so is a later write).
    let mut zz = deflate_sync(b"ab", &ZlibOptions::new()).unwrap();
    zz.extend_from_slice(b"xx");
    let lp = EventLoop::new().unwrap();
    let inflate = create_inflate(&lp.handle(), &ZlibOptions::new()).unwrap();
    let (log, out) = trace(&inflate);
    inflate.write(zz);
    assert!(inflate.write("more"));
    inflate.end();
    lp.run().unwrap();
    assert_eq!(*out.borrow(), b"ab");
    assert_eq!(
        *log.borrow(),
        ["data:2", "end", "prefinish", "finish", "close"]
    );
}

#[test]
fn gunzip_of_nothing_is_unexpected_end_of_file() {
    // Node v20: prefinish finish error:unexpected end of file close
    let lp = EventLoop::new().unwrap();
    let gunzip = create_gunzip(&lp.handle(), &ZlibOptions::new()).unwrap();
    let (log, _) = trace(&gunzip);
    gunzip.end();
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        ["error:Z_BUF_ERROR:unexpected end of file", "close"]
    );
}

#[test]
fn a_pipe_through_deflate_and_unzip_gives_the_bytes_back() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let src = Readable::new(&h, ReadableOptions::new(), |_: &Readable, _| {});
    let deflate = create_deflate(&h, &ZlibOptions::new().level(1)).unwrap();
    let unzip = create_unzip(&h, &ZlibOptions::new().chunk_size(100)).unwrap();
    let (log, out) = trace(&unzip);
    src.pipe(&deflate).pipe(&unzip);
    let mut expected = Vec::new();
    for i in 0..200 {
        let line = format!("line {i} of a stream piped through deflate and unzip\n");
        expected.extend_from_slice(line.as_bytes());
        src.push(line);
    }
    src.push(None);
    lp.run().unwrap();
    assert_eq!(*out.borrow(), expected);
    assert!(log.borrow().iter().all(|e| !e.starts_with("error")));
    assert_eq!(log.borrow().last().map(String::as_str), Some("close"));
}

#[test]
fn options_out_of_range_fail_as_nodes_constructor() {
    let lp = EventLoop::new().unwrap();
    let err = create_gzip(&lp.handle(), &ZlibOptions::new().level(12)).unwrap_err();
    assert_eq!(err.code().as_str(), "ERR_OUT_OF_RANGE");
    assert_eq!(
        err.message(),
        "The value of \"options.level\" is out of range. It must be >= -1 and <= 9. Received 12"
    );
}

#[test]
fn the_last_buffered_chunk_finishes_the_stream() {
    // Node v20, writes buffered behind a cork: data:1 error:unexpected end of file close.
    // The last chunk runs after end() with the finishing flush, so the error comes from
    // it, before 'prefinish', and its own output is dropped. Here a chunk waits when the
    // readable side is full (Node's chunks wait for the thread pool, even behind a cork).
    let gz = gzip_sync(b"hello world", &ZlibOptions::new()).unwrap();
    let lp = EventLoop::new().unwrap();
    let stream = DuplexOptions::new().readable_high_water_mark(1);
    let gunzip = create(&lp.handle(), Kind::Gunzip, &ZlibOptions::new(), stream).unwrap();
    gunzip.write(gz[..12].to_vec());
    gunzip.write(gz[12..20].to_vec());
    gunzip.end();
    let (log, _) = trace(&gunzip);
    lp.run().unwrap();
    assert_eq!(
        *log.borrow(),
        [
            "data:1",
            "error:Z_BUF_ERROR:unexpected end of file",
            "close"
        ]
    );
}

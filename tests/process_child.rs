//! A child process's stdin as a Writable and stdout as a Readable, with exact bytes.

mod support;

use std::cell::RefCell;
use std::process::Command;
use std::rc::Rc;

use nodestream::child_process::spawn;
use nodestream::stream::readable::{Chunk, DATA, END};
use nodestream::EventLoop;
use support::pattern;

#[test]
fn bytes_round_trip_through_cat_with_backpressure() {
    isolated!(bytes_round_trip_through_cat_with_backpressure, || {
        let lp = EventLoop::new().unwrap();
        let child = spawn(&lp.handle(), &mut Command::new("cat")).unwrap();
        let got = Rc::new(RefCell::new(Vec::new()));
        let g = got.clone();
        child.stdout.on(DATA, move |c: &Chunk| {
            g.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
        });
        let ended = Rc::new(std::cell::Cell::new(false));
        let e = ended.clone();
        child.stdout.on(END, move |_: &()| e.set(true));
        let chunks: Vec<Vec<u8>> = (0..2000).map(|i| pattern(1000, i as u8)).collect();
        let expected = chunks.concat();
        for c in chunks {
            child.stdin.write(c);
        }
        child.stdin.end();
        lp.run().unwrap();
        assert!(ended.get());
        assert!(*got.borrow() == expected);
        assert!(child.wait().unwrap().success());
    });
}

#[test]
fn a_missing_program_is_enoent_and_leaves_nothing_open() {
    isolated!(a_missing_program_is_enoent_and_leaves_nothing_open, || {
        let lp = EventLoop::new().unwrap();
        let err = spawn(&lp.handle(), &mut Command::new("/nonexistent/program")).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
    });
}

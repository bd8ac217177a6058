//! One shape for the same thing: a Readable and a Writable offer the same emitter
//! conveniences (`on`, `once`, `prepend_listener`, `off`, `emit`, `listener_count`,
//! `remove_all_listeners`), with the same results, so code written against one reads the
//! same against the other.

mod support;

use nodestream::stream::writable::{Chunk, Sink, WriteCallback};
use nodestream::{EventLoop, Readable, ReadableOptions, Writable, WritableOptions};
use support::Log;

struct Discard;

impl Sink for Discard {
    fn write(&mut self, _chunk: Chunk, cb: WriteCallback) {
        cb.ok();
    }
}

/// Runs the same calls through whichever stream `$s` is and returns the log.
macro_rules! exercise {
    ($s:expr) => {{
        let s = $s;
        let log = Log::default();
        let a = s.on("custom", log.event::<()>("on"));
        s.once("custom", log.event::<()>("once"));
        s.prepend_listener("custom", log.event::<()>("prepended"));
        log.push(format!("count {}", s.listener_count("custom")));
        assert!(s.emit("custom", &()));
        log.push(format!("count {}", s.listener_count("custom")));
        assert!(s.off(a));
        assert!(!s.off(a));
        assert!(s.emit("custom", &()));
        s.remove_all_listeners(Some("custom"));
        log.push(format!("count {}", s.listener_count("custom")));
        assert!(!s.emit("custom", &()));
        log.get()
    }};
}

#[test]
fn readable_and_writable_answer_the_same_emitter_calls_the_same_way() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let r = Readable::new(&h, ReadableOptions::default(), |_: &Readable, _| {});
    let w = Writable::new(&h, Discard, WritableOptions::new());
    let want = [
        "count 3",
        "prepended",
        "on",
        "once",
        "count 2",
        "prepended",
        "count 0",
    ];
    assert_eq!(exercise!(&r), want);
    assert_eq!(exercise!(&w), want);
}

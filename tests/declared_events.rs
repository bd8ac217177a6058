//! A listener that could never run is refused when it is added: every stream declares the
//! events it emits with their payload types, so `on("data", |c: &Vec<u8>| ..)` on a
//! Readable (whose `'data'` carries a `readable::Chunk`) panics with a message naming the
//! event and both types, instead of being skipped at every emit. A name the stream never
//! emits (a misspelled `"ned"`) is not refused (Node lets anyone emit any name) but warned
//! about. One row per stream kind.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};

use nodestream::events::{EventEmitter, ListenerEvent};
use nodestream::net::unix_pair;
use nodestream::stream::readable::Chunk as ReadChunk;
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, Readable, ReadableOptions, WritableOptions};
use support::{capture_warnings, panic_message, warnings};

/// The message of the panic `f` must raise.
fn refused(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the listener should be refused");
    panic_message(&*payload)
}

/// Each stream kind's emitter, by name (the Readable sides and the Writable sides).
fn emitters(lp: &EventLoop) -> Vec<(&'static str, EventEmitter, bool)> {
    let h = lp.handle();
    let (r, w) = support::pipe();
    let fw = FdWritable::new(&h, w, WritableOptions::new()).unwrap();
    let fr = Readable::from_fd(&h, r, ReadableOptions::default()).unwrap();
    let plain = Readable::new(&h, ReadableOptions::default(), |_: &Readable, _| {});
    let (a, _b) = unix_pair(&h).unwrap();
    let path = std::env::temp_dir().join(format!("nodestream-declared-{}", std::process::id()));
    let file = nodestream::fs::create_write_stream(&h, &path, Default::default()).unwrap();
    let out = nodestream::process::stdout(&h).unwrap();
    let v = vec![
        ("Readable", plain.emitter().clone(), true),
        ("Readable::from_fd", fr.emitter().clone(), true),
        ("Socket readable side", a.readable.emitter().clone(), true),
        ("FdWritable", fw.emitter(), false),
        ("Socket writable side", a.writable.emitter(), false),
        ("file write stream", file.emitter(), false),
        ("stdout", out.emitter(), false),
    ];
    for (_, em, _) in &v {
        assert!(em.declared_events().count() > 0);
    }
    // Done with the streams themselves; the emitters are what is checked.
    plain.destroy(None);
    fr.destroy(None);
    fw.destroy(None);
    a.destroy(None);
    file.destroy(None);
    out.destroy(None);
    lp.run().unwrap();
    let _ = std::fs::remove_file(&path);
    v
}

#[test]
fn a_listener_of_the_wrong_payload_type_is_refused_on_every_stream_kind() {
    let lp = EventLoop::new().unwrap();
    for (kind, em, readable) in emitters(&lp) {
        // A socket's readable side carries Node's own 'end' listener (allowHalfOpen).
        let (close0, end0) = (em.listener_count("close"), em.listener_count("end"));
        // 'close' carries nothing, 'error' a nodestream::Error, on every kind.
        let text = refused(|| {
            em.on("close", |_: &bool| {});
        });
        assert_eq!(
            text,
            "a listener for 'close' takes &bool, but this emitter's 'close' events carry &(): \
             it would never run",
            "{kind}"
        );
        let text = refused(|| {
            em.on("error", |_: &std::io::Error| {});
        });
        assert!(
            text.contains("carry &nodestream::error::Error"),
            "{kind}: {text}"
        );
        if readable {
            let text = refused(|| {
                em.on("data", |_: &Vec<u8>| {});
            });
            assert_eq!(
                text,
                "a listener for 'data' takes &alloc::vec::Vec<u8>, but this emitter's 'data' \
                 events carry &nodestream::stream::readable::chunk::Chunk: it would never run",
                "{kind}"
            );
            refused(|| {
                em.once("end", |_: &bool| {});
            });
            em.on("data", |_: &ReadChunk| {});
        } else {
            refused(|| {
                em.prepend_listener("drain", |_: &u32| {});
            });
            em.on("drain", |_: &()| {});
            em.on("error", |_: &Error| {});
        }
        // The refused ones left nothing behind; the right ones were added.
        assert_eq!(em.listener_count("close"), close0, "{kind}");
        assert_eq!(em.listener_count("end"), end0, "{kind}");
        assert_eq!(
            em.listener_count(if readable { "data" } else { "drain" }),
            1,
            "{kind}"
        );
    }
}

#[test]
fn a_misspelled_event_is_warned_about_and_meta_events_are_not() {
    let lp = EventLoop::new().unwrap();
    capture_warnings();
    let r = Readable::new(
        &lp.handle(),
        ReadableOptions::default(),
        |_: &Readable, _| {},
    );
    r.on("ned", |_: &()| {});
    r.on("newListener", |_: &ListenerEvent| {});
    r.on("end", |_: &()| {});
    let got = warnings();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("a listener was added for 'ned', which this emitter does not emit")
            && got[0].contains("'end'"),
        "{got:?}"
    );
    // Not refused: Node lets anyone emit any name on a stream.
    assert!(r.emitter().emit("ned", &()));
}

#[test]
fn a_server_refuses_a_connection_listener_of_another_type() {
    let lp = EventLoop::new().unwrap();
    let path = std::env::temp_dir().join(format!("nodestream-declared-s-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let server = nodestream::net::listen_unix(&lp.handle(), &path, |_| {}).unwrap();
    let em = server.emitter();
    let text = refused(|| {
        em.on("connection", |_: &std::os::unix::net::UnixStream| {});
    });
    assert!(
        text.contains("'connection' events carry &nodestream::net::socket::Socket"),
        "{text}"
    );
    server.close();
    lp.run().unwrap();
}

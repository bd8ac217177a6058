//! File write streams against Node's traces (f01-f03) and real files.

mod support;

use std::os::fd::OwnedFd;

use nodestream::events::{CLOSE, ERROR, FINISH, OPEN, READY};
use nodestream::fs::{create_write_stream, FileWriteStream, WriteStreamOptions};
use nodestream::{ErrorCode, EventLoop};
use support::{Log, TempPath};

fn trace(ws: &FileWriteStream, log: &Log) {
    let (l, w) = (log.clone(), ws.clone());
    ws.on(OPEN, move |fd| {
        l.push(format!(
            "ws:open fd===ws.fd {} pending {}",
            Some(fd.as_raw()) == w.fd(),
            w.pending()
        ))
    });
    let l = log.clone();
    ws.on(READY, move |_| l.push("ws:ready"));
    let l = log.clone();
    ws.on(FINISH, move |_| l.push("ws:finish"));
    let l = log.clone();
    ws.on(ERROR, move |e| l.push(format!("ws:error {}", e.code())));
    let l = log.clone();
    ws.on(CLOSE, move |_| l.push("ws:close"));
}

/// f01: writes before open are queued; 'open' then 'ready' precede the first write's
/// callback; then finish, close.
#[test]
fn f01_writes_before_open_are_kept_in_order() {
    isolated!(f01_writes_before_open_are_kept_in_order, || {
        let p = TempPath::new("f01");
        let lp = EventLoop::new().unwrap();
        let ws = create_write_stream(&lp.handle(), &p.0, WriteStreamOptions::new()).unwrap();
        let log = Log::default();
        log.push(format!(
            "pending {} fd {:?} bytesWritten {}",
            ws.pending(),
            ws.fd(),
            ws.bytes_written()
        ));
        trace(&ws, &log);
        log.push(format!("w1 -> {}", ws.write_cb("hello ", log.cb("cb1"))));
        log.push(format!("w2 -> {}", ws.write_cb("world", log.cb("cb2"))));
        ws.end_cb(log.cb("end-cb"));
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        log.push(format!(
            "content {} bytesWritten {} fd {:?}",
            String::from_utf8(std::fs::read(&p.0).unwrap()).unwrap(),
            ws.bytes_written(),
            ws.fd()
        ));
        assert_eq!(
            log.get(),
            [
                "pending true fd None bytesWritten 0",
                "w1 -> true",
                "w2 -> true",
                "ws:open fd===ws.fd true pending false",
                "ws:ready",
                "cb1 null",
                "cb2 null",
                "end-cb null",
                "ws:finish",
                "ws:close",
                "content hello world bytesWritten 11 fd None",
            ]
        );
    });
}

/// f02: made from an fd: no 'open'/'ready'; the fd is closed before 'close'.
#[test]
fn f02_from_an_fd_has_no_open_and_closes_the_fd() {
    isolated!(f02_from_an_fd_has_no_open_and_closes_the_fd, || {
        let p = TempPath::new("f02");
        let lp = EventLoop::new().unwrap();
        let fd: OwnedFd = std::fs::File::create(&p.0).unwrap().into();
        let before = support::fd_count();
        let ws = create_write_stream(&lp.handle(), "", WriteStreamOptions::new().fd(fd)).unwrap();
        let log = Log::default();
        log.push(format!("pending {}", ws.pending()));
        trace(&ws, &log);
        let l = log.clone();
        ws.on(CLOSE, move |_| {
            l.push(format!(
                "fd closed at close {}",
                support::fd_count() == before - 1
            ))
        });
        ws.end_with("data");
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        assert_eq!(
            log.get(),
            [
                "pending false",
                "ws:finish",
                "ws:close",
                "fd closed at close true"
            ]
        );
        assert_eq!(std::fs::read(&p.0).unwrap(), b"data");
    });
}

/// f03: open failure: queued callbacks get the error, then 'error', then 'close'.
#[test]
fn f03_open_error_fails_queued_callbacks_then_error_then_close() {
    isolated!(
        f03_open_error_fails_queued_callbacks_then_error_then_close,
        || {
            let lp = EventLoop::new().unwrap();
            let ws = create_write_stream(
                &lp.handle(),
                "/nonexistent-dir/x",
                WriteStreamOptions::new(),
            )
            .unwrap();
            let log = Log::default();
            trace(&ws, &log);
            ws.write_cb("a", log.cb("cb1"));
            ws.end_cb(log.cb("end-cb"));
            lp.run().unwrap();
            ws.emitter().remove_all_listeners(None);
            assert_eq!(
                log.get(),
                ["cb1 ENOENT", "end-cb ENOENT", "ws:error ENOENT", "ws:close"]
            );
        }
    );
}

#[test]
fn dev_full_gives_enospc() {
    isolated!(dev_full_gives_enospc, || {
        let lp = EventLoop::new().unwrap();
        let ws = create_write_stream(&lp.handle(), "/dev/full", WriteStreamOptions::new()).unwrap();
        let log = Log::default();
        trace(&ws, &log);
        ws.write_cb("x", log.cb("cb"));
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        assert_eq!(
            log.get(),
            [
                "ws:open fd===ws.fd true pending false",
                "ws:ready",
                "cb ENOSPC",
                "ws:error ENOSPC",
                "ws:close"
            ]
        );
    });
}

#[test]
fn flags_append_exclusive_and_r_plus_with_start() {
    isolated!(flags_append_exclusive_and_r_plus_with_start, || {
        let p = TempPath::new("flags");
        std::fs::write(&p.0, b"0123456789").unwrap();
        let lp = EventLoop::new().unwrap();
        let h = lp.handle();
        let ws =
            create_write_stream(&h, &p.0, WriteStreamOptions::new().flags("r+").start(3)).unwrap();
        ws.write("ab");
        ws.end_with("c");
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        assert_eq!(std::fs::read(&p.0).unwrap(), b"012abc6789");
        let ws = create_write_stream(&h, &p.0, WriteStreamOptions::new().flags("a")).unwrap();
        ws.end_with("++");
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        assert_eq!(std::fs::read(&p.0).unwrap(), b"012abc6789++");
        let ws = create_write_stream(&h, &p.0, WriteStreamOptions::new().flags("wx")).unwrap();
        let log = Log::default();
        trace(&ws, &log);
        ws.end_with("never");
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        assert_eq!(log.get(), ["ws:error EEXIST", "ws:close"]);
        assert_eq!(std::fs::read(&p.0).unwrap(), b"012abc6789++");
        let ws = create_write_stream(&h, &p.0, WriteStreamOptions::new().flags("w").mode(0o600))
            .unwrap();
        ws.end_with("new");
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        assert_eq!(std::fs::read(&p.0).unwrap(), b"new");
        let err = create_write_stream(&h, &p.0, WriteStreamOptions::new().flags("q")).unwrap_err();
        assert_eq!(err.code(), &ErrorCode::InvalidArgValue);
    });
}

#[test]
fn many_writes_with_backpressure_arrive_in_order_with_flush() {
    isolated!(
        many_writes_with_backpressure_arrive_in_order_with_flush,
        || {
            let p = TempPath::new("many");
            let lp = EventLoop::new().unwrap();
            let ws = create_write_stream(&lp.handle(), &p.0, WriteStreamOptions::new().flush(true))
                .unwrap();
            let mut expected = Vec::new();
            for i in 0..5000u32 {
                let line = format!("line {i}\n");
                expected.extend_from_slice(line.as_bytes());
                ws.write(line);
            }
            let log = Log::default();
            trace(&ws, &log);
            ws.end();
            lp.run().unwrap();
            ws.emitter().remove_all_listeners(None);
            assert_eq!(std::fs::read(&p.0).unwrap(), expected);
            assert_eq!(ws.bytes_written(), expected.len() as u64);
            assert_eq!(
                log.get(),
                [
                    "ws:open fd===ws.fd true pending false",
                    "ws:ready",
                    "ws:finish",
                    "ws:close"
                ]
            );
        }
    );
}

#[test]
fn destroy_while_opening_closes_the_file_once_open() {
    isolated!(destroy_while_opening_closes_the_file_once_open, || {
        let p = TempPath::new("destroy");
        let lp = EventLoop::new().unwrap();
        let ws = create_write_stream(&lp.handle(), &p.0, WriteStreamOptions::new()).unwrap();
        let log = Log::default();
        trace(&ws, &log);
        ws.write_cb("lost", log.cb("cb"));
        ws.destroy(None);
        lp.run().unwrap();
        ws.emitter().remove_all_listeners(None);
        // As node v20 prints: the open completes and is announced, then the file closes.
        assert_eq!(
            log.get(),
            [
                "cb ERR_STREAM_DESTROYED",
                "ws:open fd===ws.fd true pending false",
                "ws:ready",
                "ws:close"
            ]
        );
    });
}

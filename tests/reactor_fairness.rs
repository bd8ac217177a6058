//! Fairness under edge-triggered readiness: the per-turn budget, the ready list, and one
//! failing callback not dropping the rest of its batch.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use mio::unix::pipe::{Receiver, Sender};
use nodestream::{Error, ErrorCode, EventLoop, LoopHandle, PostAction, SourceId, IO_BUDGET};

type Log = Rc<RefCell<Vec<String>>>;

/// Registers a reader that reads one byte per operation, `IO_BUDGET` operations per call,
/// and logs `name:bytes` per call. It deregisters itself at EOF.
fn budget_reader(h: &LoopHandle, rx: Receiver, name: &'static str, log: &Log) -> SourceId {
    let rx = Rc::new(RefCell::new(rx));
    let id = Rc::new(RefCell::new(None::<SourceId>));
    let (rx2, id2, h2, log2) = (rx.clone(), id.clone(), h.clone(), log.clone());
    let sid = h
        .register(
            &mut *rx.borrow_mut(),
            mio::Interest::READABLE,
            move |ready| {
                assert!(ready.is_readable() || ready.is_read_closed());
                let mut n = 0;
                let mut buf = [0u8; 1];
                for _ in 0..IO_BUDGET {
                    let result = rx2.borrow_mut().read(&mut buf);
                    match result {
                        Ok(0) => {
                            log2.borrow_mut().push(format!("{name}:{n}:eof"));
                            let id = id2.borrow().unwrap();
                            h2.deregister(id, &mut *rx2.borrow_mut()).unwrap();
                            return PostAction::Continue;
                        }
                        Ok(_) => n += 1,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            log2.borrow_mut().push(format!("{name}:{n}"));
                            return PostAction::Continue;
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
                log2.borrow_mut().push(format!("{name}:{n}"));
                PostAction::Again
            },
        )
        .unwrap();
    *id.borrow_mut() = Some(sid);
    sid
}

fn pipe_with(bytes: usize) -> (Sender, Receiver) {
    let (mut tx, rx) = mio::unix::pipe::new().unwrap();
    tx.write_all(&vec![b'x'; bytes]).unwrap();
    (tx, rx)
}

#[test]
fn a_busy_source_does_not_starve_a_quiet_one_and_no_readiness_is_lost() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log: Log = Rc::default();
    let (busy_tx, busy_rx) = pipe_with(3 * IO_BUDGET + 5);
    let (quiet_tx, quiet_rx) = pipe_with(3);
    budget_reader(&h, busy_rx, "busy", &log);
    budget_reader(&h, quiet_rx, "quiet", &log);
    drop(quiet_tx);
    // Turn 1: both got an edge; busy stops on its budget, quiet drains to EOF.
    lp.run_once().unwrap();
    let budget = IO_BUDGET.to_string();
    assert_eq!(
        *log.borrow(),
        [format!("busy:{budget}"), "quiet:3:eof".to_string()]
    );
    assert!(lp.has_pending(), "busy waits on the ready list");
    // No new edge arrives (nothing more is written), yet busy is called again, each turn.
    lp.run_once().unwrap();
    lp.run_once().unwrap();
    lp.run_once().unwrap();
    assert_eq!(
        log.borrow()[2..],
        [
            format!("busy:{budget}"),
            format!("busy:{budget}"),
            "busy:5".to_string()
        ]
    );
    assert!(!lp.has_pending());
    drop(busy_tx);
    lp.run().unwrap();
    assert_eq!(log.borrow().last().unwrap(), "busy:0:eof");
}

#[test]
fn an_error_in_one_callback_keeps_the_rest_of_the_ready_batch() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let log: Log = Rc::default();
    let mut pipes = Vec::new();
    for name in ["a", "b", "c"] {
        let (tx, rx) = pipe_with(1);
        let rx = Rc::new(RefCell::new(rx));
        let (rx2, log2, h2) = (rx.clone(), log.clone(), h.clone());
        let id = h
            .register(&mut *rx.borrow_mut(), mio::Interest::READABLE, move |_| {
                let mut buf = [0u8; 8];
                while rx2.borrow_mut().read(&mut buf).is_ok() {}
                log2.borrow_mut().push(name.to_string());
                if name == "a" {
                    h2.report_error(Error::from_code(ErrorCode::Destroyed));
                }
                PostAction::Continue
            })
            .unwrap();
        pipes.push((tx, rx, id));
    }
    let err = lp.run_once().unwrap_err();
    assert_eq!(err.code(), &ErrorCode::Destroyed);
    assert_eq!(
        log.borrow().len(),
        1,
        "run_once returned right after the failing callback"
    );
    // The other two keep their readiness and run at the next turn without a new edge.
    assert!(lp.has_pending());
    lp.run_once().unwrap();
    let mut got = log.borrow().clone();
    got.sort();
    assert_eq!(got, ["a", "b", "c"]);
    for (_tx, rx, id) in pipes {
        h.deregister(id, &mut *rx.borrow_mut()).unwrap();
    }
    lp.run().unwrap();
}

#[test]
fn remove_frees_the_slot_and_later_events_are_ignored() {
    let lp = EventLoop::new().unwrap();
    let h = lp.handle();
    let (mut tx, mut rx) = pipe_with(1);
    let calls = Rc::new(RefCell::new(0));
    let c = calls.clone();
    let id = h
        .register(&mut rx, mio::Interest::READABLE, move |_| {
            *c.borrow_mut() += 1;
            PostAction::Remove
        })
        .unwrap();
    lp.run_once().unwrap();
    assert_eq!(*calls.borrow(), 1);
    assert!(
        !lp.is_alive(),
        "a removed source no longer keeps the loop alive"
    );
    tx.write_all(b"more").unwrap();
    lp.dispatch(Some(std::time::Duration::ZERO)).unwrap();
    assert_eq!(*calls.borrow(), 1);
    // The mio registration is still the caller's to undo.
    h.deregister(id, &mut rx).unwrap();
    let err = h
        .reregister(id, &mut rx, mio::Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
}

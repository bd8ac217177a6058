//! Loops for the tests: a fresh one, or one on a manual clock, and a short way to say
//! milliseconds.

use std::time::Duration;

use nodestream::{Clock, EventLoop, LoopHandle, ManualClock};

/// A fresh loop and its handle.
pub fn event_loop() -> (EventLoop, LoopHandle) {
    let el = EventLoop::new().expect("event loop");
    let lp = el.handle();
    (el, lp)
}

/// A loop on a manual clock (time moves only when the loop would sleep, straight to the
/// next deadline), its handle, and the clock.
pub fn manual_loop() -> (EventLoop, LoopHandle, ManualClock) {
    let (clock, manual) = Clock::manual();
    let lp = EventLoop::with_clock(clock).expect("event loop");
    let h = lp.handle();
    (lp, h, manual)
}

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What [`run_through_panics`] saw: the message of each panic that unwound out of the
/// loop, and each uncaught error the loop returned, in order.
#[derive(Debug, Default)]
pub struct Ran {
    pub panics: Vec<String>,
    pub errors: Vec<nodestream::Error>,
}

/// Runs `el` as a caller that catches panics does: after a panic unwinds out of the loop,
/// or an uncaught error comes back, it runs the loop again, until the loop has nothing
/// left to do and `run()` returns `Ok` at once.
///
/// Bounded, so that a hang fails the test instead of hanging the suite: the loop runs in
/// slices of `run_for`, and the test fails if it is still alive after `limit`, or if more
/// than 20 panics or errors come out.
pub fn run_through_panics(el: &EventLoop, limit: Duration) -> Ran {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let deadline = std::time::Instant::now() + limit;
    let mut ran = Ran::default();
    loop {
        match catch_unwind(AssertUnwindSafe(|| el.run_for(ms(20)))) {
            Ok(Ok(())) => {
                if !el.is_alive() && !el.has_pending() {
                    break;
                }
            }
            Ok(Err(err)) => ran.errors.push(err),
            Err(payload) => ran.panics.push(panic_message(&*payload)),
        }
        assert!(
            ran.panics.len() + ran.errors.len() <= 20,
            "the loop keeps failing: {ran:?}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the loop is still alive after {limit:?} (a hang): {ran:?}, {el:?}"
        );
    }
    // Nothing left: a real run() returns at once.
    el.run().expect("run() after the loop went idle");
    ran
}

/// The text of a panic's payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic with another payload)".to_string()
    }
}

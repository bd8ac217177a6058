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

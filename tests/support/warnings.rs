//! `log::warn!` lines captured per thread (tests run in parallel threads), for tests that
//! check what the library warns about.

use std::cell::RefCell;
use std::sync::Once;

struct Capture;

thread_local! {
    static CAPTURED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.level() == log::Level::Warn {
            CAPTURED.with(|c| c.borrow_mut().push(record.args().to_string()));
        }
    }
    fn flush(&self) {}
}

static LOGGER: Capture = Capture;
static INIT: Once = Once::new();

/// Starts capturing this thread's warnings (installing the capturing logger once per test
/// binary) and forgets what was captured before.
pub fn capture_warnings() {
    INIT.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Warn);
    });
    CAPTURED.with(|c| c.borrow_mut().clear());
}

/// The warnings this thread logged since [`capture_warnings`].
pub fn warnings() -> Vec<String> {
    CAPTURED.with(|c| c.borrow().clone())
}

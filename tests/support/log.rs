//! One event log for every test: an ordered list of lines that listeners and callbacks
//! push to, compared at the end with the exact order Node gives.

use std::cell::RefCell;
use std::rc::Rc;

use nodestream::LoopHandle;

/// A shared, ordered log of what happened (clones share one list).
#[derive(Clone, Default)]
pub struct Log(pub Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }

    /// The lines so far.
    pub fn get(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    /// A write or end callback that logs `<name> <error code or null>`.
    pub fn cb(&self, name: &'static str) -> impl FnOnce(Option<nodestream::Error>) + 'static {
        let l = self.clone();
        move |e| {
            l.push(format!(
                "{name} {}",
                e.map_or("null".into(), |e| e.code().to_string())
            ))
        }
    }

    /// A callback (timer, interval, immediate, tick) that logs `s` each time it runs.
    pub fn rec(&self, s: &'static str) -> impl Fn() + 'static {
        let l = self.clone();
        move || l.push(s)
    }

    /// A listener that logs `s` whatever the event carries.
    pub fn event<T: ?Sized + 'static>(&self, s: &'static str) -> impl Fn(&T) + 'static {
        let l = self.clone();
        move |_| l.push(s)
    }

    /// `process.nextTick(() => log(label))`.
    pub fn tick(&self, lp: &LoopHandle, label: &str) {
        let t = self.clone();
        let label = label.to_string();
        lp.next_tick(move || t.push(label));
    }

    /// `setImmediate(() => log(label))`.
    pub fn imm(&self, lp: &LoopHandle, label: &str) {
        let t = self.clone();
        let label = label.to_string();
        lp.set_immediate(move || t.push(label));
    }

    /// The last `n` lines (all of them if there are fewer).
    pub fn last(&self, n: usize) -> Vec<String> {
        let v = self.0.borrow();
        v[v.len().saturating_sub(n)..].to_vec()
    }
}

/// Compares a log with Node's trace, printing both on a mismatch.
pub fn assert_trace(log: &Log, expected: &[&str]) {
    let got = log.get();
    assert_eq!(
        got,
        expected,
        "\n--- got\n{}\n--- node\n{}",
        got.join("\n"),
        expected.join("\n")
    );
}

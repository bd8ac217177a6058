//! Test support shared by the unit tests of this crate: a log that listeners write to.

use std::cell::RefCell;
use std::rc::Rc;

/// What the listeners of a test did, in order.
pub(crate) type Log = Rc<RefCell<Vec<String>>>;

/// A listener that writes `what` to `log`.
pub(crate) fn logger(log: &Log, what: &str) -> impl Fn(&()) + 'static {
    let (log, what) = (log.clone(), what.to_string());
    move |_: &()| log.borrow_mut().push(what.clone())
}

/// Empties the log, handing back what it held.
pub(crate) fn taken(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.borrow_mut())
}

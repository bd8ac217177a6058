//! The loop's clock: the real monotonic clock, or a manual one that tests move by hand.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The time source of an [`EventLoop`](crate::EventLoop).
///
/// [`Clock::real`] reads [`Instant::now`]. [`Clock::manual`] starts at the moment it is made
/// and moves only when its [`ManualClock`] is advanced, or when the loop would otherwise
/// sleep until a timer: then the loop jumps the clock to that timer's deadline instead of
/// sleeping (as a paused clock auto-advances in tokio's test runtime), so a test runs its
/// timers in order at once, without sleeping.
///
/// # Examples
///
/// ```
/// use nodestream::{Clock, EventLoop};
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let (clock, manual) = Clock::manual();
/// let lp = EventLoop::with_clock(clock).unwrap();
/// let h = lp.handle();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// for ms in [30, 10, 20] {
///     let log = log.clone();
///     h.set_timeout(Duration::from_millis(ms), move || log.borrow_mut().push(ms));
/// }
/// lp.run().unwrap();
/// assert_eq!(*log.borrow(), [10, 20, 30]);
/// assert_eq!(manual.elapsed(), Duration::from_millis(30));
/// ```
#[derive(Clone)]
pub struct Clock {
    manual: Option<Arc<ManualState>>,
}

struct ManualState {
    base: Instant,
    offset_nanos: AtomicU64,
}

impl ManualState {
    fn now(&self) -> Instant {
        self.base + Duration::from_nanos(self.offset_nanos.load(Ordering::Acquire))
    }
}

impl Clock {
    /// The real monotonic clock ([`Instant::now`]).
    pub fn real() -> Clock {
        Clock { manual: None }
    }

    /// A manual clock, and the [`ManualClock`] that moves it.
    pub fn manual() -> (Clock, ManualClock) {
        let state = Arc::new(ManualState {
            base: Instant::now(),
            offset_nanos: AtomicU64::new(0),
        });
        (
            Clock {
                manual: Some(state.clone()),
            },
            ManualClock { state },
        )
    }

    /// The clock's current time.
    pub fn now(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(state) => state.now(),
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.manual.is_some()
    }

    /// Whether this is a manual clock moved as far as it goes (see
    /// [`ManualClock::advance`]): the loop counts it as past every deadline.
    pub(crate) fn at_end(&self) -> bool {
        matches!(&self.manual, Some(state) if state.offset_nanos.load(Ordering::Acquire) == u64::MAX)
    }

    /// Moves a manual clock forward to `t` (never backward); a no-op on the real clock.
    pub(crate) fn advance_to(&self, t: Instant) {
        if let Some(state) = &self.manual {
            let nanos = t.saturating_duration_since(state.base).as_nanos();
            let nanos = u64::try_from(nanos).unwrap_or(u64::MAX);
            state.offset_nanos.fetch_max(nanos, Ordering::AcqRel);
        }
    }
}

/// `t + d`, or the latest instant after `t` that can be represented when that overflows
/// (`Duration::MAX` means "as long as it takes", never a panic).
pub(crate) fn saturating_add(t: Instant, d: Duration) -> Instant {
    if let Some(end) = t.checked_add(d) {
        return end;
    }
    // Some instant past `t` does fit (a monotonic clock is nowhere near its end): halve
    // the step until it does, then walk on with the steps that still fit.
    let (mut end, mut step) = (t, d);
    while !step.is_zero() {
        match end.checked_add(step) {
            Some(later) => end = later,
            None => step /= 2,
        }
    }
    end
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::real()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manual {
            None => f.write_str("Clock::Real"),
            Some(state) => f
                .debug_struct("Clock::Manual")
                .field("elapsed", &state.now().duration_since(state.base))
                .finish(),
        }
    }
}

/// The hand that moves a manual [`Clock`]. `Send + Sync + Clone`.
///
/// Advancing the clock does not wake a loop blocked in poll; the loop sees the new time at
/// its next turn (drive it with [`EventLoop::dispatch`](crate::EventLoop::dispatch) or
/// [`EventLoop::run_once`](crate::EventLoop::run_once)).
#[derive(Clone)]
pub struct ManualClock {
    state: Arc<ManualState>,
}

impl ManualClock {
    /// Moves the clock forward by `d`, saturating: the clock stops at about 584 years
    /// past its start (`Duration::MAX` takes it there) and never wraps back. A loop on a
    /// clock at its end counts it as past every deadline: every timer is due, those armed
    /// afterwards included, and [`EventLoop::run_for`](crate::EventLoop::run_for) ends
    /// after one turn.
    pub fn advance(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .state
            .offset_nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                Some(now.saturating_add(nanos))
            });
    }

    /// The clock's current time.
    pub fn now(&self) -> Instant {
        self.state.now()
    }

    /// How far the clock has moved since it was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.state.offset_nanos.load(Ordering::Acquire))
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_forward() {
        let (clock, manual) = Clock::manual();
        let t0 = clock.now();
        manual.advance(Duration::from_millis(5));
        assert_eq!(clock.now() - t0, Duration::from_millis(5));
        clock.advance_to(t0 + Duration::from_millis(3));
        assert_eq!(manual.elapsed(), Duration::from_millis(5));
        clock.advance_to(t0 + Duration::from_millis(9));
        assert_eq!(manual.elapsed(), Duration::from_millis(9));
        manual.advance(Duration::MAX);
        manual.advance(Duration::MAX);
        assert_eq!(manual.elapsed(), Duration::from_nanos(u64::MAX), "wrapped");
        assert!(clock.now() > t0);
    }

    #[test]
    fn saturating_add_never_overflows() {
        let t = Instant::now();
        assert_eq!(
            saturating_add(t, Duration::from_secs(1)),
            t + Duration::from_secs(1)
        );
        let far = saturating_add(t, Duration::MAX);
        assert!(far > t + Duration::from_secs(100 * 365 * 24 * 3600));
        assert_eq!(saturating_add(far, Duration::MAX), far);
    }
}

//! Drives a nodestream event loop from inside a tokio runtime with `AsyncFd`.
//!
//! Run with `cargo run --example embed_tokio`. A current-thread tokio runtime awaits the
//! loop's epoll fd through `AsyncFd` and sleeps until the loop's `next_deadline()`; each
//! wake-up runs one non-blocking turn with `dispatch(Some(Duration::ZERO))`. Tokio tasks
//! (here, one that sleeps and then posts to the loop) run alongside.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use nodestream::{Error, EventLoop};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// Watches the loop's epoll fd from tokio.
///
/// tokio 1.54 deprecated the safe constructors in favour of `unsafe` ones whose contract is
/// that the fd stays open for the `AsyncFd`'s life. A `BorrowedFd` already guarantees that
/// through its lifetime, so the safe (deprecated) constructor is used instead of `unsafe`.
#[allow(deprecated)]
fn watch(lp: &EventLoop) -> std::io::Result<AsyncFd<BorrowedFd<'_>>> {
    AsyncFd::with_interest(lp.as_fd(), Interest::READABLE)
}

/// Runs the loop until it has nothing left to do, as a tokio future.
async fn drive(lp: &EventLoop) -> Result<(), Error> {
    let fd = watch(lp)?;
    lp.dispatch(Some(Duration::ZERO))?;
    while lp.is_alive() {
        if lp.has_pending() {
            // Work queued that needs no I/O: let tokio's tasks run, then take a turn.
            tokio::task::yield_now().await;
        } else {
            let deadline = lp.next_deadline().map(tokio::time::Instant::from_std);
            tokio::select! {
                guard = fd.readable() => guard?.clear_ready(),
                _ = async {
                    match deadline {
                        Some(t) => tokio::time::sleep_until(t).await,
                        None => std::future::pending().await,
                    }
                } => {}
            }
        }
        lp.dispatch(Some(Duration::ZERO))?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let lp = EventLoop::new()?;
    let h = lp.handle();
    h.set_timeout(Duration::from_millis(30), || {
        println!("loop: 30 ms timeout")
    });
    let h2 = h.clone();
    h.set_immediate(move || {
        println!("loop: immediate");
        h2.next_tick(|| println!("loop: tick"));
    });
    let remote = lp.remote();
    let keep = h.keep_alive();
    rt.block_on(async {
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            println!("tokio: task posts to the loop");
            remote
                .post(|| println!("loop: closure posted by a tokio task"))
                .ok();
            drop(keep);
        });
        drive(&lp).await?;
        task.await.expect("task");
        println!("host: the loop has nothing left to do");
        Ok(())
    })
}

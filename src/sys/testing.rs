//! Test support shared by the fd-touching unit tests of this crate: fd counts, flag checks,
//! pipes, and tests re-run alone in a child process.

use std::os::fd::OwnedFd;

use rustix::pipe::{pipe_with, PipeFlags};

pub(crate) use super::raw::testing::*;

/// A close-on-exec, nonblocking pipe: `(read end, write end)`.
pub(crate) fn nonblocking_pipe() -> (OwnedFd, OwnedFd) {
    pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK).unwrap()
}

/// `len` bytes of a pattern that differs with `seed`, so misplaced bytes show.
pub(crate) fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}
use std::process::Command;

/// The environment variable that tells a re-executed test binary which test to run alone.
const ISOLATED: &str = "NODESTREAM_ISOLATED_TEST";

/// Asserts that `fd` is nonblocking and close-on-exec, as every fd the crate makes is.
pub(crate) fn assert_nonblocking_cloexec(fd: impl std::os::fd::AsFd) {
    let fd = fd.as_fd();
    assert!(rustix::fs::fcntl_getfl(fd)
        .unwrap()
        .contains(rustix::fs::OFlags::NONBLOCK));
    assert!(rustix::io::fcntl_getfd(fd)
        .unwrap()
        .contains(rustix::io::FdFlags::CLOEXEC));
}

/// The number of open fds of this process.
pub(crate) fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter(|e| {
            // libtest reads /proc/self/cgroup and /sys/fs/cgroup files on its main thread
            // (available_parallelism) while the first tests run: those fds come and go and
            // are never ours. An fd that closed before readlink was transient too.
            e.as_ref()
                .ok()
                .and_then(|e| std::fs::read_link(e.path()).ok())
                .is_some_and(|t| !t.starts_with("/proc/") && !t.starts_with("/sys/"))
        })
        .count()
}

/// Runs `body` alone in a child process (this test binary, re-executed to run only the
/// test `path`, on one thread), and checks there that the body leaves the number of open
/// fds as it found it. Unit tests share one process with every other test of the crate,
/// whose fds come and go at any moment; a child process has only ours. Tests that change
/// signal state run there too.
///
/// `path` is the test's path as `module_path!()` spells it plus `::name`.
pub(crate) fn run_isolated(path: &str, body: impl FnOnce()) {
    let name = path.split_once("::").map_or(path, |(_, rest)| rest);
    if std::env::var(ISOLATED).as_deref() == Ok(name) {
        let before = fd_count();
        body();
        assert_eq!(fd_count(), before, "{name} leaked fds");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ISOLATED, name)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "isolated test {name} failed: {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

/// Runs `body` in a child process as [`run_isolated`] does, naming the test by its function.
macro_rules! isolated {
    ($name:ident, $body:expr) => {
        $crate::sys::testing::run_isolated(concat!(module_path!(), "::", stringify!($name)), $body)
    };
}
pub(crate) use isolated;

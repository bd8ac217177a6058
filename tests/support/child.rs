//! Re-running one test of this binary in a child process: for rlimits, signal
//! dispositions and exact fd counts, which other tests' threads would disturb.

use std::process::Command;

use super::fds::fd_count;

/// Environment variable that marks a child re-run of a test binary; its value is the name
/// of the test the child runs.
pub const CHILD_ENV: &str = "NODESTREAM_TEST_CHILD";

/// True in a process started by [`run_child`] or [`isolated`].
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Re-runs this test binary for the one test `name` (`--exact`, one thread, plus `extra`
/// arguments) with [`CHILD_ENV`] set to `name`, and asserts the run passed that test.
fn rerun(name: &str, extra: &[&str]) {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .args(extra)
        .env(CHILD_ENV, name)
        .output()
        .expect("spawn child test process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child test {name} failed: {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

/// Runs the `#[ignore]`d test `name` (its full path in this binary, e.g. `child_emfile`)
/// in a child process of this test binary, with [`CHILD_ENV`] set, and asserts it passed.
/// The child test returns at once when `!in_child()`, so even `--ignored` runs of the
/// suite only do its work through here.
pub fn run_child(name: &str) {
    rerun(name, &["--ignored"]);
}

/// Runs `body` alone in a child process (this test binary re-run for the test `name`
/// only), where the fd count before and after must match. Tests of one binary share a
/// process whose fds come and go; the child has only ours.
pub fn isolated(name: &str, body: impl FnOnce()) {
    if std::env::var(CHILD_ENV).as_deref() != Ok(name) {
        return rerun(name, &[]);
    }
    let before = fd_count();
    body();
    if fd_count() != before {
        for e in std::fs::read_dir("/proc/self/fd").unwrap() {
            let e = e.unwrap();
            eprintln!("{:?} -> {:?}", e.file_name(), std::fs::read_link(e.path()));
        }
    }
    assert_eq!(fd_count(), before, "{name} leaked fds");
}

/// Runs the test body in a child process; the test function's name is the filter.
#[macro_export]
macro_rules! isolated {
    ($name:ident, $body:expr) => {
        $crate::support::isolated(stringify!($name), $body)
    };
}

/// Sets SIGPIPE to its default action (kill), as a C host leaves it.
pub fn sigpipe_default() {
    // SAFETY: SIG_DFL is a valid disposition; no handler is involved.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

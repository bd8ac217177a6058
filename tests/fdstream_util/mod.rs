//! Helpers shared by the fd-stream integration tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::process::Command;
use std::rc::Rc;

/// The environment variable naming the one test a re-executed test binary runs.
const ISOLATED: &str = "NODESTREAM_FDSTREAM_ISOLATED";

/// Open fds of this process.
pub fn fd_count() -> usize {
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

/// Runs `body` alone in a child process (this test binary re-run for the test `name`
/// only), where the fd count before and after must match. Tests of one binary share a
/// process whose fds come and go; the child has only ours.
pub fn isolated(name: &str, body: impl FnOnce()) {
    if std::env::var(ISOLATED).as_deref() == Ok(name) {
        let before = fd_count();
        body();
        if fd_count() != before {
            for e in std::fs::read_dir("/proc/self/fd").unwrap() {
                let e = e.unwrap();
                eprintln!("{:?} -> {:?}", e.file_name(), std::fs::read_link(e.path()));
            }
        }
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

/// Runs the test body in a child process; the test function's name is the filter.
#[macro_export]
macro_rules! isolated {
    ($name:ident, $body:expr) => {
        $crate::fdstream_util::isolated(stringify!($name), $body)
    };
}

/// A shared event log.
#[derive(Clone, Default)]
pub struct Log(pub Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn push(&self, s: impl Into<String>) {
        self.0.borrow_mut().push(s.into());
    }
    pub fn get(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
    pub fn cb(&self, name: &'static str) -> impl FnOnce(Option<nodestream::Error>) + 'static {
        let l = self.clone();
        move |e| {
            l.push(format!(
                "{name} {}",
                e.map_or("null".into(), |e| e.code().to_string())
            ))
        }
    }
}

/// Sets SIGPIPE to its default action (kill), as a C host leaves it.
pub fn sigpipe_default() {
    // SAFETY: SIG_DFL is a valid disposition; no handler is involved.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
}

/// A unique temp path, removed on drop.
pub struct TempPath(pub std::path::PathBuf);

impl TempPath {
    pub fn new(tag: &str) -> TempPath {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        TempPath(std::env::temp_dir().join(format!(
            "nodestream-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )))
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(seed)
                .wrapping_add((i >> 8) as u8)
        })
        .collect()
}

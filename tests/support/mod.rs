//! Helpers shared by the reliability, fault, model and load tests: an fd-count guard,
//! child-process re-runs (for rlimits, signals and exact fd counts), pipes and flags, and
//! deterministic test data.
#![allow(dead_code)]

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::Command;

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
use std::sync::{Mutex, MutexGuard};

/// Taken by every test of a binary that opens or closes descriptors, so the count in
/// /proc/self/fd is not disturbed by a test running in parallel.
static FD_LOCK: Mutex<()> = Mutex::new(());

/// Environment variable that marks a child re-run of a test binary.
pub const CHILD_ENV: &str = "NODESTREAM_TEST_CHILD";

/// Number of open descriptors of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
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

/// The descriptors open in this process, as numbers (for a message when a count differs).
pub fn fd_list() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .filter_map(|e| {
            let e = e.ok()?;
            let target = std::fs::read_link(e.path()).ok()?;
            Some(format!(
                "{}->{}",
                e.file_name().to_string_lossy(),
                target.display()
            ))
        })
        .collect();
    v.sort();
    v
}

/// Resident set size of this process in KiB (`VmRSS`), and its peak (`VmHWM`).
pub fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Holds the fd lock and the count of open descriptors at its creation; on drop (unless the
/// test is already failing) asserts the count is the same again.
pub struct FdCheck {
    before: usize,
    list: Vec<String>,
    _lock: MutexGuard<'static, ()>,
}

impl FdCheck {
    pub fn start() -> FdCheck {
        let lock = FD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        FdCheck {
            before: fd_count(),
            list: fd_list(),
            _lock: lock,
        }
    }

    pub fn before(&self) -> usize {
        self.before
    }

    /// Asserts now that the count is back to where it started.
    pub fn assert_same(&self) {
        let now = fd_count();
        assert_eq!(
            now,
            self.before,
            "descriptors leaked or closed:\nbefore {:?}\nafter  {:?}",
            self.list,
            fd_list()
        );
    }
}

impl Drop for FdCheck {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_same();
        }
    }
}

/// True in a process started by [`run_child`].
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs the `#[ignore]`d test `name` (its full path in this binary, e.g. `child_emfile`)
/// in a child process of this test binary, with [`CHILD_ENV`] set, and asserts it passed.
/// The child test returns at once when `!in_child()`, so even `--ignored` runs of the
/// suite only do its work through here.
pub fn run_child(name: &str) {
    let exe = std::env::current_exe().expect("current_exe");
    let out = Command::new(exe)
        .args([
            name,
            "--exact",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
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

/// A pipe, both ends close-on-exec.
pub fn pipe() -> (OwnedFd, OwnedFd) {
    rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).expect("pipe")
}

pub fn is_cloexec(fd: impl AsFd) -> bool {
    rustix::io::fcntl_getfd(fd)
        .expect("F_GETFD")
        .contains(rustix::io::FdFlags::CLOEXEC)
}

pub fn is_nonblocking(fd: impl AsFd) -> bool {
    rustix::fs::fcntl_getfl(fd)
        .expect("F_GETFL")
        .contains(rustix::fs::OFlags::NONBLOCK)
}

/// Whether two descriptors refer to the same file (device and inode).
pub fn same_file(a: impl AsFd, b: impl AsFd) -> bool {
    let (a, b) = (rustix::fs::fstat(a).unwrap(), rustix::fs::fstat(b).unwrap());
    (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
}

/// `n` bytes of a deterministic pseudo-random sequence (xorshift) from `seed`.
pub fn data(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(n);
    v
}

/// FNV-1a over `bytes`, continuing from `h` (start with [`FNV_START`]).
pub fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// FNV-1a's offset basis.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// How many proptest cases to run: `PROPTEST_CASES` if set, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Whether the heavy variants run (`NODESTREAM_HEAVY=1`).
pub fn heavy() -> bool {
    std::env::var_os("NODESTREAM_HEAVY").is_some()
}

/// Lowers the soft limit to one above the highest open fd and takes every free number
/// below it, so that no new descriptor can be made. Returns the holders and the saved
/// limit; [`lift`] undoes it.
pub fn at_the_limit() -> (Vec<OwnedFd>, Rlimit) {
    let highest = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap();
    let mut holders = Vec::new();
    loop {
        let fd = rustix::fs::open(
            "/dev/null",
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        if fd.as_raw_fd() as u64 > highest {
            break;
        }
        holders.push(fd);
    }
    let saved = getrlimit(Resource::Nofile);
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(highest + 1),
            maximum: saved.maximum,
        },
    )
    .unwrap();
    let probe = rustix::fs::open(
        "/dev/null",
        rustix::fs::OFlags::RDONLY,
        rustix::fs::Mode::empty(),
    );
    assert_eq!(
        probe.err(),
        Some(rustix::io::Errno::MFILE),
        "not at the limit"
    );
    (holders, saved)
}

/// Undoes [`at_the_limit`]: closes the holders and restores the saved limit.
pub fn lift(holders: Vec<OwnedFd>, saved: Rlimit) {
    drop(holders);
    setrlimit(Resource::Nofile, saved).unwrap();
}

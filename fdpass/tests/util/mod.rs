//! Helpers shared by the fdpass integration tests: an fd-count guard, flag checks, child
//! processes, and small send/receive wrappers.
#![allow(dead_code)]

use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Command, ExitStatus};
use std::sync::{Mutex, MutexGuard};

use nodestream_fdpass::{control_space, recv_with_fds, Received, RecvError};

/// Taken by every test that opens or closes descriptors, so the count in /proc/self/fd is
/// not disturbed by a test running in parallel.
static FD_LOCK: Mutex<()> = Mutex::new(());

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

/// Holds the fd lock and the count of open descriptors at its creation; on drop (unless the
/// test is already failing) asserts the count is the same again.
pub struct FdCheck {
    before: usize,
    _lock: MutexGuard<'static, ()>,
}

impl FdCheck {
    pub fn start() -> FdCheck {
        let lock = FD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        FdCheck {
            before: fd_count(),
            _lock: lock,
        }
    }

    pub fn before(&self) -> usize {
        self.before
    }
}

impl Drop for FdCheck {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert_eq!(fd_count(), self.before, "descriptors leaked or closed");
        }
    }
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

/// One receive with room for `max_fds`; returns the bytes and the descriptors.
pub fn recv(
    socket: impl AsFd,
    buf_len: usize,
    max_fds: usize,
) -> Result<(Vec<u8>, Vec<OwnedFd>, Received), RecvError> {
    let mut buf = vec![0u8; buf_len];
    let mut control = vec![MaybeUninit::uninit(); control_space(max_fds)];
    let mut fds = Vec::new();
    let got = recv_with_fds(socket, &mut buf, &mut control, &mut fds)?;
    assert_eq!(got.fds, fds.len());
    buf.truncate(got.bytes);
    Ok((buf, fds, got))
}

/// Runs the `#[ignore]`d test `name` of this test binary in a child process with
/// `FDPASS_CHILD=1` and returns how it ended.
pub fn run_child(name: &str) -> ExitStatus {
    let exe = std::env::current_exe().expect("current_exe");
    Command::new(exe)
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("FDPASS_CHILD", "1")
        .status()
        .expect("spawn child test process")
}

/// True in a process started by [`run_child`]; the child-only tests return at once
/// otherwise (they are `#[ignore]`d, so only an explicit `--ignored` run reaches them).
pub fn in_child() -> bool {
    std::env::var_os("FDPASS_CHILD").is_some()
}

//! Descriptors: counting them (with the lock that keeps a count undisturbed), making pipes
//! and socket pairs, reading flags back, and filling the table up to `RLIMIT_NOFILE`.

use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

/// Taken by every test of a binary that opens or closes descriptors, so the count in
/// /proc/self/fd is not disturbed by a test running in parallel.
static FD_LOCK: Mutex<()> = Mutex::new(());

/// Takes the fd-counting lock (a failed test does not poison it for the others).
pub fn fd_lock() -> MutexGuard<'static, ()> {
    FD_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

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

/// Holds the fd lock and the count of open descriptors at its creation; on drop (unless the
/// test is already failing) asserts the count is the same again.
pub struct FdCheck {
    before: usize,
    list: Vec<String>,
    _lock: MutexGuard<'static, ()>,
}

impl FdCheck {
    pub fn start() -> FdCheck {
        let lock = fd_lock();
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

/// A pipe, both ends close-on-exec: `(read end, write end)`.
pub fn pipe() -> (OwnedFd, OwnedFd) {
    rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).expect("pipe")
}

/// A connected pair of Unix sockets of `kind`, both close-on-exec.
pub fn socketpair(kind: rustix::net::SocketType) -> (OwnedFd, OwnedFd) {
    rustix::net::socketpair(
        rustix::net::AddressFamily::UNIX,
        kind,
        rustix::net::SocketFlags::CLOEXEC,
        None,
    )
    .expect("socketpair")
}

/// `/dev/null`, opened for reading (close-on-exec, as std opens files).
pub fn dev_null() -> OwnedFd {
    std::fs::File::open("/dev/null")
        .expect("open /dev/null")
        .into()
}

/// Everything `fd` yields until end of file (the writer is gone).
pub fn read_all(fd: OwnedFd) -> Vec<u8> {
    let mut got = Vec::new();
    std::fs::File::from(fd)
        .read_to_end(&mut got)
        .expect("read to end");
    got
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

/// [`at_the_limit`], then the soft limit raised by `free`: exactly `free` new descriptors
/// can be made (the next `free` numbers). [`lift`] undoes it.
pub fn room_for(free: u64) -> (Vec<OwnedFd>, Rlimit) {
    let (holders, saved) = at_the_limit();
    let now = getrlimit(Resource::Nofile);
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: now.current.map(|n| n + free),
            maximum: now.maximum,
        },
    )
    .unwrap();
    (holders, saved)
}

/// Undoes [`at_the_limit`]: closes the holders and restores the saved limit.
pub fn lift(holders: Vec<OwnedFd>, saved: Rlimit) {
    drop(holders);
    setrlimit(Resource::Nofile, saved).unwrap();
}

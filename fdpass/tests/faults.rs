//! Faults give clear errors and leak nothing: truncated control data, the open-file limit,
//! a peer that is gone, signals, and peer identity.

mod util;

use std::io::{self, Write};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nodestream_fdpass::{
    control_space, peer_credentials, peer_pidfd, recv_with_fds, send_with_fds, socketpair,
    PidfdError, RecvError, SocketKind, Truncated, TruncationCause,
};
use util::{fd_count, in_child, pipe, recv, run_child, FdCheck};

/// A control buffer of exactly `CMSG_SPACE(sizeof(int))` bytes, aligned, as a C receiver
/// with room for one fd would use.
#[repr(C, align(8))]
struct RoomForOneFd([MaybeUninit<u8>; 24]);

#[test]
fn truncated_control_data_closes_what_arrived_and_reports_its_own_error() {
    let check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = pipe();
    send_with_fds(&a, b"abc", &[r.as_fd(), w.as_fd(), r.as_fd()]).unwrap();
    send_with_fds(&a, b"next", &[]).unwrap();
    let mut control = RoomForOneFd([MaybeUninit::uninit(); 24]);
    let mut buf = [0u8; 3];
    let mut fds: Vec<OwnedFd> = Vec::new();
    let before = fd_count();
    let err = recv_with_fds(&b, &mut buf, &mut control.0, &mut fds).unwrap_err();
    assert_eq!(fd_count(), before, "fds that arrived must be closed");
    let RecvError::Truncated(t) = err else {
        panic!("expected Truncated, got {err:?}")
    };
    assert!(fds.is_empty());
    // The data did arrive; the kernel fitted 2 fds in CMSG_SPACE(4) and both were closed.
    assert_eq!((t.bytes(), &buf), (3, b"abc"));
    assert_eq!(t.fds_closed(), 2);
    assert_eq!(t.cause(), TruncationCause::ControlBuffer);
    // The stream goes on.
    let (bytes, fds, _) = recv(&b, 8, 1).unwrap();
    assert_eq!((bytes.as_slice(), fds.len()), (&b"next"[..], 0));
    drop((r, w, a, b));
    drop(check);
}

#[test]
fn no_control_buffer_at_all_is_truncation_too() {
    let _check = FdCheck::start();
    let (a, b) = socketpair(SocketKind::SeqPacket, false).unwrap();
    let (r, _w) = pipe();
    send_with_fds(&a, b"x", &[r.as_fd()]).unwrap();
    let mut fds: Vec<OwnedFd> = Vec::new();
    let err = recv_with_fds(&b, &mut [0u8; 1], &mut [], &mut fds).unwrap_err();
    let io: io::Error = err.into();
    let t = Truncated::from_io_error(&io).expect("a Truncated inside the io::Error");
    assert_eq!((t.bytes(), t.fds_closed()), (1, 0));
    assert_eq!(t.cause(), TruncationCause::ControlBuffer);
}

/// Child: with the soft RLIMIT_NOFILE at the number of open fds, nothing can be installed.
#[test]
#[ignore = "child process entry; run by emfile_on_receive_is_a_clear_error_without_leaks"]
fn child_emfile_no_room() {
    if in_child() {
        at_fd_limit(0);
    }
}

/// Child: the limit leaves room for one of three fds, which arrives and is closed.
#[test]
#[ignore = "child process entry; run by emfile_on_receive_is_a_clear_error_without_leaks"]
fn child_emfile_room_for_one() {
    if in_child() {
        at_fd_limit(1);
    }
}

fn at_fd_limit(spare: u64) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = pipe();
    send_with_fds(&a, b"xyz", &[r.as_fd(), w.as_fd(), r.as_fd()]).unwrap();
    let mut buf = [0u8; 8];
    let mut control = [MaybeUninit::uninit(); control_space(3)];
    let mut fds: Vec<OwnedFd> = Vec::with_capacity(3);
    let highest = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .unwrap();
    // New fds take the lowest free numbers: fill every gap up to `highest`, so that the
    // limit `highest + 1 + spare` leaves room for exactly `spare` more.
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
    let before = fd_count();
    let saved = getrlimit(Resource::Nofile);
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(highest + 1 + spare),
            maximum: saved.maximum,
        },
    )
    .unwrap();
    let result = recv_with_fds(&b, &mut buf, &mut control, &mut fds);
    setrlimit(Resource::Nofile, saved).unwrap();
    let err = result.unwrap_err();
    assert_eq!(fd_count(), before, "no fd may leak at the limit");
    let RecvError::Truncated(t) = err else {
        panic!("expected Truncated, got {err:?}")
    };
    assert_eq!(t.cause(), TruncationCause::FdLimit, "{t}");
    assert_eq!((t.bytes(), &buf[..3]), (3, &b"xyz"[..]));
    assert_eq!(t.fds_closed() as u64, spare);
    assert!(t.to_string().contains("EMFILE"), "{t}");
    assert!(fds.is_empty());
}

#[test]
fn emfile_on_receive_is_a_clear_error_without_leaks() {
    // Spawning makes transient fds; hold the lock so no fd count runs meanwhile.
    let _check = FdCheck::start();
    for name in ["child_emfile_no_room", "child_emfile_room_for_one"] {
        let status = run_child(name);
        assert!(status.success(), "{name}: {status}");
    }
}

/// Child: SIGPIPE back at its default action, as in a C or Node process.
#[test]
#[ignore = "child process entry; run by peer_gone_is_epipe_never_sigpipe"]
fn child_epipe_without_sigpipe() {
    if !in_child() {
        return;
    }
    // SAFETY: resetting a signal disposition to its default has no memory-safety
    // preconditions; this process runs only this test.
    let old = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(old, libc::SIG_ERR);
    for kind in [SocketKind::Stream, SocketKind::SeqPacket] {
        let (a, b) = socketpair(kind, false).unwrap();
        let (r, _w) = pipe();
        drop(b);
        let err = send_with_fds(&a, b"x", &[r.as_fd()]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{kind:?}: {err}");
        assert_eq!(err.raw_os_error(), Some(libc::EPIPE));
    }
}

#[test]
fn peer_gone_is_epipe_never_sigpipe() {
    let _check = FdCheck::start();
    let status = run_child("child_epipe_without_sigpipe");
    assert!(
        status.success(),
        "child ended by {status} (SIGPIPE would be signal 13)"
    );
}

#[test]
fn peer_closed_with_data_unread_is_econnreset() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let (r, _w) = pipe();
    send_with_fds(&a, b"unread", &[r.as_fd()]).unwrap();
    drop(b); // closes with our bytes (and fd) unread
    let err = recv(&a, 8, 1).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    // And writing now is EPIPE.
    let err = send_with_fds(&a, b"x", &[]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
}

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_: libc::c_int) {
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn eintr_is_retried_by_a_blocked_receive() {
    use std::os::unix::thread::JoinHandleExt;
    let _check = FdCheck::start();
    // SAFETY: installs a handler that only bumps an atomic (async-signal-safe), without
    // SA_RESTART so that a blocked recvmsg fails with EINTR. Only the thread below is ever
    // sent SIGUSR1.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = count_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    let (a, b) = UnixStream::pair().unwrap();
    let receiver = std::thread::spawn(move || recv(&b, 8, 1).map(|(bytes, fds, _)| (bytes, fds)));
    let before = SIGNALS.load(Ordering::SeqCst);
    for _ in 0..10 {
        std::thread::sleep(Duration::from_millis(10));
        // SAFETY: the thread has not been joined, so its pthread_t is valid.
        let rc = unsafe { libc::pthread_kill(receiver.as_pthread_t(), libc::SIGUSR1) };
        assert_eq!(rc, 0);
    }
    std::thread::sleep(Duration::from_millis(10));
    assert!(SIGNALS.load(Ordering::SeqCst) > before);
    let (r, _w) = pipe();
    send_with_fds(&a, b"late", &[r.as_fd()]).unwrap();
    let (bytes, fds) = receiver.join().unwrap().expect("EINTR must be retried");
    assert_eq!((bytes.as_slice(), fds.len()), (&b"late"[..], 1));
}

#[test]
fn peer_credentials_name_this_process() {
    let _check = FdCheck::start();
    let (a, _b) = socketpair(SocketKind::SeqPacket, false).unwrap();
    let cred = peer_credentials(&a).unwrap();
    assert_eq!(cred.pid as u32, std::process::id());
    assert_eq!(cred.uid, rustix::process::getuid().as_raw());
    assert_eq!(cred.gid, rustix::process::getgid().as_raw());
    let (r, _w) = pipe();
    assert_eq!(
        peer_credentials(&r).unwrap_err().raw_os_error(),
        Some(libc::ENOTSOCK)
    );
}

/// The "Pid:" line of /proc/self/fdinfo for a pidfd.
fn pidfd_pid(fd: &OwnedFd) -> i64 {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pid:"))
        .expect("a pidfd has a Pid: line")
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn peer_pidfd_names_the_peer_or_says_why_not() {
    let _check = FdCheck::start();
    let (a, _b) = UnixStream::pair().unwrap();
    match peer_pidfd(&a) {
        Ok(pidfd) => {
            assert_eq!(pidfd_pid(&pidfd), i64::from(std::process::id()));
            assert!(util::is_cloexec(&pidfd));
        }
        // Kernels before 6.5: the one other acceptable answer.
        Err(PidfdError::Unsupported) => {}
        Err(e) => panic!("{e:?}"),
    }
}

/// Child: connects to the socket named by FDPASS_SOCKET, then exits.
#[test]
#[ignore = "child process entry; run by peer_pidfd_of_an_exited_peer_is_peer_gone"]
fn child_connect_and_exit() {
    if in_child() {
        let path = std::env::var_os("FDPASS_SOCKET").unwrap();
        let mut s = UnixStream::connect(path).unwrap();
        s.write_all(b"bye").unwrap();
    }
}

#[test]
fn peer_pidfd_of_an_exited_peer_is_peer_gone() {
    let _check = FdCheck::start();
    let path = std::env::temp_dir().join(format!("fdpass-peer-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new(exe)
        .args([
            "child_connect_and_exit",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("FDPASS_CHILD", "1")
        .env("FDPASS_SOCKET", &path)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap(); // waits, so the child is reaped
    assert!(status.success());
    let (conn, _) = listener.accept().unwrap();
    std::fs::remove_file(&path).unwrap();
    let cred = peer_credentials(&conn).unwrap();
    assert_ne!(cred.pid as u32, std::process::id());
    let supported = !matches!(peer_pidfd(&listener), Err(PidfdError::Unsupported));
    match peer_pidfd(&conn) {
        Err(PidfdError::PeerGone) => assert!(supported),
        Err(PidfdError::Unsupported) => assert!(!supported),
        other => panic!("expected PeerGone, got {other:?}"),
    }
}

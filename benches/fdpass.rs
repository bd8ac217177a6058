//! Benchmark: one-thread round trips over a socketpair, each sending 1 byte + 1 fd,
//! receiving it and closing the received fd, 200,000 times.
//!
//! Run with `cargo bench --bench fdpass`. The same loop runs on `nodestream::fdpass` and on
//! two raw baselines, in alternating rounds; each loop's median round is reported, with the
//! min-max beside it:
//! - `raw libc`: the C loop, `sendmsg`/`recvmsg`/`close` through the C library, no checks;
//!   this is the baseline of the ratio;
//! - `raw rustix`: rustix's `sendmsg`/`recvmsg`, which make the syscalls inline rather than
//!   through the C library, shown for reference.
//!
//! Each loop is timed by wall clock and by this thread's CPU time (user + system, which on
//! one thread is all the work of the loop). On a shared machine the CPU time is the steadier
//! measure, so the ratios use it; the wall-clock rates are printed alongside.

mod support;

use support::Stat;

use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nodestream::fdpass::{control_space, recv_with_fds, send_with_fds, socketpair, SocketKind};
use rustix::io::{IoSlice, IoSliceMut};
use rustix::net::{
    recvmsg, sendmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags,
};

use support::thread_cpu;

const ITERATIONS: u32 = 200_000;
const ROUNDS: u32 = 5;

/// Wall-clock and thread CPU time of one loop.
#[derive(Clone, Copy)]
struct Times {
    wall: Duration,
    cpu: Duration,
}

struct Start {
    wall: Instant,
    cpu: Duration,
}

impl Start {
    fn now() -> Start {
        Start {
            wall: Instant::now(),
            cpu: thread_cpu(),
        }
    }

    fn elapsed(&self) -> Times {
        Times {
            wall: self.wall.elapsed(),
            cpu: thread_cpu() - self.cpu,
        }
    }
}

fn fdpass_loop(a: BorrowedFd<'_>, b: BorrowedFd<'_>, fd: BorrowedFd<'_>, n: u32) -> Times {
    let mut buf = [0u8; 1];
    let mut control = [MaybeUninit::uninit(); control_space(1)];
    let mut fds: Vec<OwnedFd> = Vec::with_capacity(1);
    let start = Start::now();
    for _ in 0..n {
        send_with_fds(a, b"x", &[fd]).expect("send");
        let got = recv_with_fds(b, &mut buf, &mut control, &mut fds).expect("recv");
        debug_assert_eq!((got.bytes, got.fds), (1, 1));
        fds.clear(); // close the received fd
    }
    let elapsed = start.elapsed();
    assert!(fds.is_empty());
    elapsed
}

fn rustix_loop(a: BorrowedFd<'_>, b: BorrowedFd<'_>, fd: BorrowedFd<'_>, n: u32) -> Times {
    let mut buf = [0u8; 1];
    let mut send_space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut recv_space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let fds = [fd];
    let start = Start::now();
    for _ in 0..n {
        let mut control = SendAncillaryBuffer::new(&mut send_space);
        control.push(SendAncillaryMessage::ScmRights(&fds));
        sendmsg(a, &[IoSlice::new(b"x")], &mut control, SendFlags::NOSIGNAL).expect("sendmsg");
        let mut control = RecvAncillaryBuffer::new(&mut recv_space);
        let msg = recvmsg(
            b,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        )
        .expect("recvmsg");
        debug_assert_eq!(msg.bytes, 1);
        for m in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = m {
                fds.for_each(drop); // close the received fd
            }
        }
    }
    start.elapsed()
}

fn libc_loop(a: BorrowedFd<'_>, b: BorrowedFd<'_>, fd: BorrowedFd<'_>, n: u32) -> Times {
    #[repr(C, align(8))]
    struct Control([u8; 32]);
    let (a, b, fd) = (a.as_raw_fd(), b.as_raw_fd(), fd.as_raw_fd());
    let mut byte = b'x';
    let mut send_control = Control([0; 32]);
    let mut recv_control = Control([0; 32]);
    let start = Start::now();
    for _ in 0..n {
        let mut iov = libc::iovec {
            iov_base: (&mut byte as *mut u8).cast(),
            iov_len: 1,
        };
        // SAFETY: the msghdr points at a live iovec of one byte and a live, aligned control
        // buffer of 32 bytes (CMSG_SPACE(4) = 24 of them used for sending); CMSG_FIRSTHDR of
        // a buffer that large is non-null and CMSG_DATA has room for one int; the fd
        // received is ours to close.
        unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = send_control.0.as_mut_ptr().cast();
            msg.msg_controllen = libc::CMSG_SPACE(4) as _;
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(4) as _;
            libc::CMSG_DATA(cmsg).cast::<i32>().write_unaligned(fd);
            assert_eq!(libc::sendmsg(a, &msg, libc::MSG_NOSIGNAL), 1);

            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = recv_control.0.as_mut_ptr().cast();
            msg.msg_controllen = 32;
            assert_eq!(libc::recvmsg(b, &mut msg, libc::MSG_CMSG_CLOEXEC), 1);
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            assert!(!cmsg.is_null());
            libc::close(libc::CMSG_DATA(cmsg).cast::<i32>().read_unaligned());
        }
    }
    start.elapsed()
}

fn rate(d: Duration) -> f64 {
    f64::from(ITERATIONS) / d.as_secs_f64()
}

fn main() {
    let (a, b) = socketpair(SocketKind::Stream, false).expect("socketpair");
    let (r, _w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).expect("pipe");
    let (a, b, fd) = (a.as_fd(), b.as_fd(), r.as_fd());

    // Warm up every path.
    fdpass_loop(a, b, fd, 20_000);
    libc_loop(a, b, fd, 20_000);
    rustix_loop(a, b, fd, 20_000);

    let mut runs: [Vec<Times>; 3] = Default::default();
    for round in 1..=ROUNDS {
        let times = [
            libc_loop(a, b, fd, ITERATIONS),
            fdpass_loop(a, b, fd, ITERATIONS),
            rustix_loop(a, b, fd, ITERATIONS),
        ];
        println!(
            "round {round}: per CPU second: rust {:>7.0}  raw libc {:>7.0}  raw rustix {:>7.0}",
            rate(times[1].cpu),
            rate(times[0].cpu),
            rate(times[2].cpu),
        );
        for (runs, time) in runs.iter_mut().zip(times) {
            runs.push(time);
        }
    }
    let stats = |runs: &[Times]| {
        (
            Stat::of(runs.iter().map(|t| t.cpu.as_secs_f64()).collect()),
            Stat::of(runs.iter().map(|t| t.wall.as_secs_f64()).collect()),
        )
    };
    let [libc, rust, rustix] = [stats(&runs[0]), stats(&runs[1]), stats(&runs[2])];
    let per = |s: f64| ITERATIONS as f64 / s;
    println!("fdpass round trip, 1 byte + 1 fd, {ITERATIONS} iterations, {ROUNDS} rounds: median (min-max)");
    for (name, (cpu, wall)) in [
        ("rust (nodestream::fdpass)", rust),
        ("raw libc (the C loop)", libc),
        ("raw rustix (inline syscall)", rustix),
    ] {
        println!(
            "  {name:<28} {:>9.0} fds/CPU-s  {:>9.0} fds/s (wall)  cpu {cpu}  wall {wall}",
            per(cpu.median),
            per(wall.median)
        );
    }
    println!(
        "  ratio rust/raw libc (median rates, cpu):   {:.3}",
        libc.0.median / rust.0.median
    );
    println!(
        "  ratio rust/raw rustix (median rates, cpu): {:.3}",
        rustix.0.median / rust.0.median
    );
}

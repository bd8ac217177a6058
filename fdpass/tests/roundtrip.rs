//! Descriptors arrive as the objects that were sent, in order, close-on-exec, in every size
//! and on every kind of Unix socket.

mod util;

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem::MaybeUninit;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixStream};

use nodestream_fdpass::{
    control_space, recv_with_fds, send_with_fds, socketpair, SocketKind, MAX_FDS,
};
use util::{is_cloexec, is_nonblocking, pipe, recv, same_file, FdCheck};

/// `n` memfds, the i-th `i + 1` bytes long, so each can be told apart by its size.
fn numbered_files(n: usize) -> Vec<OwnedFd> {
    (0..n)
        .map(|i| {
            let fd = rustix::fs::memfd_create("fdpass-test", rustix::fs::MemfdFlags::CLOEXEC)
                .expect("memfd_create");
            rustix::fs::ftruncate(&fd, i as u64 + 1).unwrap();
            fd
        })
        .collect()
}

fn size_of(fd: impl AsFd) -> u64 {
    rustix::fs::fstat(fd).unwrap().st_size as u64
}

fn borrow_all(fds: &[OwnedFd]) -> Vec<BorrowedFd<'_>> {
    fds.iter().map(|f| f.as_fd()).collect()
}

#[test]
fn zero_one_two_and_253_fds_arrive_in_order() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    for n in [0, 1, 2, MAX_FDS] {
        let files = numbered_files(n);
        let sent = send_with_fds(&a, b"msg", &borrow_all(&files)).unwrap();
        assert_eq!(sent, 3);
        let (bytes, fds, got) = recv(&b, 16, n).unwrap();
        assert_eq!(bytes, b"msg", "{n} fds");
        assert_eq!(got.fds, n);
        assert!(!got.data_truncated);
        assert_eq!(got.credentials, None);
        for (i, (fd, file)) in fds.iter().zip(&files).enumerate() {
            assert_eq!(size_of(fd), i as u64 + 1, "fd {i} of {n} out of order");
            assert!(same_file(fd, file));
            assert!(is_cloexec(fd), "fd {i} of {n} lacks FD_CLOEXEC");
        }
    }
}

#[test]
fn received_fds_are_cloexec_even_when_the_sent_ones_are_not() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = rustix::pipe::pipe().unwrap(); // no O_CLOEXEC
    assert!(!is_cloexec(&r) && !is_cloexec(&w));
    send_with_fds(&a, b"x", &[r.as_fd(), w.as_fd()]).unwrap();
    let (_, fds, _) = recv(&b, 1, 2).unwrap();
    assert_eq!(fds.len(), 2);
    assert!(fds.iter().all(is_cloexec));
}

#[test]
fn passed_pipe_end_writes_into_the_same_pipe() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let (r, w) = pipe();
    send_with_fds(&a, b"w", &[w.as_fd()]).unwrap();
    drop(w); // the receiver's copy keeps the pipe open
    let (_, mut fds, _) = recv(&b, 1, 1).unwrap();
    let mut passed = std::fs::File::from(fds.pop().unwrap());
    passed.write_all(b"through the passed end").unwrap();
    drop(passed);
    let mut text = String::new();
    std::fs::File::from(r).read_to_string(&mut text).unwrap();
    assert_eq!(text, "through the passed end");
}

#[test]
fn passed_file_reads_its_contents() {
    let _check = FdCheck::start();
    let path = std::env::temp_dir().join(format!("fdpass-test-{}", std::process::id()));
    let mut file = std::fs::File::create_new(&path).unwrap();
    std::fs::remove_file(&path).unwrap(); // only the descriptor names it now
    file.write_all(b"contents of an unlinked file").unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    let (a, b) = UnixDatagram::pair().unwrap();
    send_with_fds(&a, b"f", &[file.as_fd()]).unwrap();
    drop(file);
    let (_, mut fds, _) = recv(&b, 1, 1).unwrap();
    let mut text = String::new();
    std::fs::File::from(fds.pop().unwrap())
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "contents of an unlinked file");
}

#[test]
fn passed_listening_socket_accepts_connections() {
    let _check = FdCheck::start();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (a, b) = socketpair(SocketKind::SeqPacket, false).unwrap();
    send_with_fds(&a, b"l", &[listener.as_fd()]).unwrap();
    drop(listener);
    let (_, mut fds, _) = recv(&b, 1, 1).unwrap();
    let passed = TcpListener::from(fds.pop().unwrap());
    assert_eq!(passed.local_addr().unwrap(), addr);
    let mut client = TcpStream::connect(addr).unwrap();
    let (mut conn, _) = passed.accept().unwrap();
    client.write_all(b"ping").unwrap();
    let mut buf = [0; 4];
    conn.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
}

#[test]
fn ten_thousand_messages_with_fds_arrive_in_order() {
    let _check = FdCheck::start();
    let (a, b) = socketpair(SocketKind::Stream, false).unwrap();
    let files = numbered_files(4);
    let mut buf = [0u8; 8];
    let mut control = [MaybeUninit::uninit(); control_space(1)];
    let mut fds: Vec<OwnedFd> = Vec::with_capacity(1);
    for batch in 0..100u32 {
        for j in 0..100u32 {
            let i = batch * 100 + j;
            let file = &files[i as usize % 4];
            assert_eq!(
                send_with_fds(&a, &i.to_be_bytes(), &[file.as_fd()]).unwrap(),
                4
            );
        }
        for j in 0..100u32 {
            let i = batch * 100 + j;
            // Each message carries fds, so the kernel ends a read at its last byte.
            let got = recv_with_fds(&b, &mut buf, &mut control, &mut fds).unwrap();
            assert_eq!((got.bytes, got.fds), (4, 1), "message {i}");
            assert_eq!(u32::from_be_bytes(buf[..4].try_into().unwrap()), i);
            assert_eq!(size_of(fds.pop().unwrap()), u64::from(i % 4) + 1);
        }
    }
}

#[test]
fn on_a_stream_fds_ride_with_their_first_byte_in_one_byte_reads() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let files = numbered_files(2);
    send_with_fds(&a, b"abc", &[files[0].as_fd()]).unwrap();
    send_with_fds(&a, b"de", &[]).unwrap();
    send_with_fds(&a, b"fg", &[files[1].as_fd()]).unwrap();
    let mut seen = Vec::new();
    for _ in 0..7 {
        let (byte, fds, _) = recv(&b, 1, 1).unwrap();
        assert_eq!(byte.len(), 1);
        let sizes: Vec<u64> = fds.iter().map(size_of).collect();
        seen.push((byte[0] as char, sizes));
    }
    assert_eq!(
        seen,
        vec![
            ('a', vec![1]),
            ('b', vec![]),
            ('c', vec![]),
            ('d', vec![]),
            ('e', vec![]),
            ('f', vec![2]),
            ('g', vec![]),
        ]
    );
}

#[test]
fn datagram_and_seqpacket_keep_boundaries_and_report_data_truncation() {
    let _check = FdCheck::start();
    for kind in [SocketKind::Datagram, SocketKind::SeqPacket] {
        let (a, b) = socketpair(kind, false).unwrap();
        let (r, _w) = pipe();
        send_with_fds(&a, b"first", &[r.as_fd()]).unwrap();
        send_with_fds(&a, b"second", &[]).unwrap();
        // A 3-byte buffer: the datagram's tail is discarded, the fd still arrives.
        let (bytes, fds, got) = recv(&b, 3, 1).unwrap();
        assert_eq!(bytes, b"fir", "{kind:?}");
        assert!(got.data_truncated, "{kind:?}");
        assert!(same_file(&fds[0], &r));
        let (bytes, fds, got) = recv(&b, 16, 1).unwrap();
        assert_eq!(bytes, b"second", "{kind:?}");
        assert!(fds.is_empty() && !got.data_truncated);
    }
}

#[test]
fn zero_data_bytes_with_fds_is_rejected_and_nothing_is_sent() {
    let _check = FdCheck::start();
    for kind in [
        SocketKind::Stream,
        SocketKind::Datagram,
        SocketKind::SeqPacket,
    ] {
        let (a, b) = socketpair(kind, true).unwrap();
        let (r, _w) = pipe();
        let err = send_with_fds(&a, b"", &[r.as_fd()]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{kind:?}");
        assert_eq!(
            err.to_string(),
            "file descriptors can only be sent with data"
        );
        let err = recv(&b, 4, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "{kind:?}: {err}");
        // Zero bytes and no fds is an ordinary (empty) send.
        assert_eq!(send_with_fds(&a, b"", &[]).unwrap(), 0);
    }
}

#[test]
fn more_than_253_fds_is_rejected_before_any_syscall() {
    let _check = FdCheck::start();
    let (r, w) = pipe();
    let fds = vec![r.as_fd(); MAX_FDS + 1];
    // `w` is not a socket: had sendmsg run, it would have failed with ENOTSOCK.
    let err = send_with_fds(&w, b"x", &fds).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.raw_os_error().is_none());
    assert_eq!(
        send_with_fds(&w, b"x", &fds[..MAX_FDS])
            .unwrap_err()
            .raw_os_error(),
        Some(libc::ENOTSOCK)
    );
}

#[test]
fn full_nonblocking_socket_gives_would_block_and_sends_no_fds() {
    let _check = FdCheck::start();
    let (a, b) = socketpair(SocketKind::Stream, true).unwrap();
    let chunk = [7u8; 4096];
    let mut queued = 0;
    loop {
        match send_with_fds(&a, &chunk, &[]) {
            Ok(n) => queued += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    let (r, _w) = pipe();
    let err = send_with_fds(&a, b"fd", &[r.as_fd()]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    let mut drained = 0;
    loop {
        match recv(&b, 65536, 4) {
            Ok((bytes, fds, _)) => {
                assert!(fds.is_empty(), "an fd arrived from a send that failed");
                assert!(bytes.iter().all(|&x| x == 7));
                drained += bytes.len();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(drained, queued);
}

#[test]
fn partial_send_carries_the_fds_once_with_its_first_part() {
    let _check = FdCheck::start();
    let (a, b) = socketpair(SocketKind::Stream, true).unwrap();
    rustix::net::sockopt::set_socket_send_buffer_size(&a, 4096).unwrap();
    let data: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
    let (r, _w) = pipe();
    let mut sent = 0;
    let mut sends = 0;
    let mut received = Vec::new();
    let mut arrivals = Vec::new(); // (offset of the byte an fd came with, fd)
    while received.len() < data.len() {
        if sent < data.len() {
            // The fds go only with the first call that sends anything.
            let fds = if sent == 0 { vec![r.as_fd()] } else { vec![] };
            match send_with_fds(&a, &data[sent..], &fds) {
                Ok(n) => {
                    sent += n;
                    sends += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        loop {
            match recv(&b, 8192, 4) {
                Ok((bytes, fds, _)) => {
                    for fd in fds {
                        arrivals.push((received.len(), fd));
                    }
                    received.extend_from_slice(&bytes);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
    }
    assert!(
        sends > 1,
        "the small send buffer did not force a partial send"
    );
    assert_eq!(received, data);
    assert_eq!(arrivals.len(), 1, "the fd must arrive exactly once");
    assert_eq!(arrivals[0].0, 0, "the fd must arrive with the first byte");
    assert!(same_file(&arrivals[0].1, &r));
}

#[test]
fn so_passcred_credentials_come_first_and_fds_still_fit() {
    let _check = FdCheck::start();
    let (a, b) = socketpair(SocketKind::Stream, false).unwrap();
    rustix::net::sockopt::set_socket_passcred(&b, true).unwrap();
    let files = numbered_files(2);
    send_with_fds(&a, b"cred", &borrow_all(&files)).unwrap();
    // Exactly the room for two fds: the credentials take their own share.
    let (bytes, fds, got) = recv(&b, 8, 2).unwrap();
    assert_eq!(bytes, b"cred");
    assert_eq!(fds.iter().map(size_of).collect::<Vec<_>>(), vec![1, 2]);
    let cred = got.credentials.expect("SO_PASSCRED credentials");
    assert_eq!(cred.pid as u32, std::process::id());
    assert_eq!(cred.uid, rustix::process::getuid().as_raw());
    assert_eq!(cred.gid, rustix::process::getgid().as_raw());
}

#[test]
fn works_on_mio_unix_stream_and_datagram() {
    let _check = FdCheck::start();
    let (a, b) = mio::net::UnixStream::pair().unwrap();
    let err = recv(&b, 4, 1).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    let (r, w) = pipe();
    send_with_fds(&a, b"mio", &[w.as_fd()]).unwrap();
    let (bytes, fds, _) = recv(&b, 4, 1).unwrap();
    assert_eq!(bytes, b"mio");
    assert!(same_file(&fds[0], &w));

    let (a, b) = mio::net::UnixDatagram::pair().unwrap();
    send_with_fds(&a, b"dgram", &[r.as_fd()]).unwrap();
    let (bytes, fds, _) = recv(&b, 8, 1).unwrap();
    assert_eq!(bytes, b"dgram");
    assert!(same_file(&fds[0], &r));
}

#[test]
fn socketpair_makes_cloexec_ends_of_the_asked_type() {
    use rustix::net::SocketType;
    let _check = FdCheck::start();
    for (kind, ty) in [
        (SocketKind::Stream, SocketType::STREAM),
        (SocketKind::Datagram, SocketType::DGRAM),
        (SocketKind::SeqPacket, SocketType::SEQPACKET),
    ] {
        for nonblocking in [false, true] {
            let (a, b) = socketpair(kind, nonblocking).unwrap();
            for end in [&a, &b] {
                assert!(is_cloexec(end), "{kind:?}");
                assert_eq!(is_nonblocking(end), nonblocking, "{kind:?}");
                assert_eq!(rustix::net::sockopt::socket_type(end).unwrap(), ty);
            }
            send_with_fds(&a, b"ab", &[]).unwrap();
            assert_eq!(recv(&b, 4, 0).unwrap().0, b"ab");
        }
    }
}

#[test]
fn extend_into_any_collection() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let files = numbered_files(3);
    send_with_fds(&a, b"x", &borrow_all(&files)).unwrap();
    let mut buf = [0u8; 1];
    let mut control = [MaybeUninit::uninit(); control_space(3)];
    let mut fds: std::collections::VecDeque<OwnedFd> = Default::default();
    fds.push_back(files[0].try_clone().unwrap()); // existing entries stay
    let got = recv_with_fds(&b, &mut buf, &mut control, &mut fds).unwrap();
    assert_eq!(got.fds, 3);
    let sizes: Vec<u64> = fds.iter().map(size_of).collect();
    assert_eq!(sizes, vec![1, 1, 2, 3]);
}

#[test]
fn so_passpidfd_pidfds_are_walked_and_closed() {
    const SO_PASSPIDFD: libc::c_int = 76;
    let _check = FdCheck::start();
    let (a, b) = socketpair(SocketKind::SeqPacket, false).unwrap();
    let on: libc::c_int = 1;
    // SAFETY: `on` is a valid c_int for the duration of the call and its size is passed.
    let r = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&b),
            libc::SOL_SOCKET,
            SO_PASSPIDFD,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        // Kernels before 6.5 have no SO_PASSPIDFD; nothing to walk then.
        assert_eq!(
            io::Error::last_os_error().raw_os_error(),
            Some(libc::ENOPROTOOPT)
        );
        return;
    }
    let files = numbered_files(2);
    for _ in 0..3 {
        // Each message brings a pidfd before the fds; it must be closed, and the room
        // for it must not cost the fds their place.
        send_with_fds(&a, b"p", &borrow_all(&files)).unwrap();
        let (bytes, fds, _) = recv(&b, 4, 2).unwrap();
        assert_eq!(bytes, b"p");
        assert_eq!(fds.iter().map(size_of).collect::<Vec<_>>(), vec![1, 2]);
    }
}

#[test]
fn on_a_stream_a_large_read_ends_with_the_message_that_carried_fds() {
    let _check = FdCheck::start();
    let (a, b) = UnixStream::pair().unwrap();
    let files = numbered_files(2);
    send_with_fds(&a, b"abc", &[files[0].as_fd()]).unwrap();
    send_with_fds(&a, b"de", &[]).unwrap();
    send_with_fds(&a, b"fg", &[files[1].as_fd()]).unwrap();
    send_with_fds(&a, b"hi", &[]).unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (bytes, fds, _) = recv(&b, 64, 4).unwrap();
        let sizes: Vec<u64> = fds.iter().map(size_of).collect();
        seen.push((String::from_utf8(bytes).unwrap(), sizes));
    }
    // Linux joins fd-less data before a message with fds ("de" + "fg"), but never data
    // after it: a read that returns fds ends with the message they were sent with.
    let expected = [("abc", vec![1]), ("defg", vec![2]), ("hi", vec![])];
    let expected: Vec<(String, Vec<u64>)> = expected
        .into_iter()
        .map(|(s, v)| (s.to_string(), v))
        .collect();
    assert_eq!(seen, expected);
}

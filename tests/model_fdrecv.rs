//! Fuzzing the fd-receiving path of a Unix socket stream with proptest: a raw peer sends
//! a random sequence of messages (random sizes, 0 to 253 descriptors each, plain writes in
//! between, a random point where it hangs up), the receiver's `'fd'` listener takes a
//! random subset of the descriptors. Checked: every byte arrives in order; every
//! descriptor arrives once, close-on-exec, naming the file it was sent for, with an
//! offset at or before its byte and in send order; descriptors not taken are closed; the
//! fd count of the process is the same afterwards.
//!
//! `PROPTEST_CASES` raises the case count; see `docs/fuzzing.md`.

mod support;

use std::cell::RefCell;
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use nodestream::fdpass::send_with_fds;
use nodestream::net::{PassedFd, Socket, FD};
use nodestream::stream::readable::Chunk;
use nodestream::EventLoop;
use proptest::prelude::*;
use support::{data, is_cloexec, same_file, FdCheck};

#[derive(Clone, Debug)]
enum Msg {
    /// `len` bytes carrying `fds` descriptors (of file `which`).
    WithFds {
        len: usize,
        fds: usize,
        which: usize,
    },
    Plain(usize),
}

fn msg() -> impl Strategy<Value = Msg> {
    prop_oneof![
        3 => (1usize..3000, prop_oneof![1usize..4, 4usize..40, Just(253usize)], 0usize..3)
            .prop_map(|(len, fds, which)| Msg::WithFds { len, fds, which }),
        2 => (1usize..20_000).prop_map(Msg::Plain),
    ]
}

fn run(msgs: &[Msg], take_mask: u64) -> Result<(), TestCaseError> {
    let el = EventLoop::new().unwrap();
    let (ours, mut peer) = UnixStream::pair().unwrap();
    let s = Socket::from_fd(&el.handle(), OwnedFd::from(ours)).unwrap();
    let files: Vec<OwnedFd> = (0..3).map(|_| support::pipe().0).collect();
    type Got = Rc<RefCell<Vec<(u64, usize, Option<OwnedFd>)>>>;
    let got: Got = Rc::default();
    let bytes = Rc::new(RefCell::new(Vec::new()));
    let (g, b) = (got.clone(), bytes.clone());
    let n = Rc::new(RefCell::new(0usize));
    s.readable.on(FD, move |p: &PassedFd| {
        let k = {
            let mut n = n.borrow_mut();
            *n += 1;
            *n - 1
        };
        // Take some, leave the others to be closed by the stream.
        let fd = if take_mask >> (k % 64) & 1 == 1 {
            p.take()
        } else {
            None
        };
        g.borrow_mut().push((p.offset(), b.borrow().len(), fd));
    });
    let b = bytes.clone();
    s.readable.on("data", move |c: &Chunk| {
        b.borrow_mut().extend_from_slice(c.as_bytes().unwrap())
    });
    // The peer writes from a thread (blocking), so large sequences do not deadlock.
    let mut expect_bytes = Vec::new();
    let mut expect_fds = Vec::new(); // (byte offset of the carrying byte, which)
    let plan: Vec<(Vec<u8>, usize, usize)> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| match m {
            Msg::WithFds { len, fds, which } => (data(i as u64, *len), *fds, *which),
            Msg::Plain(len) => (data(i as u64, *len), 0, 0),
        })
        .collect();
    for (buf, fds, which) in &plan {
        for _ in 0..*fds {
            expect_fds.push((expect_bytes.len(), *which));
        }
        expect_bytes.extend_from_slice(buf);
    }
    let dups: Vec<OwnedFd> = files.iter().map(|f| f.try_clone().unwrap()).collect();
    let writer = std::thread::spawn(move || {
        for (buf, fds, which) in plan {
            if fds == 0 {
                peer.write_all(&buf).unwrap();
            } else {
                let list: Vec<_> = (0..fds).map(|_| dups[which].as_fd()).collect();
                let n = send_with_fds(&peer, &buf, &list).unwrap();
                peer.write_all(&buf[n..]).unwrap();
            }
        }
    });
    el.run().unwrap();
    writer.join().unwrap();
    prop_assert!(*bytes.borrow() == expect_bytes, "bytes differ");
    let got = std::mem::take(&mut *got.borrow_mut());
    prop_assert_eq!(got.len(), expect_fds.len());
    let mut last = 0u64;
    for ((offset, seen_before, fd), (at, which)) in got.iter().zip(&expect_fds) {
        // The 'fd' comes before the data chunk that carries its byte, and names that
        // chunk's first offset.
        prop_assert!(
            *offset as usize <= *at,
            "fd offset {} past its byte {}",
            offset,
            at
        );
        prop_assert_eq!(
            *offset as usize,
            *seen_before,
            "offset is not the next chunk's start"
        );
        prop_assert!(*offset >= last, "fds out of order");
        last = *offset;
        if let Some(fd) = fd {
            prop_assert!(is_cloexec(fd));
            prop_assert!(same_file(fd, &files[*which]), "fd names the wrong file");
        }
    }
    drop(got);
    drop((s, files, el));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: support::cases(24), ..ProptestConfig::default() })]

    #[test]
    fn every_byte_and_fd_sent_by_a_raw_peer_arrives(
        msgs in prop::collection::vec(msg(), 1..12),
        take_mask in any::<u64>(),
    ) {
        let check = FdCheck::start();
        run(&msgs, take_mask)?;
        check.assert_same();
    }
}

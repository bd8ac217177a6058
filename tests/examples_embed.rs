//! The `embed` example: a host's own poll(2) loop drives a nodestream pipe Writable and a
//! Readable through the loop's fd, `next_deadline`, `has_pending` and `dispatch`.

mod support;

#[allow(dead_code)]
#[path = "../examples/embed.rs"]
mod embed;

use support::{fd_count, fd_lock, run_example};

#[test]
fn every_byte_goes_through_the_host_and_back_upper_cased() {
    let _lock = fd_lock();
    let before = fd_count();
    let got = embed::run().unwrap();
    let expected: Vec<u8> = (0..embed::TOTAL)
        .map(|i| embed::byte_at(i).to_ascii_uppercase())
        .collect();
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "the bytes differ");
    assert_eq!(fd_count(), before, "embed::run leaked fds");
}

#[test]
fn the_binary_prints_the_whole_story_in_order() {
    let _lock = fd_lock();
    assert_eq!(
        run_example("embed", &[]),
        "loop: 5 ms timer: writing 262144 bytes in 4096-byte chunks\n\
         loop: writer 'finish' (262144 bytes written, waited for 'drain': true)\n\
         host: pipe A ended; copied 262144 bytes; closing pipe B\n\
         loop: reader 'end' after 262144 bytes, all upper-cased: true\n\
         host: both loops idle; done\n"
    );
}

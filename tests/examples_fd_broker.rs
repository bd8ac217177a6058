//! The `fd_broker` example: the server hands out descriptors only for its own files, the
//! client reads each file through the descriptor it received, nothing is left over.

mod support;

#[allow(dead_code)]
#[path = "../examples/fd_broker.rs"]
mod fd_broker;

use support::{fd_count, fd_lock, run_example};

#[test]
fn the_binary_prints_the_exchange_in_order() {
    let _lock = fd_lock();
    assert_eq!(
        run_example("fd_broker", &[]),
        r#"server: listening
client: connected; the server is the same user
server: client connected (same user, credentials accepted)
server: "hello.txt": sending its descriptor
client: "hello.txt": got a descriptor (close-on-exec: true), read 22 bytes: "hello from the broker\n"
server: "missing.txt": refused: no such file
client: "missing.txt": refused
server: "../secret": refused: outside the directory
client: "../secret": refused
server: "numbers.txt": sending its descriptor
client: "numbers.txt": got a descriptor (close-on-exec: true), read 13 bytes: "1 2 3 5 8 13\n"
server: client done
client: done, 0 descriptors left unclaimed
server: done
"#
    );
}

#[test]
fn a_run_in_process_leaks_no_fd_and_no_file() {
    let _lock = fd_lock();
    let before = fd_count();
    fd_broker::run().unwrap();
    assert_eq!(fd_count(), before, "leaked fds");
    let dir = std::env::temp_dir().join(format!("nodestream-fd-broker-{}", std::process::id()));
    assert!(!dir.exists(), "the broker's directory was left behind");
}

#[test]
fn names_that_leave_the_directory_are_refused() {
    let _lock = fd_lock();
    let dir = std::env::temp_dir();
    for name in ["", "../x", "a/b", ".hidden", "/etc/passwd"] {
        assert_eq!(
            fd_broker::open_for(&dir, name).err(),
            Some("refused: outside the directory"),
            "{name:?}"
        );
    }
    assert_eq!(
        fd_broker::open_for(&dir, "nodestream-surely-no-such-file").err(),
        Some("refused: no such file")
    );
}

//! The `cat` example binary: stdin to stdout byte for byte, whatever stdin is (pipe,
//! socket, file, empty, `/dev/null`, closed), without making a shared stdin nonblocking,
//! and `EPIPE` as an error exit, never a `SIGPIPE` death.

mod support;

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};

use support::{assert_success, data, example, fd_lock, TempPath};

/// Asserts that `got` is `want` byte for byte (a mismatch prints sizes, not megabytes).
fn assert_bytes(got: &[u8], want: &[u8]) {
    assert!(
        got == want,
        "the bytes differ ({} of {})",
        got.len(),
        want.len()
    );
}

/// The `cat` example with all three of its stdio piped.
fn spawn_piped() -> Child {
    Command::new(example("cat"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `cat` with `input` written into its piped stdin by a thread; returns its stdout.
fn through_pipe(input: Vec<u8>) -> Vec<u8> {
    let mut child = spawn_piped();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert_success(&out);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn a_piped_line_comes_out_unchanged() {
    let _lock = fd_lock();
    assert_eq!(through_pipe(b"hello, cat\n".to_vec()), b"hello, cat\n");
}

#[test]
fn ten_mebibytes_through_a_pipe_come_out_byte_for_byte() {
    let _lock = fd_lock();
    let input = data(1, 10 << 20);
    let out = through_pipe(input.clone());
    assert_bytes(&out, &input);
}

#[test]
fn empty_input_gives_empty_output() {
    let _lock = fd_lock();
    assert_eq!(through_pipe(Vec::new()), b"");
}

#[test]
fn a_file_on_stdin_is_copied_exactly() {
    let _lock = fd_lock();
    let input = data(2, 3 << 20 | 17);
    let path = TempPath::new("cat-in");
    std::fs::write(&path.0, &input).unwrap();
    let out = Command::new(example("cat"))
        .stdin(std::fs::File::open(&path.0).unwrap())
        .output()
        .unwrap();
    assert_success(&out);
    assert_bytes(&out.stdout, &input);
}

#[test]
fn a_file_on_stdout_gets_every_byte() {
    let _lock = fd_lock();
    let input = data(3, 1 << 20);
    let path = TempPath::new("cat-out");
    let mut child = Command::new(example("cat"))
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&path.0).unwrap())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    assert!(child.wait().unwrap().success());
    let got = std::fs::read(&path.0).unwrap();
    assert_bytes(&got, &input);
}

#[test]
fn a_socket_on_stdin_is_read_to_its_end() {
    let _lock = fd_lock();
    let (mine, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let input = data(4, 2 << 20);
    let mut child = Command::new(example("cat"))
        .stdin(std::os::fd::OwnedFd::from(theirs))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let data = input.clone();
    let feeder = std::thread::spawn(move || {
        let mut mine = mine;
        mine.write_all(&data).unwrap();
        mine.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut got = Vec::new();
    out.read_to_end(&mut got).unwrap();
    feeder.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_bytes(&got, &input);
}

#[test]
fn a_reader_that_goes_away_is_an_epipe_error_not_a_sigpipe_death() {
    let _lock = fd_lock();
    let mut child = spawn_piped();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 5];
    stdin.write_all(b"first").unwrap();
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"first");
    drop(stdout);
    // Keep writing until cat has noticed (its write fails) and exited.
    let feeder = std::thread::spawn(move || {
        let chunk = [b'x'; 4096];
        while stdin.write_all(&chunk).is_ok() {}
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_eq!(
        out.status.signal(),
        None,
        "killed by a signal: {:?}",
        out.status
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("cat: ") && stderr.contains("EPIPE"),
        "{stderr}"
    );
}

#[test]
fn dev_null_on_stdin_gives_empty_output() {
    let _fds = fd_lock();
    let out = Command::new(example("cat"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_success(&out);
    assert!(out.stdout.is_empty());
}

#[test]
fn a_closed_stdin_gives_empty_output() {
    let _fds = fd_lock();
    // `exec 0<&-` closes fd 0 before the example starts (Rust's start-up code then opens
    // /dev/null there, as Node does: either way the stream ends at once).
    let script = format!("exec 0<&-; exec '{}'", example("cat").display());
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert_success(&out);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The pipe on stdin is shared with this process (it holds the other end's reader): the
/// example reads a description of its own, so the shared one stays blocking.
#[test]
fn a_shared_stdin_pipe_stays_blocking() {
    let _fds = fd_lock();
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).unwrap();
    let shared = r.try_clone().unwrap();
    let mut child = Command::new(example("cat"))
        .stdin(Stdio::from(r))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut w = std::fs::File::from(w);
    w.write_all(b"first\n").unwrap();
    // The example has read the first line: it is running and has opened its stdin.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 6];
    out.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"first\n");
    let flags = rustix::fs::fcntl_getfl(&shared).unwrap();
    assert!(
        !flags.contains(rustix::fs::OFlags::NONBLOCK),
        "the shared description became nonblocking"
    );
    drop(w);
    let mut rest = Vec::new();
    out.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(child.wait().unwrap().success());
}

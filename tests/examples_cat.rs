//! The `cat` example binary: stdin to stdout byte for byte, whatever stdin is (pipe,
//! socket, file, empty), and `EPIPE` as an error exit, never a `SIGPIPE` death.

mod examples_util;

use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use examples_util::{example, fd_lock};

/// Bytes that are not all the same, so that a lost or reordered chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Runs `cat` with `input` written into its piped stdin by a thread; returns its stdout.
fn through_pipe(input: Vec<u8>) -> Vec<u8> {
    let mut child = Command::new(example("cat"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
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
    let input = pattern(10 << 20);
    let out = through_pipe(input.clone());
    assert_eq!(out.len(), input.len());
    assert!(out == input, "the bytes differ");
}

#[test]
fn empty_input_gives_empty_output() {
    let _lock = fd_lock();
    assert_eq!(through_pipe(Vec::new()), b"");
}

#[test]
fn a_file_on_stdin_is_copied_exactly() {
    let _lock = fd_lock();
    let input = pattern(3 << 20 | 17);
    let path = std::env::temp_dir().join(format!("nodestream-cat-test-{}", std::process::id()));
    std::fs::write(&path, &input).unwrap();
    let out = Command::new(example("cat"))
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout == input,
        "the bytes differ ({} of {})",
        out.stdout.len(),
        input.len()
    );
}

#[test]
fn a_file_on_stdout_gets_every_byte() {
    let _lock = fd_lock();
    let input = pattern(1 << 20);
    let path = std::env::temp_dir().join(format!("nodestream-cat-out-{}", std::process::id()));
    let mut child = Command::new(example("cat"))
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&path).unwrap())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    assert!(child.wait().unwrap().success());
    let got = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        got == input,
        "the bytes differ ({} of {})",
        got.len(),
        input.len()
    );
}

#[test]
fn a_socket_on_stdin_is_read_to_its_end() {
    let _lock = fd_lock();
    let (mine, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let input = pattern(2 << 20);
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
    assert!(
        got == input,
        "the bytes differ ({} of {})",
        got.len(),
        input.len()
    );
}

#[test]
fn a_reader_that_goes_away_is_an_epipe_error_not_a_sigpipe_death() {
    let _lock = fd_lock();
    let mut child = Command::new(example("cat"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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

//! The five everyday programs of `examples/` whose Node versions are in `examples/node/`:
//! each run as a real process, its output checked byte for byte.

mod support;

use std::io::Read;
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use support::{assert_success, example, fd_lock, TempPath};

/// Some megabytes that are not all alike.
fn sample() -> Vec<u8> {
    (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[test]
fn million_writes_into_stdout_gives_every_byte() {
    let _fds = fd_lock();
    // Into a pipe (read by this test) and into a regular file.
    let out = Command::new(example("million_writes_stdout"))
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(out.stdout.len(), 100_000_000);
    assert!(out.stdout.iter().all(|&b| b == b'x'));
    let path = TempPath::new("million-writes-stdout");
    let file = std::fs::File::create(&path.0).unwrap();
    let status = Command::new(example("million_writes_stdout"))
        .stdout(file)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(std::fs::metadata(&path.0).unwrap().len(), 100_000_000);
}

#[test]
fn hash_sink_prints_the_files_sha256() {
    let _fds = fd_lock();
    let path = TempPath::new("hash-sink");
    let data = sample();
    std::fs::write(&path.0, &data).unwrap();
    let out = Command::new(example("hash_sink"))
        .arg(&path.0)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        sha256_hex(&data) + "\n"
    );
}

#[test]
fn digest_transform_prints_the_files_sha256() {
    let _fds = fd_lock();
    let path = TempPath::new("digest");
    let data = sample();
    std::fs::write(&path.0, &data).unwrap();
    let out = Command::new(example("digest"))
        .arg(&path.0)
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        sha256_hex(&data) + "\n"
    );
}

#[test]
fn tee_copies_the_file_and_hashes_it() {
    let _fds = fd_lock();
    let (src, dst) = (TempPath::new("tee-src"), TempPath::new("tee-dst"));
    let data = sample();
    std::fs::write(&src.0, &data).unwrap();
    let out = Command::new(example("tee"))
        .arg(&src.0)
        .arg(&dst.0)
        .output()
        .unwrap();
    assert_success(&out);
    assert!(std::fs::read(&dst.0).unwrap() == data, "the copy differs");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        sha256_hex(&data) + "  -\n"
    );
}

#[test]
fn prefork_hands_connections_to_both_workers_in_turn() {
    let _fds = fd_lock();
    let mut primary = Command::new(example("prefork"))
        .arg("0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = primary.stdout.take().unwrap();
    let mut line = Vec::new();
    let mut byte = [0u8];
    while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    let line = String::from_utf8(line).unwrap();
    let addr = line
        .strip_prefix("listening on ")
        .expect("the address line");
    let mut answers = Vec::new();
    for _ in 0..4 {
        let mut conn = TcpStream::connect(addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        answers.push(answer);
    }
    primary.kill().unwrap();
    primary.wait().unwrap();
    // The workers read the end of their channel when the primary dies, and exit.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && workers_alive() {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!workers_alive(), "a worker outlived the primary");
    assert_eq!(
        answers,
        [
            "hello from worker 1\n",
            "hello from worker 0\n",
            "hello from worker 1\n",
            "hello from worker 0\n"
        ]
    );
}

/// Whether a `prefork worker` process of this test is still running.
fn workers_alive() -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .map(|c| {
                c.starts_with(example_path_bytes().as_slice())
                    && c.windows(6).any(|w| w == b"worker")
            })
            .unwrap_or(false)
    })
}

fn example_path_bytes() -> Vec<u8> {
    example("prefork").into_os_string().into_encoded_bytes()
}

#[cfg(feature = "tokio")]
#[test]
fn cooperate_interleaves_the_task_and_the_stream() {
    let _fds = fd_lock();
    let out = Command::new(support::example_with("cooperate", &["tokio"]))
        .output()
        .unwrap();
    assert_success(&out);
    let out = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    // The task's lines in their order; the stream's total (which comes last unless the
    // machine stalls for the 20 ms between the last tick and the child's first byte).
    let task: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("task"))
        .collect();
    assert_eq!(
        task,
        ["task: tick 1", "task: tick 2", "task: tick 3", "task: done"]
    );
    let stream: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("stream"))
        .collect();
    assert_eq!(stream, ["stream: 1000000 bytes"]);
    assert_eq!(lines.len(), 5);
}

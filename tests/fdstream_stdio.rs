//! stdout as a Writable: asynchronous into a pipe, synchronous into a file, exact bytes.

use std::process::{Command, Stdio};

use nodestream::EventLoop;

const ROLE: &str = "NODESTREAM_STDIO_WRITER";

/// In the child: writes 3000 numbered lines to stdout through the stream, then ends.
fn writer() {
    let lp = EventLoop::new().unwrap();
    let out = nodestream::process::stdout(&lp.handle()).unwrap();
    for i in 0..3000 {
        out.write(format!("line {i}\n"));
    }
    out.end();
    lp.run().unwrap();
}

fn expected() -> String {
    (0..3000).map(|i| format!("line {i}\n")).collect()
}

fn child() -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "stdout_writer_role",
        "--exact",
        "--test-threads=1",
        "--quiet",
    ])
    .env(ROLE, "1");
    c
}

#[test]
fn stdout_writer_role() {
    if std::env::var(ROLE).is_ok() {
        writer();
    }
}

#[test]
fn stdout_into_a_pipe_and_into_a_file_gets_every_byte() {
    let out = child().stdout(Stdio::piped()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(&expected()), "{} bytes", text.len());

    let path = std::env::temp_dir().join(format!("nodestream-stdio-{}", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let status = child().stdout(file).status().unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(text.contains(&expected()));
}

//! Other programs: the example binaries (built on demand) and a real `cat` to write to.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// The path of the example binary `name`, built (or brought up to date) with the profile
/// and target directory of this test binary.
pub fn example(name: &str) -> PathBuf {
    example_with(name, &[])
}

/// [`example`] for an example that needs cargo features (its `required-features`).
pub fn example_with(name: &str, features: &[&str]) -> PathBuf {
    static BUILD: Mutex<()> = Mutex::new(());
    let _one_build_at_a_time = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    // This binary is <target>/<profile>/deps/<name>-<hash>.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap().to_path_buf();
    let mut cmd = Command::new(option_env!("CARGO").unwrap_or("cargo"));
    cmd.args(["build", "--quiet", "--example", name, "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => {}
        Some("release") => {
            cmd.arg("--release");
        }
        Some(other) => {
            cmd.args(["--profile", other]);
        }
        None => panic!("cannot tell the profile from {}", exe.display()),
    }
    let status = cmd.status().expect("cargo runs");
    assert!(status.success(), "building the example {name} failed");
    let bin = profile_dir.join("examples").join(name);
    assert!(bin.exists(), "{} was not built", bin.display());
    bin
}

/// Asserts that a finished program exited 0, showing its status and stderr if not.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the example binary `name` with `args` to its end, asserts it exited 0, and returns
/// its stdout as text.
pub fn run_example(name: &str, args: &[&str]) -> String {
    let out = Command::new(example(name)).args(args).output().unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// A running `cat`: its stdin as an fd to write to, and a thread that reads all of its
/// stdout (after `delay`, so that both pipes can fill first) and returns it.
pub fn cat(delay: Duration) -> (Child, OwnedFd, JoinHandle<Vec<u8>>) {
    let mut cat = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn cat");
    let stdin: OwnedFd = cat.stdin.take().unwrap().into();
    let mut stdout = cat.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        std::thread::sleep(delay);
        let mut got = Vec::new();
        stdout.read_to_end(&mut got).unwrap();
        got
    });
    (cat, stdin, reader)
}

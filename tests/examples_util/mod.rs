//! Helpers shared by the example tests: the example binaries, and fd counting.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// Serialises the fd-counting sections of one test binary (its tests run in parallel
/// threads of one process).
static FD_LOCK: Mutex<()> = Mutex::new(());

/// Takes the fd-counting lock (a failed test does not poison it for the others).
pub fn fd_lock() -> MutexGuard<'static, ()> {
    FD_LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Open fds of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter(|e| {
            // libtest reads /proc/self/cgroup and /sys/fs/cgroup files on its main thread
            // (available_parallelism) while the first tests run: those fds come and go and
            // are never ours. An fd that closed before readlink was transient too.
            e.as_ref()
                .ok()
                .and_then(|e| std::fs::read_link(e.path()).ok())
                .is_some_and(|t| !t.starts_with("/proc/") && !t.starts_with("/sys/"))
        })
        .count()
}

/// The path of the example binary `name`, built (or brought up to date) with the profile
/// and target directory of this test binary.
pub fn example(name: &str) -> PathBuf {
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

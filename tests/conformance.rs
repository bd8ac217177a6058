//! Differential conformance against node: every scenario of `tests/conformance/node/` has
//! node's trace recorded in `tests/conformance/expected/`; the Rust twin registered in
//! `tests/conformance/scenarios/` must print the same trace, line for line.
//!
//! `tests/conformance/status.txt` lists each scenario as `ported`, `pending` or `differs`
//! (with a reason; the Rust trace then lives in `expected-rust/`). See
//! `docs/conformance.md`. This test never runs node.
//!
//! Every scenario runs twice: on loops following `NodeCompat::V20` against `expected/`, and
//! on loops following `NodeCompat::V26` (the default) against `expected-v26/`, with
//! `status-v26.txt` for the scenarios whose status differs under v26.
//!
//! `CONFORMANCE_FILTER=w0 cargo test --test conformance` runs only the scenarios whose
//! names contain `w0` (the table is still checked in full).

#[path = "conformance/compat_v26.rs"]
mod compat_v26;
#[path = "conformance/runner.rs"]
mod runner;
#[path = "conformance/scenarios/mod.rs"]
mod scenarios;
#[path = "conformance/status.rs"]
mod status;
#[path = "conformance/trace.rs"]
mod trace;
#[path = "conformance/versions.rs"]
mod versions;

use std::io::Write as _;
use std::path::Path;

#[test]
fn every_scenario_matches_its_recorded_trace() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    let report = runner::run(&dir, &scenarios::all(), filter.as_deref());
    // Written to the stderr handle directly, so the count shows even when the test
    // passes (the test harness only captures `print!`/`eprint!`).
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "\n{}", report.summary());
    if report.pending > 0 {
        let _ = writeln!(
            err,
            "conformance: {} scenario(s) NOT YET PORTED (pending in tests/conformance/status.txt)",
            report.pending
        );
    }
    drop(err);
    assert!(
        report.problems.is_empty(),
        "\n{}\n\n{}",
        report.problems.join("\n\n"),
        report.summary()
    );
}

/// The same scenarios on loops following `NodeCompat::V26` (the default), against node
/// v26's traces: `status-v26.txt` names the scenarios whose status differs under v26.
#[test]
fn every_scenario_matches_node_v26_under_the_default_compat() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let filter = std::env::var("CONFORMANCE_FILTER").ok();
    let report = compat_v26::run(&dir, &scenarios::all(), filter.as_deref());
    let _ = writeln!(std::io::stderr().lock(), "\n{}", report.summary());
    assert!(
        report.problems.is_empty(),
        "\n{}\n\n{}",
        report.problems.join("\n\n"),
        report.summary()
    );
}

#[test]
fn docs_table_lists_every_scenario_with_its_status() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let table = status::parse(&read("tests/conformance/status.txt"))
        .unwrap_or_else(|problems| panic!("{}", problems.join("\n")));
    let problems = runner::check_docs_table(&read("docs/conformance.md"), &table);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn newer_node_traces_are_well_formed_and_their_differences_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/conformance.md"))
        .unwrap_or_else(|e| panic!("docs/conformance.md: {e}"));
    let problems = versions::check(&root.join("tests/conformance"), &doc);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

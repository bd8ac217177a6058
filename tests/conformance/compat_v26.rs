//! The second run of the suite: every registered scenario on loops following
//! `NodeCompat::V26` (nodestream's default), compared with node v26's traces
//! (`expected-v26/`).
//!
//! A scenario's status under v26 is its line in `status.txt` unless `status-v26.txt`
//! gives it another one (same format; it lists only the scenarios whose v26 status or
//! reason is not their v20 one). A scenario that `differs` under v26 is compared with
//! `expected-rust-v26/<name>.trace` when that file exists, else with
//! `expected-rust/<name>.trace` (the Rust trace is the same under both settings when the
//! difference is one the switch does not touch).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use nodestream::compat::NodeCompat;

use crate::runner::{read_traces, run_one, Report};
use crate::scenarios::Scenario;
use crate::status::{self, Status};

/// Reads a status table, or reports why not.
fn read_status(path: &Path, required: bool, problems: &mut Vec<String>) -> Vec<status::Entry> {
    match fs::read_to_string(path) {
        Err(e) => {
            if required {
                problems.push(format!("{}: {e}", path.display()));
            }
            Vec::new()
        }
        Ok(text) => status::parse(&text).unwrap_or_else(|errs| {
            let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            problems.extend(errs.into_iter().map(|e| e.replacen("status.txt", file, 1)));
            Vec::new()
        }),
    }
}

/// Runs the suite rooted at `dir` as node v26. The checks of `status.txt` itself are
/// [`crate::runner::run`]'s; this one checks `status-v26.txt`, `expected-v26/` and
/// `expected-rust-v26/` against it.
pub fn run(dir: &Path, registry: &[Scenario], filter: Option<&str>) -> Report {
    let mut report = Report {
        release: Some("node v26"),
        ..Report::default()
    };
    let problems = &mut report.problems;

    let node = read_traces(&dir.join("expected-v26"), problems);
    let rust_v20 = read_traces(&dir.join("expected-rust"), problems);
    let rust_v26 = read_traces(&dir.join("expected-rust-v26"), problems);
    if node.is_empty() {
        problems.push(format!(
            "no traces in {}",
            dir.join("expected-v26").display()
        ));
    }
    let base = read_status(&dir.join("status.txt"), true, problems);
    let overrides = read_status(&dir.join("status-v26.txt"), false, problems);

    let mut statuses: BTreeMap<&str, &Status> =
        base.iter().map(|e| (e.name.as_str(), &e.status)).collect();
    for o in &overrides {
        match statuses.get(o.name.as_str()) {
            None => problems.push(format!(
                "status-v26.txt:{}: {} has no line in status.txt",
                o.line, o.name
            )),
            Some(s) if **s == o.status => problems.push(format!(
                "status-v26.txt:{}: {} says what status.txt says (remove the line)",
                o.line, o.name
            )),
            Some(_) => {
                statuses.insert(&o.name, &o.status);
            }
        }
        if matches!(o.status, Status::Pending(_)) {
            problems.push(format!(
                "status-v26.txt:{}: {} cannot be pending under v26 alone",
                o.line, o.name
            ));
        }
    }
    for name in rust_v26.keys() {
        if !matches!(statuses.get(name.as_str()), Some(Status::Differs(_))) {
            problems.push(format!(
                "expected-rust-v26/{name}.trace exists but {name} does not differ under v26"
            ));
        }
    }
    for (name, status) in &statuses {
        match status {
            Status::Ported => report.ported += 1,
            Status::Differs(_) => report.differs += 1,
            Status::Pending(_) => report.pending += 1,
        }
        if matches!(status, Status::Differs(_))
            && !rust_v26.contains_key(*name)
            && !rust_v20.contains_key(*name)
        {
            report.problems.push(format!(
                "{name} differs under v26 but neither expected-rust-v26/{name}.trace nor \
                 expected-rust/{name}.trace exists"
            ));
        }
    }

    for sc in registry {
        let name = sc.name;
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let (expected, source) = match statuses.get(name) {
            Some(Status::Differs(_)) => match rust_v26.get(name) {
                Some(t) => (Some(t), "expected-rust-v26"),
                None => (rust_v20.get(name), "expected-rust"),
            },
            Some(Status::Ported) => (node.get(name), "expected-v26"),
            _ => continue, // the v20 run reports a scenario missing from the table
        };
        let Some(expected) = expected else {
            report
                .problems
                .push(format!("{name}: no expected-v26/{name}.trace"));
            continue;
        };
        run_one(name, sc, NodeCompat::V26, expected, source, &mut report);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A throwaway suite directory: `(subdirectory or file, name, text)` entries.
    struct Suite(PathBuf);

    impl Suite {
        fn new(files: &[(&str, &str, &str)]) -> Suite {
            static SERIAL: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "nodestream-conformance-v26-{}-{}",
                std::process::id(),
                SERIAL.fetch_add(1, Ordering::Relaxed)
            ));
            for (sub, name, text) in files {
                let path = if name.is_empty() {
                    dir.join(sub)
                } else {
                    dir.join(sub).join(format!("{name}.trace"))
                };
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, text).unwrap();
            }
            Suite(dir)
        }
    }

    impl Drop for Suite {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Logs the setting the scenario's loop follows.
    fn compat_of_loop() -> Vec<String> {
        vec![format!("{:?}", crate::scenarios::event_loop().compat())]
    }
    const S1: Scenario = Scenario {
        name: "s1",
        run: compat_of_loop,
    };

    #[test]
    fn ported_scenarios_run_as_v26_against_expected_v26() {
        let s = Suite::new(&[
            ("status.txt", "", "s1 ported\n"),
            ("expected-v26", "s1", "V26\n"),
        ]);
        let r = run(&s.0, &[S1], None);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.ported, r.ran, r.passed), (1, 1, 1));
        assert!(r.summary().starts_with("conformance (node v26): 1 ported"));
        // The v20 run of the same scenario sees V20.
        let mut v20 = Report::default();
        run_one(
            "s1",
            &S1,
            NodeCompat::V20,
            &["V20".into()],
            "expected",
            &mut v20,
        );
        assert_eq!(v20.passed, 1, "{:?}", v20.problems);
    }

    #[test]
    fn an_override_makes_a_scenario_differ_under_v26_only() {
        let s = Suite::new(&[
            ("status.txt", "", "s1 ported\n"),
            ("status-v26.txt", "", "s1 differs v26 only\n"),
            ("expected-v26", "s1", "node says this\n"),
            ("expected-rust-v26", "s1", "V26\n"),
        ]);
        let r = run(&s.0, &[S1], None);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.ported, r.differs, r.passed), (0, 1, 1));
        // Without expected-rust-v26/, expected-rust/ is the Rust trace.
        let s = Suite::new(&[
            ("status.txt", "", "s1 differs always\n"),
            ("expected-v26", "s1", "node says this\n"),
            ("expected-rust", "s1", "not V26\n"),
        ]);
        let r = run(&s.0, &[S1], None);
        assert!(
            r.problems
                .iter()
                .any(|p| p.starts_with("s1: trace differs from expected-rust/s1.trace")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn bad_overrides_and_stray_traces_are_problems() {
        let s = Suite::new(&[
            ("status.txt", "", "s1 ported\ns2 differs why\n"),
            (
                "status-v26.txt",
                "",
                "s1 pending later\ns2 differs why\nnope ported\n",
            ),
            ("expected-v26", "s1", "V26\n"),
            ("expected-v26", "s2", "V26\n"),
            ("expected-rust-v26", "s1", "V26\n"),
        ]);
        let r = run(&s.0, &[], None);
        let has = |needle: &str| r.problems.iter().any(|p| p.contains(needle));
        assert!(
            has("s1 cannot be pending under v26 alone"),
            "{:?}",
            r.problems
        );
        assert!(
            has("status-v26.txt:2: s2 says what status.txt says"),
            "{:?}",
            r.problems
        );
        assert!(
            has("status-v26.txt:3: nope has no line in status.txt"),
            "{:?}",
            r.problems
        );
        assert!(
            has("expected-rust-v26/s1.trace exists but s1 does not differ under v26"),
            "{:?}",
            r.problems
        );
        assert!(
            has("s2 differs under v26 but neither expected-rust-v26/s2.trace nor"),
            "{:?}",
            r.problems
        );
        assert_eq!(r.problems.len(), 5, "{:?}", r.problems);
    }
}

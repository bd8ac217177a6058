//! Checks the status table against the recorded traces and the registry, runs every
//! registered scenario and compares its trace with the recorded one, line by line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use nodestream::compat::NodeCompat;

use crate::scenarios::{with_compat, Scenario};
use crate::status::{self, Entry, Status};
use crate::trace::parse_trace_file;

/// What a run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Scenarios marked `ported`.
    pub ported: usize,
    /// Scenarios marked `differs`.
    pub differs: usize,
    /// Scenarios marked `pending`.
    pub pending: usize,
    /// Registered scenarios that ran (all of them unless a filter was given).
    pub ran: usize,
    /// Of those, how many matched their expected trace.
    pub passed: usize,
    /// Everything wrong, one message each; the suite passes when this is empty.
    pub problems: Vec<String>,
    /// The Node release the scenarios ran as, when not v20 (`"node v26"`), for the summary.
    pub release: Option<&'static str>,
}

impl Report {
    /// The one-line count printed after every run.
    pub fn summary(&self) -> String {
        let release = self.release.map(|r| format!(" ({r})")).unwrap_or_default();
        format!(
            "conformance{release}: {} ported, {} differs, {} pending; ran {}, passed {}, {} problem(s)",
            self.ported,
            self.differs,
            self.pending,
            self.ran,
            self.passed,
            self.problems.len()
        )
    }
}

/// Reads the `*.trace` files of `dir` (none if it does not exist), by scenario name.
pub fn read_traces(dir: &Path, problems: &mut Vec<String>) -> BTreeMap<String, Vec<String>> {
    let mut traces = BTreeMap::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return traces;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(name) = name.strip_suffix(".trace") else {
            continue;
        };
        match fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| parse_trace_file(&t))
        {
            Ok(lines) => {
                traces.insert(name.to_owned(), lines);
            }
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    traces
}

/// Runs the suite rooted at `dir` (holding `expected/`, `expected-rust/`, `status.txt`).
/// `filter` (a substring of names) limits which registered scenarios run; the table checks
/// always cover everything.
pub fn run(dir: &Path, registry: &[Scenario], filter: Option<&str>) -> Report {
    let mut report = Report::default();
    let problems = &mut report.problems;

    let node = read_traces(&dir.join("expected"), problems);
    let rust = read_traces(&dir.join("expected-rust"), problems);
    if node.is_empty() {
        problems.push(format!("no traces in {}", dir.join("expected").display()));
    }
    let table = match fs::read_to_string(dir.join("status.txt")) {
        Err(e) => {
            problems.push(format!("status.txt: {e}"));
            Vec::new()
        }
        Ok(text) => status::parse(&text).unwrap_or_else(|errs| {
            problems.extend(errs);
            Vec::new()
        }),
    };
    let statuses: BTreeMap<&str, &Status> =
        table.iter().map(|e| (e.name.as_str(), &e.status)).collect();

    let mut registered: BTreeMap<&str, &Scenario> = BTreeMap::new();
    for sc in registry {
        if registered.insert(sc.name, sc).is_some() {
            problems.push(format!("{} is registered twice", sc.name));
        }
    }

    // Every recorded trace has a status line, and every status line a recorded trace.
    for name in node.keys() {
        if !statuses.contains_key(name.as_str()) {
            problems.push(format!(
                "expected/{name}.trace has no line in status.txt (add `{name}  pending`)"
            ));
        }
    }
    for entry in &table {
        if !node.contains_key(&entry.name) {
            problems.push(format!(
                "status.txt:{}: {} has no expected/{}.trace (re-record, or remove the line)",
                entry.line, entry.name, entry.name
            ));
        }
        match &entry.status {
            Status::Ported => report.ported += 1,
            Status::Differs(_) => report.differs += 1,
            Status::Pending(_) => report.pending += 1,
        }
    }
    for name in rust.keys() {
        if !matches!(statuses.get(name.as_str()), Some(Status::Differs(_))) {
            problems.push(format!(
                "expected-rust/{name}.trace exists but {name} is not marked `differs`"
            ));
        }
    }

    // The registry and the table agree.
    for entry in &table {
        let is_registered = registered.contains_key(entry.name.as_str());
        let pending = matches!(entry.status, Status::Pending(_));
        if !pending && !is_registered {
            problems.push(format!(
                "{} is marked `{}` but has no Rust scenario in the registry",
                entry.name,
                entry.status.word()
            ));
        }
        if pending && is_registered {
            problems.push(format!(
                "{} has a Rust scenario but is marked `pending` in status.txt (mark it `ported`)",
                entry.name
            ));
        }
        if matches!(entry.status, Status::Differs(_)) && !rust.contains_key(&entry.name) {
            problems.push(format!(
                "{} is marked `differs` but expected-rust/{}.trace is missing",
                entry.name, entry.name
            ));
        }
    }
    for name in registered.keys() {
        if !statuses.contains_key(name) && !node.contains_key(*name) {
            problems.push(format!(
                "Rust scenario {name} has no node scenario (expected/{name}.trace)"
            ));
        }
    }

    // Run, as node v20.
    for (name, sc) in &registered {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let (expected, source) = match statuses.get(name) {
            Some(Status::Differs(_)) => (rust.get(*name), "expected-rust"),
            Some(Status::Ported) => (node.get(*name), "expected"),
            _ => continue, // already reported above
        };
        let Some(expected) = expected else { continue };
        run_one(name, sc, NodeCompat::V20, expected, source, &mut report);
    }
    report
}

/// Runs one scenario on loops following `compat` and compares its trace with `expected`
/// (read from `source/<name>.trace`), counting it in `report`.
pub fn run_one(
    name: &str,
    sc: &Scenario,
    compat: NodeCompat,
    expected: &[String],
    source: &str,
    report: &mut Report,
) {
    report.ran += 1;
    match panic::catch_unwind(AssertUnwindSafe(|| with_compat(compat, sc.run))) {
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            report
                .problems
                .push(format!("{name}: the Rust scenario panicked: {msg}"));
        }
        Ok(actual) if actual == expected => report.passed += 1,
        Ok(actual) => report.problems.push(format!(
            "{name}: trace differs from {source}/{name}.trace\n{}",
            side_by_side(expected, &actual)
        )),
    }
}

/// Checks the scenario table of `docs/conformance.md` against the status table: one row per
/// scenario, in any order, each starting `| `name` | status[: reason] | `. Only the rows
/// between the `scenario-table` markers count when the page has them (other tables of the
/// page also start rows with a scenario name).
pub fn check_docs_table(doc: &str, table: &[Entry]) -> Vec<String> {
    let region = match (
        doc.find("<!-- scenario-table:begin"),
        doc.find("<!-- scenario-table:end"),
    ) {
        (Some(start), Some(end)) if start < end => &doc[start..end],
        _ => doc,
    };
    let rows: Vec<&str> = region.lines().filter(|l| l.starts_with("| `")).collect();
    let mut problems = Vec::new();
    for entry in table {
        let cell = match &entry.status {
            Status::Ported | Status::Pending(None) => entry.status.word().to_owned(),
            Status::Pending(Some(why)) | Status::Differs(why) => {
                format!("{}: {}", entry.status.word(), why.replace('|', "\\|"))
            }
        };
        let name_prefix = format!("| `{}` | ", entry.name);
        let want = format!("{name_prefix}{cell} | ");
        match rows.iter().find(|r| r.starts_with(&name_prefix)) {
            None => problems.push(format!("docs/conformance.md has no row for {}", entry.name)),
            Some(row) if !row.starts_with(&want) => problems.push(format!(
                "docs/conformance.md shows {} as `{}`, status.txt says `{cell}`",
                entry.name,
                row[name_prefix.len()..].split(" | ").next().unwrap_or("")
            )),
            Some(_) => {}
        }
    }
    if rows.len() != table.len() {
        problems.push(format!(
            "docs/conformance.md has {} scenario rows, status.txt {} lines",
            rows.len(),
            table.len()
        ));
    }
    if !problems.is_empty() {
        problems.push("refresh it: node tests/conformance/node/status-table.js".to_owned());
    }
    problems
}

/// Both traces in two columns, numbered; `>>` marks the first differing line and `~` each
/// later one; a missing line shows as `(none)`.
pub fn side_by_side(expected: &[String], actual: &[String]) -> String {
    const MAX_LEFT: usize = 60;
    let width = expected
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .clamp("expected".len(), MAX_LEFT);
    let rows = expected.len().max(actual.len());
    let mut out = String::new();
    let _ = writeln!(out, "       {:<width$} | actual", "expected");
    let mut first_seen = false;
    for i in 0..rows {
        let left = expected.get(i).map_or("(none)", String::as_str);
        let right = actual.get(i).map_or("(none)", String::as_str);
        let same = expected.get(i) == actual.get(i);
        let mark = if same {
            "  "
        } else if !first_seen {
            first_seen = true;
            ">>"
        } else {
            " ~"
        };
        let _ = writeln!(out, "{mark} {:>3}  {left:<width$} | {right}", i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Whether any problem message contains `needle`.
    fn mentions(problems: &[String], needle: &str) -> bool {
        problems.iter().any(|p| p.contains(needle))
    }

    /// A throwaway suite directory, removed on drop.
    struct TempSuite(PathBuf);

    impl TempSuite {
        fn new(status: &str, node: &[(&str, &str)], rust: &[(&str, &str)]) -> TempSuite {
            static SERIAL: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "nodestream-conformance-{}-{}",
                std::process::id(),
                SERIAL.fetch_add(1, Ordering::Relaxed)
            ));
            fs::create_dir_all(dir.join("expected")).unwrap();
            fs::create_dir_all(dir.join("expected-rust")).unwrap();
            fs::write(dir.join("status.txt"), status).unwrap();
            for (sub, files) in [("expected", node), ("expected-rust", rust)] {
                for (name, text) in files {
                    fs::write(dir.join(sub).join(format!("{name}.trace")), text).unwrap();
                }
            }
            TempSuite(dir)
        }
    }

    impl Drop for TempSuite {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn ab() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }
    fn ax() -> Vec<String> {
        vec!["a".into(), "x".into(), "c".into()]
    }
    fn boom() -> Vec<String> {
        panic!("not implemented here")
    }
    const AB: Scenario = Scenario {
        name: "s1",
        run: ab,
    };

    #[test]
    fn all_pending_passes_and_counts() {
        let s = TempSuite::new(
            "# c\ns1  pending\ns2 pending waits for net\n",
            &[("s1", "a\nb\n"), ("s2", "")],
            &[],
        );
        let r = run(&s.0, &[], None);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            (r.ported, r.differs, r.pending, r.ran, r.passed),
            (0, 0, 2, 0, 0)
        );
        assert!(r
            .summary()
            .starts_with("conformance: 0 ported, 0 differs, 2 pending"));
    }

    #[test]
    fn ported_scenario_that_matches_passes() {
        let s = TempSuite::new("s1 ported\n", &[("s1", "a\nb\n")], &[]);
        let r = run(&s.0, &[AB], None);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.ported, r.ran, r.passed), (1, 1, 1));
    }

    #[test]
    fn mismatch_fails_with_both_traces() {
        let s = TempSuite::new("s1 ported\n", &[("s1", "a\nb\n")], &[]);
        let r = run(
            &s.0,
            &[Scenario {
                name: "s1",
                run: ax,
            }],
            None,
        );
        assert_eq!(r.passed, 0);
        assert_eq!(r.problems.len(), 1);
        let p = &r.problems[0];
        assert!(
            p.starts_with("s1: trace differs from expected/s1.trace"),
            "{p}"
        );
        assert!(p.contains("\n>>   2  b        | x\n"), "{p}");
        assert!(p.contains("\n ~   3  (none)   | c\n"), "{p}");
        assert!(p.contains("\n     1  a        | a\n"), "{p}");
    }

    #[test]
    fn table_and_files_must_agree() {
        let s = TempSuite::new(
            "s1 ported\ngone pending\nd1 differs Rust cannot do this\n",
            &[("s1", "a\n"), ("new", "a\n"), ("d1", "a\n")],
            &[("stray", "a\n")],
        );
        let r = run(&s.0, &[], None);
        let p = &r.problems;
        assert!(
            mentions(p, "expected/new.trace has no line in status.txt"),
            "{p:?}"
        );
        assert!(mentions(p, "gone has no expected/gone.trace"), "{p:?}");
        assert!(
            mentions(p, "s1 is marked `ported` but has no Rust scenario"),
            "{p:?}"
        );
        assert!(
            mentions(p, "d1 is marked `differs` but has no Rust scenario"),
            "{p:?}"
        );
        assert!(
            mentions(
                p,
                "d1 is marked `differs` but expected-rust/d1.trace is missing"
            ),
            "{p:?}"
        );
        assert!(
            mentions(
                p,
                "expected-rust/stray.trace exists but stray is not marked `differs`"
            ),
            "{p:?}"
        );
        assert_eq!(p.len(), 6, "{p:?}");
    }

    #[test]
    fn registered_but_pending_and_duplicates_fail() {
        let s = TempSuite::new("s1 pending\n", &[("s1", "a\nb\n")], &[]);
        let r = run(&s.0, &[AB, AB], None);
        assert!(mentions(&r.problems, "s1 is registered twice"));
        assert!(mentions(
            &r.problems,
            "s1 has a Rust scenario but is marked `pending`"
        ));
        assert_eq!(r.ran, 0);
    }

    #[test]
    fn differs_compares_with_the_rust_trace() {
        let s = TempSuite::new(
            "s1 differs no such thing in Rust\n",
            &[("s1", "other\n")],
            &[("s1", "a\nb\n")],
        );
        let r = run(&s.0, &[AB], None);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.differs, r.passed), (1, 1));
        let s = TempSuite::new(
            "s1 differs no such thing in Rust\n",
            &[("s1", "a\nb\n")],
            &[("s1", "z\n")],
        );
        let r = run(&s.0, &[AB], None);
        assert!(
            mentions(&r.problems, "trace differs from expected-rust/s1.trace"),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn panics_and_bad_files_are_problems_not_aborts() {
        let s = TempSuite::new(
            "s1 ported\ns2 ported\n",
            &[("s1", "a\nb"), ("s2", "a\n")],
            &[],
        );
        let r = run(
            &s.0,
            &[
                AB,
                Scenario {
                    name: "s2",
                    run: boom,
                },
            ],
            None,
        );
        assert!(
            mentions(&r.problems, "s1.trace: last line does not end in a newline"),
            "{:?}",
            r.problems
        );
        assert!(
            mentions(
                &r.problems,
                "s2: the Rust scenario panicked: not implemented here"
            ),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn filter_limits_what_runs() {
        let s = TempSuite::new("s1 ported\n", &[("s1", "a\nb\n")], &[]);
        let r = run(
            &s.0,
            &[Scenario {
                name: "s1",
                run: ax,
            }],
            Some("zzz"),
        );
        assert!(r.problems.is_empty() && r.ran == 0);
    }

    #[test]
    fn docs_table_must_follow_the_status_table() {
        let table = status::parse("a ported\nb pending waits | for net\nc differs why\n").unwrap();
        let doc = "x\n| `a` | ported | A |\n| `b` | pending: waits \\| for net | B |\n| `c` | differs: why | C |\n";
        assert!(
            check_docs_table(doc, &table).is_empty(),
            "{:?}",
            check_docs_table(doc, &table)
        );
        let stale = doc.replace("| `a` | ported", "| `a` | pending");
        let p = check_docs_table(&stale, &table);
        assert!(
            mentions(
                &p,
                "docs/conformance.md shows a as `pending`, status.txt says `ported`"
            ),
            "{p:?}"
        );
        let marked = format!(
            "<!-- scenario-table:begin -->\n{doc}<!-- scenario-table:end -->\n| `a` | v26 | other |\n"
        );
        assert!(
            check_docs_table(&marked, &table).is_empty(),
            "rows after the table count"
        );
        let missing = doc.replace("| `c` | differs: why | C |\n", "");
        let p = check_docs_table(&missing, &table);
        assert!(
            mentions(&p, "no row for c") && mentions(&p, "has 2 scenario rows, status.txt 3 lines"),
            "{p:?}"
        );
    }

    #[test]
    fn missing_table_is_a_problem() {
        let s = TempSuite::new("", &[("s1", "a\n")], &[]);
        fs::remove_file(s.0.join("status.txt")).unwrap();
        let r = run(&s.0, &[], None);
        assert!(mentions(&r.problems, "status.txt: "), "{:?}", r.problems);
    }
}

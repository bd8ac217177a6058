//! Checks the traces recorded with Node releases newer than the v20 baseline
//! (`expected-v<major>/`): each file is a well-formed trace, each directory holds exactly the
//! scenarios of `expected/`, and the table of docs/conformance.md's "Node v26 against v20"
//! section names exactly the scenarios whose traces differ from v20's, with the releases they
//! differ in. Nothing here runs node.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::trace::parse_trace_file;

const BEGIN: &str = "<!-- version-diff:begin -->";
const END: &str = "<!-- version-diff:end -->";

/// The traces of one directory by scenario name, or a message per unreadable file.
fn read_dir(dir: &Path, problems: &mut Vec<String>) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(format!("{}: {e}", dir.display()));
            return out;
        }
    };
    for path in entries.flatten().map(|e| e.path()) {
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".trace"))
        else {
            problems.push(format!("{}: not a .trace file", path.display()));
            continue;
        };
        match fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| parse_trace_file(&t))
        {
            Ok(lines) => {
                out.insert(name.to_owned(), lines);
            }
            Err(e) => problems.push(format!("{}: {e}", path.display())),
        }
    }
    out
}

/// The `expected-v<major>` directories under `dir`, by major.
fn version_dirs(dir: &Path) -> BTreeMap<u32, std::path::PathBuf> {
    let mut out = BTreeMap::new();
    for path in fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
    {
        let major = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_prefix("expected-v"))
            .and_then(|m| m.parse::<u32>().ok());
        if let Some(major) = major {
            out.insert(major, path);
        }
    }
    out
}

/// `(scenario, "v<major>")` pairs listed by the table between the markers of `doc`: the first
/// cell is the scenario in backticks, the second the releases, comma-separated.
fn documented(doc: &str, problems: &mut Vec<String>) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        problems.push(format!(
            "docs/conformance.md: no `{BEGIN}` ... `{END}` table"
        ));
        return out;
    };
    for row in doc[start..end].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`');
        let Some(versions) = cells.get(2) else {
            problems.push(format!("docs/conformance.md: row without releases: {row}"));
            continue;
        };
        for v in versions.split(',').map(str::trim) {
            out.insert((name.to_owned(), v.to_owned()));
        }
    }
    out
}

/// Everything wrong with the newer releases' traces and their table, one message each.
pub fn check(dir: &Path, doc: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let base = read_dir(&dir.join("expected"), &mut problems);
    let mut differing = BTreeSet::new();
    for (major, path) in version_dirs(dir) {
        let traces = read_dir(&path, &mut problems);
        let names: BTreeSet<_> = traces.keys().collect();
        if names != base.keys().collect::<BTreeSet<_>>() {
            problems.push(format!(
                "expected-v{major}/ does not hold the scenarios of expected/ (re-record with \
                 `record.js --node {major}`)"
            ));
        }
        for (name, lines) in &traces {
            if base.get(name).is_some_and(|b| b != lines) {
                differing.insert((name.clone(), format!("v{major}")));
            }
        }
    }
    let listed = documented(doc, &mut problems);
    for (name, v) in differing.difference(&listed) {
        problems.push(format!(
            "{name} differs in {v} from v20, but the table does not say so"
        ));
    }
    for (name, v) in listed.difference(&differing) {
        problems.push(format!(
            "the table lists {name} for {v}, but its traces are the same"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A suite directory with the given `(subdirectory, scenario, text)` trace files, removed
    /// on drop.
    struct TempDirs(PathBuf);

    impl TempDirs {
        fn new(files: &[(&str, &str, &str)]) -> TempDirs {
            static SERIAL: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(format!(
                "nodestream-versions-{}-{}",
                std::process::id(),
                SERIAL.fetch_add(1, Ordering::Relaxed)
            ));
            for (sub, name, text) in files {
                fs::create_dir_all(dir.join(sub)).unwrap();
                fs::write(dir.join(sub).join(format!("{name}.trace")), text).unwrap();
            }
            TempDirs(dir)
        }
    }

    impl Drop for TempDirs {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn table(rows: &str) -> String {
        format!("intro\n{BEGIN}\n| scenario | releases | cause |\n|---|---|---|\n{rows}{END}\n")
    }

    #[test]
    fn differences_must_match_the_table() {
        let d = TempDirs::new(&[
            ("expected", "a", "x\n"),
            ("expected", "b", "y\n"),
            ("expected-v24", "a", "x\n"),
            ("expected-v24", "b", "y\n"),
            ("expected-v26", "a", "x\n"),
            ("expected-v26", "b", "z\n"),
        ]);
        assert_eq!(
            check(&d.0, &table("| `b` | v26 | why |\n")),
            Vec::<String>::new()
        );
        assert_eq!(
            check(&d.0, &table("")),
            ["b differs in v26 from v20, but the table does not say so"]
        );
        assert_eq!(
            check(&d.0, &table("| `b` | v24, v26 | why |\n")),
            ["the table lists b for v24, but its traces are the same"]
        );
        assert_eq!(
            check(&d.0, "no table"),
            [
                format!("docs/conformance.md: no `{BEGIN}` ... `{END}` table"),
                "b differs in v26 from v20, but the table does not say so".to_owned()
            ]
        );
    }

    #[test]
    fn newer_traces_must_be_well_formed_and_complete() {
        let d = TempDirs::new(&[
            ("expected", "a", "x\n"),
            ("expected", "b", "y\n"),
            ("expected-v26", "a", "x"),
        ]);
        let p = check(&d.0, &table(""));
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].ends_with("a.trace: last line does not end in a newline"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("expected-v26/ does not hold the scenarios"),
            "{p:?}"
        );
    }
}

//! The port-status table `status.txt`: one line per scenario, `name  status  [reason]`.
//!
//! Blank lines and lines starting with `#` are ignored. Fields are separated by runs of
//! spaces or tabs; everything after the status is the reason (kept as written).

/// Where a scenario stands in the Rust port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Registered in Rust and compared with node's trace.
    Ported,
    /// Not ported yet; the note, if any, says what it waits for.
    Pending(Option<String>),
    /// Cannot match node in Rust, for the given reason; compared with `expected-rust/`.
    Differs(String),
}

impl Status {
    /// The word used in the table.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Ported => "ported",
            Status::Pending(_) => "pending",
            Status::Differs(_) => "differs",
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The scenario's name, as in `expected/<name>.trace`.
    pub name: String,
    /// Its status.
    pub status: Status,
    /// 1-based line number in the table, for messages.
    pub line: usize,
}

/// Parses the table. Every problem is reported (with its line number), not just the first.
pub fn parse(text: &str) -> Result<Vec<Entry>, Vec<String>> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (name, rest) = split_field(trimmed);
        let (word, reason) = split_field(rest);
        let reason = (!reason.is_empty()).then(|| reason.to_owned());
        let status = match (word, reason) {
            ("ported", None) => Status::Ported,
            ("ported", Some(_)) => {
                problems.push(format!(
                    "status.txt:{line}: `ported` takes no reason ({name})"
                ));
                continue;
            }
            ("pending", note) => Status::Pending(note),
            ("differs", Some(reason)) => Status::Differs(reason),
            ("differs", None) => {
                problems.push(format!(
                    "status.txt:{line}: `differs` needs a reason ({name})"
                ));
                continue;
            }
            ("", _) => {
                problems.push(format!("status.txt:{line}: no status for {name}"));
                continue;
            }
            (other, _) => {
                problems.push(format!(
                    "status.txt:{line}: unknown status `{other}` for {name} (ported, pending or differs)"
                ));
                continue;
            }
        };
        if let Some(first) = entries.iter().find(|e| e.name == name) {
            problems.push(format!(
                "status.txt:{line}: {name} is listed twice (first on line {})",
                first.line
            ));
            continue;
        }
        entries.push(Entry {
            name: name.to_owned(),
            status,
            line,
        });
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// Splits off the first whitespace-separated field; the rest is trimmed.
fn split_field(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(at) => (&s[..at], s[at..].trim()),
        None => (s, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_three_statuses() {
        let text = "# comment\n\nw01  ported\nw02\tpending\nw03 pending needs the net layer\n  x01   differs   Rust has no   lone surrogates  \n";
        let entries = parse(text).unwrap();
        let got: Vec<(&str, &Status, usize)> = entries
            .iter()
            .map(|e| (e.name.as_str(), &e.status, e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("w01", &Status::Ported, 3),
                ("w02", &Status::Pending(None), 4),
                (
                    "w03",
                    &Status::Pending(Some("needs the net layer".into())),
                    5
                ),
                (
                    "x01",
                    &Status::Differs("Rust has no   lone surrogates".into()),
                    6
                ),
            ]
        );
        assert_eq!(entries[3].status.word(), "differs");
    }

    #[test]
    fn reports_every_bad_line() {
        let text = "a differs\nb\nc done\nd ported because\ne pending\ne ported\n";
        let problems = parse(text).unwrap_err();
        assert_eq!(
            problems,
            [
                "status.txt:1: `differs` needs a reason (a)",
                "status.txt:2: no status for b",
                "status.txt:3: unknown status `done` for c (ported, pending or differs)",
                "status.txt:4: `ported` takes no reason (d)",
                "status.txt:6: e is listed twice (first on line 5)",
            ]
        );
    }
}

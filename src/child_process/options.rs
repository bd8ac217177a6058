//! Node's `stdio` option of `spawn`: what each of the child's stdin, stdout and stderr is
//! connected to.

use crate::sys::spawn::StdioKind;

/// One entry of Node's `stdio` option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StdioOption {
    /// `'pipe'` (the default): a pipe to the parent, whose end becomes the child's
    /// [`stdin`](super::Subprocess::stdin), [`stdout`](super::Subprocess::stdout) or
    /// [`stderr`](super::Subprocess::stderr) stream.
    #[default]
    Pipe,
    /// `'inherit'`: the parent's own stdin, stdout or stderr.
    Inherit,
    /// `'ignore'`: `/dev/null`.
    Ignore,
}

impl StdioOption {
    pub(crate) fn kind(self) -> StdioKind {
        match self {
            StdioOption::Pipe => StdioKind::Pipe,
            StdioOption::Inherit => StdioKind::Inherit,
            StdioOption::Ignore => StdioKind::Null,
        }
    }
}

/// The options of [`spawn_with`](super::spawn_with) (Node's `options` of `spawn`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpawnOptions {
    /// Stdin, stdout and stderr, in that order (Node's `stdio` array; default all
    /// [`Pipe`](StdioOption::Pipe)).
    pub stdio: [StdioOption; 3],
}

impl SpawnOptions {
    /// All three piped, as Node's default.
    pub fn new() -> SpawnOptions {
        SpawnOptions::default()
    }

    /// The same option for all three (Node's `stdio: 'inherit'`, `'ignore'`, `'pipe'`).
    pub fn stdio_all(mut self, each: StdioOption) -> SpawnOptions {
        self.stdio = [each; 3];
        self
    }

    /// Each of stdin, stdout and stderr (Node's `stdio: [in, out, err]`).
    pub fn stdio(
        mut self,
        stdin: StdioOption,
        stdout: StdioOption,
        stderr: StdioOption,
    ) -> SpawnOptions {
        self.stdio = [stdin, stdout, stderr];
        self
    }
}

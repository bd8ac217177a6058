//! `cat`: standard input piped to standard output through nodestream, Node's
//! `process.stdin.pipe(process.stdout)`.
//!
//! Run with `cargo run --example cat < some-file > copy`, or in a pipeline:
//! `printf 'hello\n' | cargo run --example cat | wc -c`.
//!
//! What it shows: [`stdin`] as a Readable and [`stdout`] as a Writable, with Node's
//! backpressure (the source pauses when `write` returns `false` and resumes on `'drain'`; its
//! `'end'` ends stdout). Whatever fd 0 and fd 1 are (a pipe, a file, a socket, a terminal),
//! nothing the process shares with the shell or the rest of a pipeline is switched to
//! nonblocking mode (see [`stdin`] and [`stdout`]).

use nodestream::process::{stdin, stdout};
use nodestream::EventLoop;

fn main() {
    let run = || -> nodestream::Result<()> {
        let lp = EventLoop::new()?;
        stdin(&lp.handle())?.pipe(&stdout(&lp.handle())?);
        lp.run()
    };
    if let Err(e) = run() {
        eprintln!("cat: {e}");
        std::process::exit(1);
    }
}

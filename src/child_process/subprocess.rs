//! Node's `ChildProcess` object: [`spawn_with`] and [`Subprocess`], with its events and
//! controls.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::process::Command;
use std::rc::Rc;

use nodestream_emitter::{EventEmitter, IntoEvent, ListenerId};
use rustix::process::Signal;

use super::events::{ExitInfo, EVENTS, SPAWN};
use super::options::SpawnOptions;
use super::reap::watch;
use super::state::ProcessState;
use crate::error::Error;
use crate::reactor::LoopHandle;
use crate::stream::readable::{Readable, ReadableOptions};
use crate::stream::writable::WritableOptions;
use crate::stream::FdWritable;
use crate::sys::spawn::{self, Child};

/// A child process started by [`spawn_with`]: Node's `ChildProcess`.
///
/// # Events
///
/// In Node's order: [`SPAWN`] (the tick after [`spawn_with`]), then [`EXIT`](super::EXIT)
/// when the child ends, then [`CLOSE`](super::CLOSE) once it has exited *and* its piped
/// stdout and stderr have closed. A child that cannot start emits
/// [`ERROR`](crate::events::ERROR) on the next tick (`spawn no-such-program
/// ENOENT`), then [`CLOSE`](super::CLOSE) with the negated errno as its code; no `'spawn'`
/// and no `'exit'`.
pub struct Subprocess {
    /// The child's stdin, if piped (Node's `subprocess.stdin`, `null` otherwise).
    pub stdin: Option<FdWritable>,
    /// The child's stdout, if piped.
    pub stdout: Option<Readable>,
    /// The child's stderr, if piped.
    pub stderr: Option<Readable>,
    state: Rc<ProcessState>,
}

impl fmt::Debug for Subprocess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subprocess")
            .field("pid", &self.pid())
            .field("exit", &self.state.exit.get())
            .finish_non_exhaustive()
    }
}

impl Subprocess {
    /// The child's emitter (a handle to the same listeners).
    pub fn emitter(&self) -> EventEmitter {
        self.state.emitter.clone()
    }

    /// Adds a listener: Node's `subprocess.on`.
    pub fn on<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.state.emitter.on(event, listener)
    }

    /// Adds a listener that runs once: Node's `subprocess.once`.
    pub fn once<P: 'static, E: IntoEvent<P>>(
        &self,
        event: E,
        listener: impl Fn(&P) + 'static,
    ) -> ListenerId {
        self.state.emitter.once(event, listener)
    }

    /// Removes a listener: Node's `subprocess.off`.
    pub fn off(&self, id: ListenerId) -> bool {
        self.state.emitter.off(id)
    }

    /// The child's process id (Node's `subprocess.pid`); `None` if it failed to start.
    pub fn pid(&self) -> Option<u32> {
        self.state.pid
    }

    /// The exit code once the child has exited (Node's `subprocess.exitCode`): `None` while
    /// it runs and when a signal ended it; the negated errno if it failed to start.
    pub fn exit_code(&self) -> Option<i32> {
        self.state.exit.get().and_then(|e| e.code)
    }

    /// The signal that ended the child (Node's `subprocess.signalCode`).
    pub fn signal_code(&self) -> Option<Signal> {
        self.state.exit.get().and_then(|e| e.signal)
    }

    /// How the child ended, once `'exit'` has been emitted.
    pub fn exit_info(&self) -> Option<ExitInfo> {
        self.state.exit.get()
    }

    /// Whether a signal was sent with [`kill`](Subprocess::kill) (Node's
    /// `subprocess.killed`; it says nothing of whether the child died of it).
    pub fn killed(&self) -> bool {
        self.state.killed.get()
    }

    /// Sends `signal` to the child: Node's `subprocess.kill(signal)`. `true` if it was sent;
    /// `false` once the child has exited or if it failed to start.
    ///
    /// # Events
    ///
    /// A failure other than `ESRCH` (`EPERM`) is emitted as `'error'` (`kill EPERM`), as
    /// Node does.
    pub fn kill(&self, signal: Signal) -> bool {
        ProcessState::kill(&self.state, signal)
    }

    /// Lets the loop finish while the child still runs (Node's `subprocess.unref()`). Its
    /// piped streams, if any, still keep the loop alive until they close. `'exit'` comes
    /// only if the loop is running when the child exits.
    pub fn unref(&self) {
        self.state.set_ref(false);
    }

    /// Makes the running child keep the loop alive again (Node's `subprocess.ref()`).
    pub fn ref_(&self) {
        self.state.set_ref(true);
    }

    pub(crate) fn state(&self) -> &Rc<ProcessState> {
        &self.state
    }
}

/// Starts `command` as Node's `child_process.spawn(command, args, options)` does: the child
/// object at once, and any failure to start as its `'error'` event.
///
/// Each of stdin, stdout and stderr is what [`SpawnOptions::stdio`] says (all piped by
/// default, as Node's). The child is reaped by the loop (never by a blocking wait), which
/// stays alive until the child has exited.
///
/// # Events
///
/// See [`Subprocess`]. For a missing program: `'error'` with Node's message
/// `spawn no-such-program ENOENT`, [`code`](Error::code) `ENOENT`,
/// [`errno`](Error::errno) `-2`, [`syscall`](Error::syscall) `spawn no-such-program`,
/// [`path`](Error::path) and [`spawnargs`](Error::spawnargs), then `'close'` with code `-2`.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::process::Command;
/// use std::rc::Rc;
///
/// use nodestream::child_process::{spawn_with, SpawnOptions, CLOSE, EXIT, SPAWN};
/// use nodestream::EventLoop;
///
/// let lp = EventLoop::new()?;
/// let child = spawn_with(&lp.handle(), Command::new("sh").args(["-c", "exit 3"]), SpawnOptions::new());
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let l = log.clone();
/// child.on(SPAWN, move |_| l.borrow_mut().push("spawn".to_string()));
/// let l = log.clone();
/// child.on(EXIT, move |e| l.borrow_mut().push(format!("exit {:?}", e.code)));
/// let l = log.clone();
/// child.on(CLOSE, move |e| l.borrow_mut().push(format!("close {:?}", e.code)));
/// lp.run()?;
/// assert_eq!(*log.borrow(), ["spawn", "exit Some(3)", "close Some(3)"]);
/// assert_eq!(child.exit_code(), Some(3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spawn_with(lp: &LoopHandle, command: &mut Command, options: SpawnOptions) -> Subprocess {
    let kinds = options.stdio.map(|o| o.kind());
    let name = describe(command);
    match spawn::spawn_with(command, kinds) {
        Ok(child) => {
            let (sub, setup_error) = started(lp, child, name);
            if let Some(err) = setup_error {
                // Not reachable short of running out of fds or epoll space: the child
                // cannot be used, so it goes, and the failure is its 'error'.
                ProcessState::kill(&sub.state, Signal::KILL);
                let s = sub.state.clone();
                lp.next_tick(move || ProcessState::error(&s, err));
            }
            sub
        }
        Err(err) => {
            let program = std::path::Path::new(command.get_program());
            let err = Error::spawn_failed(err, program, spawnargs(command));
            failed(lp, err, name)
        }
    }
}

/// Node's `spawnargs`: the arguments, lossily as text.
pub(crate) fn spawnargs(command: &Command) -> Vec<String> {
    let args = command.get_args();
    args.map(|a| a.to_string_lossy().into_owned()).collect()
}

/// `sleep 10` as an unhandled error names the child.
pub(crate) fn describe(command: &Command) -> String {
    format!("child_process {}", command.get_program().to_string_lossy())
}

fn new_state(lp: &LoopHandle, child: Option<Child>, name: String) -> Rc<ProcessState> {
    let emitter = EventEmitter::new();
    emitter.declare_events(&[&EVENTS]);
    let pid = child.as_ref().map(Child::pid);
    Rc::new(ProcessState {
        lp: lp.clone(),
        emitter,
        child: RefCell::new(child),
        pid,
        exit: Cell::new(None),
        killed: Cell::new(false),
        closes_needed: Cell::new(1),
        stdin: RefCell::new(None),
        readers: RefCell::new(Vec::new()),
        name,
        watcher: Cell::new(None),
    })
}

/// The child failed to start: `'error'` on the next tick, then `'close'` with the negated
/// errno after the turn's immediates, as Node's order is.
fn failed(lp: &LoopHandle, err: Error, name: String) -> Subprocess {
    let st = new_state(lp, None, name);
    let code = err.errno().unwrap_or(-1);
    let s = st.clone();
    lp.next_tick(move || {
        s.exit.set(Some(ExitInfo {
            code: Some(code),
            signal: None,
        }));
        ProcessState::error(&s, err);
        let s2 = s.clone();
        s.lp.set_immediate(move || ProcessState::maybe_close(&s2));
    });
    Subprocess {
        stdin: None,
        stdout: None,
        stderr: None,
        state: st,
    }
}

/// The child runs: its pipes become streams, its exit is watched, `'spawn'` is queued. A
/// failure to set that up comes back beside the child (whose `'spawn'` is then not queued).
pub(crate) fn started(
    lp: &LoopHandle,
    mut child: Child,
    name: String,
) -> (Subprocess, Option<Error>) {
    let pid = child.pid();
    let named = move |side: &'static str, fd: i32| {
        move || format!("child_process {side} fd {fd} (pid {pid})")
    };
    let fd_of = |fd: std::os::fd::BorrowedFd<'_>| std::os::fd::AsRawFd::as_raw_fd(&fd);
    let name = format!("{name} (pid {pid})");
    let (stdin_fd, stdout_fd, stderr_fd) =
        (child.take_stdin(), child.take_stdout(), child.take_stderr());
    let st = new_state(lp, Some(child), name);
    let mut setup_error = None;
    let stdin = stdin_fd.and_then(|fd| match FdWritable::new(lp, fd, WritableOptions::new()) {
        Ok(w) => {
            if let Some(fd) = w.with_fd(fd_of) {
                w.as_writable().hooks().set_origin(named("stdin", fd));
            }
            Some(w)
        }
        Err(e) => {
            setup_error.get_or_insert(e.error);
            None
        }
    });
    let mut reader = |fd: Option<std::os::fd::OwnedFd>, side: &'static str| {
        let fd = fd?;
        let raw = fd_of(std::os::fd::AsFd::as_fd(&fd));
        match Readable::from_fd(lp, fd, ReadableOptions::default()) {
            Ok(r) => {
                r.hooks().set_origin(named(side, raw));
                st.closes_needed.set(st.closes_needed.get() + 1);
                st.readers.borrow_mut().push(r.downgrade());
                let s = st.clone();
                r.on(crate::stream::lifecycle::CLOSE, move |_: &()| {
                    ProcessState::maybe_close(&s)
                });
                Some(r)
            }
            Err(e) => {
                setup_error.get_or_insert(e.error);
                None
            }
        }
    };
    let stdout = reader(stdout_fd, "stdout");
    let stderr = reader(stderr_fd, "stderr");
    *st.stdin.borrow_mut() = stdin.as_ref().map(FdWritable::downgrade);
    if let Err(e) = watch(&st, pid) {
        setup_error.get_or_insert(e);
    }
    if setup_error.is_none() {
        let s = st.clone();
        lp.next_tick(move || {
            s.emitter.emit(SPAWN, &());
        });
    }
    let sub = Subprocess {
        stdin,
        stdout,
        stderr,
        state: st,
    };
    (sub, setup_error)
}

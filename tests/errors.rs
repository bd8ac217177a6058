//! The one error type: each failed call worded exactly as Node words it (with the real
//! port and path) and fielded as Node's (`code`, `errno`, `syscall`, `path`, `address`,
//! `port`); `?` from every result of the crate in functions returning
//! `nodestream::Result`, `io::Result` and `Box<dyn Error>`; the fd a constructor refuses
//! handed back in `FdError` and closed when converted; and the error that ends `run()`
//! naming the stream that emitted it.
//!
//! The expected messages are Node's own: where `node` is installed, each test also runs
//! the same failure under node v20 and compares the two messages byte for byte.
//!
//! Every test takes the fd lock: they all open fds, and one of them counts them.

mod support;

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::Command;
use std::rc::Rc;

use nodestream::events::ERROR;
use nodestream::fs::{create_write_stream, WriteStreamOptions};
use nodestream::net::{connect, connect_tcp, connect_unix, listen_tcp, Socket};
use nodestream::stream::writable::WriteCallback;
use nodestream::stream::FdWritable;
use nodestream::{Error, EventLoop, FdError, Readable, ReadableOptions, WritableOptions};
use support::{fd_count, fd_lock, same_file};

/// What node v20 prints as `err.message` for the failure `script` provokes (it reads the
/// port or path from `process.argv[1]`), or `None` when node is not installed.
fn node_message(script: &str, arg: &str) -> Option<String> {
    let out = Command::new("node")
        .args(["-e", script, arg])
        .output()
        .ok()?;
    assert!(out.status.success(), "node failed: {out:?}");
    Some(String::from_utf8(out.stdout).unwrap().trim_end().to_owned())
}

/// Asserts that node words the failure as `ours` does, where node is installed.
fn same_as_node(ours: &str, script: &str, arg: &str) {
    if let Some(theirs) = node_message(script, arg) {
        assert_eq!(ours, theirs, "node's message differs");
    }
}

/// A TCP port nobody listens on (bound, then closed).
fn closed_port() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// The first error a stream emits, kept.
fn first_error() -> (Rc<RefCell<Option<Error>>>, impl Fn(&Error) + 'static) {
    let seen: Rc<RefCell<Option<Error>>> = Rc::default();
    let s = seen.clone();
    (seen, move |e: &Error| {
        s.borrow_mut().get_or_insert_with(|| e.clone());
    })
}

#[test]
fn open_enoent_reads_as_nodes_with_its_path() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let file = "/nonexistent/dir/file";
    let ws = create_write_stream(&lp.handle(), file, WriteStreamOptions::new()).unwrap();
    let (seen, keep) = first_error();
    ws.on(ERROR, keep);
    lp.run().unwrap();
    let err = seen.borrow_mut().take().expect("an 'error' event");
    assert_eq!(
        err.message(),
        "ENOENT: no such file or directory, open '/nonexistent/dir/file'"
    );
    assert_eq!(err.code().as_str(), "ENOENT");
    assert_eq!((err.errno(), err.syscall()), (Some(-2), Some("open")));
    assert_eq!(err.path(), Some(Path::new(file)));
    assert_eq!((err.address(), err.port()), (None, None));
    // Handled: no stream is named.
    assert_eq!(err.origin(), None);
    same_as_node(
        err.message(),
        "require('fs').createWriteStream(process.argv[1]).on('error', e => console.log(e.message))",
        file,
    );
}

#[test]
fn listen_eaddrinuse_reads_as_nodes_with_its_address_and_port() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = listen_tcp(&lp.handle(), addr, |_| {}).unwrap_err();
    let port = addr.port();
    assert_eq!(
        err.message(),
        format!("listen EADDRINUSE: address already in use 127.0.0.1:{port}")
    );
    assert_eq!(err.code().as_str(), "EADDRINUSE");
    assert_eq!(
        (err.errno(), err.syscall(), err.address(), err.port()),
        (Some(-98), Some("listen"), Some("127.0.0.1"), Some(port))
    );
    assert_eq!(err.path(), None);
    // The same through create_server().listen().
    let again = nodestream::net::create_server(&lp.handle(), |_| {})
        .listen(addr)
        .unwrap_err();
    assert_eq!(again.message(), err.message());
    same_as_node(
        err.message(),
        "require('net').createServer().listen(+process.argv[1], '127.0.0.1')\
         .on('error', e => { console.log(e.message); process.exit(0) })",
        &port.to_string(),
    );
}

#[test]
fn listen_on_a_unix_path_names_the_path() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let path = "/nonexistent/dir/sock";
    let err = nodestream::net::listen_unix(&lp.handle(), path, |_| {}).unwrap_err();
    assert_eq!(
        err.message(),
        "listen ENOENT: no such file or directory /nonexistent/dir/sock"
    );
    assert_eq!(
        (err.syscall(), err.address(), err.port()),
        (Some("listen"), Some(path), None)
    );
}

#[test]
fn spawn_enoent_reads_as_nodes_with_its_path() {
    let _fds = fd_lock();
    let before = fd_count();
    let lp = EventLoop::new().unwrap();
    let err =
        nodestream::child_process::spawn(&lp.handle(), Command::new("no-such-program").arg("a"))
            .unwrap_err();
    assert_eq!(err.message(), "spawn no-such-program ENOENT");
    assert_eq!(err.code().as_str(), "ENOENT");
    assert_eq!(
        (err.errno(), err.syscall()),
        (Some(-2), Some("spawn no-such-program"))
    );
    assert_eq!(err.path(), Some(Path::new("no-such-program")));
    drop(lp);
    assert_eq!(
        fd_count(),
        before,
        "a pipe of the failed spawn was left open"
    );
    same_as_node(
        err.message(),
        "require('child_process').spawn(process.argv[1], ['a']).on('error', e => console.log(e.message))",
        "no-such-program",
    );
}

#[test]
fn connect_econnrefused_reads_as_nodes_and_an_unhandled_one_names_the_socket() {
    let _fds = fd_lock();
    let addr = closed_port();
    let port = addr.port();
    let expected = format!("connect ECONNREFUSED 127.0.0.1:{port}");

    // Handled: the 'error' event.
    let lp = EventLoop::new().unwrap();
    let sock = connect_tcp(&lp.handle(), addr).unwrap();
    let (seen, keep) = first_error();
    sock.writable.on(ERROR, keep);
    lp.run().unwrap();
    let err = seen.borrow_mut().take().expect("an 'error' event");
    assert_eq!(err.message(), expected);
    assert_eq!(
        (err.errno(), err.syscall(), err.address(), err.port()),
        (Some(-111), Some("connect"), Some("127.0.0.1"), Some(port))
    );
    same_as_node(
        err.message(),
        "require('net').connect(+process.argv[1], '127.0.0.1').on('error', e => console.log(e.message))",
        &port.to_string(),
    );

    // Unhandled: run() returns it, naming the socket and where it connected to.
    let lp = EventLoop::new().unwrap();
    let sock = connect(&lp.handle(), addr).unwrap();
    let fd = sock
        .writable
        .with_fd(|fd| std::os::fd::AsRawFd::as_raw_fd(&fd))
        .unwrap();
    let err = lp.run().unwrap_err();
    assert_eq!(err.message(), expected);
    let origin = format!("net.Socket fd {fd} 127.0.0.1:{port}");
    assert_eq!(err.origin(), Some(origin.as_str()));
    assert_eq!(
        err.to_string(),
        format!("{expected} [ECONNREFUSED] (unhandled 'error' of {origin})")
    );
    assert!(format!("{err:?}").contains(&format!("origin: \"{origin}\"")));
}

#[test]
fn a_unix_connect_names_the_path() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let err = connect_unix(&lp.handle(), "/nonexistent/sock", Default::default()).unwrap_err();
    assert_eq!(err.message(), "connect ENOENT /nonexistent/sock");
    assert_eq!(
        (err.syscall(), err.address(), err.port(), err.errno()),
        (Some("connect"), Some("/nonexistent/sock"), None, Some(-2))
    );
    same_as_node(
        err.message(),
        "require('net').connect(process.argv[1]).on('error', e => console.log(e.message))",
        "/nonexistent/sock",
    );
}

#[test]
fn an_unhandled_write_error_ends_run_naming_the_fd_stream() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let (r, w) = support::pipe();
    drop(r);
    let number = std::os::fd::AsRawFd::as_raw_fd(&w);
    let out = FdWritable::new(&lp.handle(), w, WritableOptions::new()).unwrap();
    out.write("nobody reads this");
    let err = lp.run().unwrap_err();
    assert_eq!(err.message(), "write EPIPE");
    assert_eq!((err.syscall(), err.errno()), (Some("write"), Some(-32)));
    let origin = format!("FdWritable fd {number}");
    assert_eq!(err.origin(), Some(origin.as_str()));
    assert_eq!(
        err.to_string(),
        format!("write EPIPE [EPIPE] (unhandled 'error' of {origin})")
    );
}

#[test]
fn an_unhandled_open_error_names_the_file_stream() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let _ws = create_write_stream(&lp.handle(), "/nonexistent/x", WriteStreamOptions::new());
    let err = lp.run().unwrap_err();
    assert_eq!(err.origin(), Some("fs.WriteStream '/nonexistent/x'"));
}

/// A sink whose every write fails.
struct Failing;

impl nodestream::Sink for Failing {
    fn write(&mut self, _: nodestream::stream::writable::Chunk, cb: WriteCallback) {
        cb.error(Error::custom("EMINE", "mine"));
    }
}

#[test]
fn an_unhandled_error_of_a_plain_stream_names_its_kind() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let w = nodestream::Writable::new(&lp.handle(), Failing, WritableOptions::new());
    w.write("x");
    let err = lp.run().unwrap_err();
    assert_eq!(err.origin(), Some("Writable"));
    assert_eq!(
        err.to_string(),
        "mine [EMINE] (unhandled 'error' of Writable)"
    );
}

// `?` in the three shapes of function a user writes.

fn in_nodestream_result(addr: SocketAddr) -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    // An io::Error converts too.
    std::fs::metadata("Cargo.toml")?;
    listen_tcp(&lp.handle(), addr, |_| {})?;
    Ok(())
}

fn in_io_result(addr: SocketAddr) -> io::Result<()> {
    let lp = EventLoop::new()?;
    listen_tcp(&lp.handle(), addr, |_| {})?;
    Ok(())
}

fn in_boxed_result(addr: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let lp = EventLoop::new()?;
    listen_tcp(&lp.handle(), addr, |_| {})?;
    Ok(())
}

#[test]
fn question_mark_works_in_each_shape_and_keeps_the_message() {
    let _fds = fd_lock();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let expected = format!(
        "listen EADDRINUSE: address already in use 127.0.0.1:{}",
        addr.port()
    );

    let e = in_nodestream_result(addr).unwrap_err();
    assert_eq!(e.message(), expected);

    let e = in_io_result(addr).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
    assert_eq!(e.to_string(), format!("{expected} [EADDRINUSE]"));
    // The whole error is one step away, OS error number included.
    let back = Error::from_io(e);
    assert_eq!(
        (back.raw_os_error(), back.port(), back.message()),
        (Some(98), Some(addr.port()), expected.as_str())
    );

    let e = in_boxed_result(addr).unwrap_err();
    let ours = e
        .downcast_ref::<Error>()
        .expect("a nodestream::Error inside");
    assert_eq!(ours.message(), expected);
}

/// A regular file, which an fd stream refuses (it cannot be polled).
fn a_file() -> OwnedFd {
    std::fs::File::open("Cargo.toml").unwrap().into()
}

fn fd_in_nodestream_result(lp: &EventLoop) -> nodestream::Result<()> {
    FdWritable::new(&lp.handle(), a_file(), WritableOptions::new())?;
    Ok(())
}

fn fd_in_io_result(lp: &EventLoop) -> io::Result<()> {
    Readable::from_fd(&lp.handle(), a_file(), ReadableOptions::default())?;
    Ok(())
}

fn fd_in_boxed_result(lp: &EventLoop) -> Result<(), Box<dyn std::error::Error>> {
    Socket::from_fd(&lp.handle(), a_file())?;
    Ok(())
}

#[test]
fn a_refused_fd_comes_back_and_is_closed_when_converted() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let before = fd_count();

    // Handed back: the very file, still open.
    let file = a_file();
    let witness = file.try_clone().unwrap();
    let refused: FdError = FdWritable::new(&lp.handle(), file, WritableOptions::new()).unwrap_err();
    assert!(same_file(&refused.fd, &witness));
    assert_eq!(fd_count(), before + 2);
    // Converted: the error stays, the fd closes.
    let code = refused.error.code().clone();
    let err = Error::from(refused);
    assert_eq!(*err.code(), code);
    assert_eq!(fd_count(), before + 1);
    drop(witness);
    let refused =
        Readable::from_fd(&lp.handle(), a_file(), ReadableOptions::default()).unwrap_err();
    let io_err = io::Error::from(refused);
    assert_eq!(
        fd_count(),
        before,
        "the fd was not closed by the conversion"
    );
    drop(io_err);

    // `?` in each shape: nothing left open once the error is dropped.
    let e = fd_in_nodestream_result(&lp).unwrap_err();
    assert_eq!(fd_count(), before);
    drop(e);
    let e = fd_in_io_result(&lp).unwrap_err();
    assert_eq!(fd_count(), before);
    drop(e);
    // Boxed, the FdError itself travels (fd included) and closes it when dropped.
    let e = fd_in_boxed_result(&lp).unwrap_err();
    let fd_error = e.downcast_ref::<FdError>().expect("the FdError inside");
    assert_eq!(fd_error.error.syscall(), None);
    drop(e);
    assert_eq!(fd_count(), before);
}

#[test]
fn unhandled_errors_of_fd_readables_and_sockets_name_kind_and_fd() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    let (r, _w) = support::pipe();
    let number = std::os::fd::AsRawFd::as_raw_fd(&r);
    let readable = Readable::from_fd(&lp.handle(), r, ReadableOptions::default()).unwrap();
    readable.destroy(Some(Error::custom("EMINE", "mine")));
    let err = lp.run().unwrap_err();
    assert_eq!(err.origin(), Some(format!("Readable fd {number}").as_str()));

    let (a, b) = nodestream::net::unix_pair(&lp.handle()).unwrap();
    let number = a
        .writable
        .with_fd(|fd| std::os::fd::AsRawFd::as_raw_fd(&fd))
        .unwrap();
    // Either side of a socket names the socket.
    a.readable.destroy(Some(Error::custom("EMINE", "mine")));
    let err = lp.run().unwrap_err();
    assert_eq!(
        err.origin(),
        Some(format!("net.Socket fd {number}").as_str())
    );
    drop(b);
}

#[test]
fn an_unhandled_error_of_a_childs_stdin_names_the_child() {
    let _fds = fd_lock();
    let lp = EventLoop::new().unwrap();
    // `true` exits at once without reading: writing to its stdin fails with EPIPE.
    let child = nodestream::child_process::spawn(&lp.handle(), &mut Command::new("true")).unwrap();
    let fd = child
        .stdin
        .with_fd(|fd| std::os::fd::AsRawFd::as_raw_fd(&fd))
        .unwrap();
    child.wait().unwrap();
    child.stdin.write("nobody reads this");
    let err = lp.run().unwrap_err();
    assert_eq!(err.message(), "write EPIPE");
    let origin = format!("child_process stdin fd {fd} (pid {})", child.pid());
    assert_eq!(err.origin(), Some(origin.as_str()));
}

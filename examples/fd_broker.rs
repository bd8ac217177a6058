//! A file broker: a server opens files and hands their descriptors to clients over a Unix
//! socket.
//!
//! Run with `cargo run --example fd_broker`. Both sides run in this one process: the server
//! on the main thread's event loop, the client on a thread with an event loop of its own.
//!
//! The protocol: the client sends a file name and a newline; the server checks the client's
//! credentials (`SO_PEERCRED`: it serves only its own user), opens the file read-only from
//! its directory and answers with one byte, `+` carrying the open descriptor (SCM_RIGHTS,
//! [`FdWritable::write_with_fds`](nodestream::stream::FdWritable::write_with_fds)), or
//! `-` with no descriptor when it refuses (no such file, or a name that leaves the
//! directory). The client receives each descriptor as an `'fd'` event, which comes before
//! the `'data'` carrying its byte, and reads the file through it.
//!
//! Each side prints a line before it sends the message that the other side's next line
//! depends on, so the output is the same on every run.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use nodestream::net::{listen_unix, PassedFd, Server, Socket, FD};
use nodestream::stream::readable::{Chunk, DATA, END};
use nodestream::EventLoop;

/// The files the server offers, and their contents.
pub const FILES: [(&str, &str); 2] = [
    ("hello.txt", "hello from the broker\n"),
    ("numbers.txt", "1 2 3 5 8 13\n"),
];

/// What the client asks for, in order.
pub const REQUESTS: [&str; 4] = ["hello.txt", "missing.txt", "../secret", "numbers.txt"];

/// The server's answer to one request: the descriptor to send, or why not.
pub fn open_for(dir: &Path, name: &str) -> Result<OwnedFd, &'static str> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err("refused: outside the directory");
    }
    match std::fs::File::open(dir.join(name)) {
        Ok(f) => Ok(f.into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("refused: no such file"),
        Err(_) => Err("refused: cannot open"),
    }
}

/// Serves one connection: one answer per request line.
fn serve(sock: Socket, dir: PathBuf) {
    match sock.peer_credentials() {
        Ok(c) if c.uid == rustix::process::getuid().as_raw() => {
            println!("server: client connected (same user, credentials accepted)");
        }
        Ok(c) => {
            println!("server: client of uid {} refused", c.uid);
            sock.destroy(None);
            return;
        }
        Err(e) => {
            println!("server: no credentials ({e}); refused");
            sock.destroy(None);
            return;
        }
    }
    let pending = Rc::new(RefCell::new(Vec::<u8>::new()));
    // Weakly: a listener holding its own socket would keep it alive for good (an `Rc`
    // cycle, which Node's garbage collector would collect).
    let me = sock.downgrade();
    sock.on(DATA, move |c: &Chunk| {
        let Some(out) = me.upgrade() else {
            return;
        };
        let out = &out.writable;
        let mut buf = pending.borrow_mut();
        buf.extend_from_slice(c.as_bytes().unwrap_or_default());
        while let Some(nl) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=nl).collect();
            let name = String::from_utf8_lossy(&line[..nl]).into_owned();
            match open_for(&dir, &name) {
                Ok(fd) => {
                    println!("server: {name:?}: sending its descriptor");
                    out.write_with_fds("+", vec![fd], |_| {});
                }
                Err(why) => {
                    println!("server: {name:?}: {why}");
                    out.write("-");
                }
            }
        }
    });
    sock.on(END, |_: &()| println!("server: client done"));
}

/// The client: asks for each of [`REQUESTS`] in turn on its own loop over the connected
/// socket `conn`, and reads each file it is given through the received descriptor.
/// Returns how many received descriptors nobody took (0).
///
/// # Errors
///
/// Making the streams, or the client's loop failing.
pub fn client(conn: OwnedFd) -> Result<usize, Box<dyn std::error::Error>> {
    let lp = EventLoop::new()?;
    let sock = Socket::from_fd(&lp.handle(), conn)?;
    let fds: Rc<RefCell<VecDeque<OwnedFd>>> = Rc::default();
    let f = fds.clone();
    sock.on(FD, move |p: &PassedFd| {
        if let Some(fd) = p.take() {
            f.borrow_mut().push_back(fd);
        }
    });
    let next = Rc::new(std::cell::Cell::new(0usize));
    sock.write(format!("{}\n", REQUESTS[0]));
    let me = sock.downgrade();
    sock.on(DATA, move |c: &Chunk| {
        let Some(me) = me.upgrade() else {
            return;
        };
        let w = &me.writable;
        for &b in c.as_bytes().unwrap_or_default() {
            let name = REQUESTS[next.get()];
            if b == b'+' {
                let Some(fd) = fds.borrow_mut().pop_front() else {
                    println!("client: {name:?}: '+' without a descriptor");
                    continue;
                };
                let cloexec = rustix::io::fcntl_getfd(&fd)
                    .is_ok_and(|fl| fl.contains(rustix::io::FdFlags::CLOEXEC));
                let mut text = String::new();
                let read = std::fs::File::from(fd).read_to_string(&mut text);
                match read {
                    Ok(n) => println!(
                        "client: {name:?}: got a descriptor (close-on-exec: {cloexec}), \
                         read {n} bytes: {text:?}"
                    ),
                    Err(e) => println!("client: {name:?}: reading failed: {e}"),
                }
            } else {
                println!("client: {name:?}: refused");
            }
            next.set(next.get() + 1);
            match REQUESTS.get(next.get()) {
                Some(req) => {
                    w.write(format!("{req}\n"));
                }
                None => w.end(),
            }
        }
    });
    lp.run()?;
    Ok(sock.unclaimed_fds())
}

/// Runs the server and the client; returns when both are done.
///
/// # Errors
///
/// Setting up the directory or the socket, or either loop failing.
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("nodestream-fd-broker-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for (name, text) in FILES {
        std::fs::write(dir.join(name), text)?;
    }
    let path = dir.join("broker.sock");
    let result = (|| {
        let lp = EventLoop::new()?;
        let d = dir.clone();
        let server_slot: Rc<RefCell<Option<Server>>> = Rc::default();
        let slot = server_slot.clone();
        let server = listen_unix(&lp.handle(), &path, move |sock| {
            // One client in this example: stop listening once it is here.
            if let Some(server) = slot.borrow_mut().take() {
                server.close();
            }
            serve(sock, d.clone());
        })?;
        *server_slot.borrow_mut() = Some(server);
        println!("server: listening");
        // A Unix connect completes at once (into the listen backlog), so the server is
        // sure to get its client even if the client thread failed before using it.
        let conn = OwnedFd::from(std::os::unix::net::UnixStream::connect(&path)?);
        // The client checks whom it talks to as well.
        let creds = nodestream::fdpass::peer_credentials(&conn)?;
        let same = creds.uid == rustix::process::getuid().as_raw();
        println!(
            "client: connected; the server is {}",
            if same {
                "the same user"
            } else {
                "another user"
            }
        );
        let client = std::thread::spawn(move || client(conn).map_err(|e| e.to_string()));
        lp.run()?;
        let left = client.join().map_err(|_| "the client panicked")??;
        println!("client: done, {left} descriptors left unclaimed");
        println!("server: done");
        Ok::<(), Box<dyn std::error::Error>>(())
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run()
}

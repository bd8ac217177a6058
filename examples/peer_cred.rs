//! Accepting file descriptors only from processes of the same user (`SO_PEERCRED`).
//!
//! Run with `cargo run --example peer_cred`. The example listens on a Unix socket; each
//! connection's peer credentials are read when it is accepted, and descriptors are taken
//! only from a peer with this process's uid. A peer of another uid is disconnected before
//! anything it sent is read, so its descriptors never enter this process.
//!
//! It connects twice to itself: once as this user (the descriptor is accepted: the
//! example reads through it), and, when run as root, once more from a child running as
//! `nobody` (uid 65534), which is refused.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::rc::Rc;

use nodestream::fdpass::send_with_fds;
use nodestream::net::{listen_unix, PassedFd, Socket, FD};
use nodestream::EventLoop;

/// Client mode: connect to `path` and send a pipe's read end with one byte.
fn client(path: &str) -> std::io::Result<()> {
    let sock = UnixStream::connect(path)?;
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    let mut w = std::fs::File::from(w);
    w.write_all(b"hello through a passed pipe\n")?;
    drop(w);
    if let Err(e) = send_with_fds(&sock, b"!", &[r.as_fd()]) {
        // A refused client finds the connection closed (EPIPE or ECONNRESET).
        println!(
            "client uid {}: the server hung up ({e})",
            rustix::process::getuid().as_raw()
        );
        return Ok(());
    }
    // Wait for the server to hang up.
    let mut buf = [0u8; 1];
    let _ = (&sock).read(&mut buf);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "client" {
        return Ok(client(&args[2])?);
    }
    let dir = std::env::temp_dir().join(format!("nodestream-peercred-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("sock");
    let me = rustix::process::getuid().as_raw();
    let event_loop = EventLoop::new()?;
    let lp = event_loop.handle();
    let accepted: Rc<RefCell<Vec<String>>> = Rc::default();
    let refused: Rc<RefCell<Vec<u32>>> = Rc::default();
    let conns: Rc<RefCell<Vec<Socket>>> = Rc::default();
    let (a, r, c) = (accepted.clone(), refused.clone(), conns.clone());
    let server = listen_unix(&lp, &path, move |sock: Socket| {
        let cred = match sock.peer_credentials() {
            Ok(cred) => cred,
            Err(e) => {
                eprintln!("no credentials: {e}");
                sock.destroy(None);
                return;
            }
        };
        if cred.uid != me {
            println!("refusing pid {} uid {} (not uid {me})", cred.pid, cred.uid);
            r.borrow_mut().push(cred.uid);
            // Destroyed before any read: its descriptors are never received here; the
            // kernel closes them with the socket.
            sock.destroy(None);
            return;
        }
        println!("accepting fds from pid {} uid {}", cred.pid, cred.uid);
        let a = a.clone();
        sock.readable.on(FD, move |p: &PassedFd| {
            let Some(fd) = p.take() else { return };
            let mut text = String::new();
            std::fs::File::from(fd).read_to_string(&mut text).unwrap();
            print!("read through the passed fd: {text}");
            a.borrow_mut().push(text);
        });
        sock.readable
            .on("data", |_: &nodestream::stream::readable::Chunk| {});
        // A weak handle: a listener holding its own socket would keep it alive (a cycle).
        // Destroying either side destroys the socket.
        let r = sock.readable.downgrade();
        sock.on(FD, move |_: &PassedFd| {
            if let Some(r) = r.upgrade() {
                r.destroy(None);
            }
        });
        c.borrow_mut().push(sock);
    })?;

    let exe = std::env::current_exe()?;
    let p = path.to_str().unwrap().to_string();
    let mut children = vec![std::process::Command::new(&exe)
        .args(["client", &p])
        .spawn()?];
    if me == 0 {
        // Let `nobody` reach the socket.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777))?;
        children.push(
            std::process::Command::new(&exe)
                .args(["client", &p])
                .uid(65534)
                .gid(65534)
                .spawn()?,
        );
    }
    let expected = children.len();
    while accepted.borrow().len() + refused.borrow().len() < expected {
        event_loop.run_once()?;
    }
    server.close();
    for s in conns.borrow().iter() {
        s.destroy(None);
    }
    event_loop.run()?;
    for mut child in children {
        child.wait()?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "accepted {} connection(s), refused {}",
        accepted.borrow().len(),
        refused.borrow().len()
    );
    assert_eq!(accepted.borrow().len(), 1);
    Ok(())
}

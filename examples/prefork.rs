//! A prefork TCP server: the primary accepts each connection and hands the socket to one of
//! two worker processes over a Unix socket (SCM_RIGHTS underneath).
//!
//! Run with `cargo run --example prefork -- [PORT]` and connect with any TCP client; the
//! Node version is `examples/node/prefork.js`. Each worker is this program again, given
//! its end of a Unix socket pair as its stdin; until `child_process` has an IPC channel,
//! the primary makes the pair and passes the accepted sockets' fds over it itself.
use std::cell::Cell;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};

use nodestream::net::{create_server, PassedFd, Socket, FD};
use nodestream::EventLoop;

fn worker(id: String) -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    let h = lp.handle();
    // fd 0 is this worker's end of the primary's Unix socket.
    let channel = Socket::from_fd(&h, std::io::stdin().as_fd().try_clone_to_owned()?)?;
    channel.readable.on(FD, move |p: &PassedFd| {
        if let Some(sock) = p.take().and_then(|fd| Socket::from_fd(&h, fd).ok()) {
            sock.writable.end_with(format!("hello from worker {id}\n"));
        }
    });
    lp.run()
}

fn primary(port: u16) -> nodestream::Result<()> {
    let lp = EventLoop::new()?;
    let mut channels = Vec::new();
    for i in 0..2 {
        let (ours, theirs) = UnixStream::pair()?;
        let mut worker = Command::new(std::env::current_exe()?);
        worker.args(["worker", &i.to_string()]);
        worker.stdin(Stdio::from(OwnedFd::from(theirs))).spawn()?;
        channels.push(Socket::from_fd(&lp.handle(), ours)?);
    }
    let next = Cell::new(0);
    let server = create_server(&lp.handle(), move |sock: Socket| {
        let fd = sock.writable.with_fd(|fd| fd.try_clone_to_owned());
        sock.destroy(None);
        if let Some(Ok(fd)) = fd {
            next.set(next.get() + 1);
            let channel = &channels[next.get() % channels.len()];
            channel.writable.write_with_fds("c", vec![fd], |_| {});
        }
    })
    .listen(SocketAddr::from(([127, 0, 0, 1], port)))?;
    println!("listening on {}", server.local_addr()?);
    lp.run()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("worker") => Ok(worker(args[2].clone())?),
        port => Ok(primary(port.unwrap_or("0").parse()?)?),
    }
}

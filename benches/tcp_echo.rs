//! TCP echo on 127.0.0.1: a nodestream server echoing each connection into itself with
//! `pipeline(socket, socket)`, against Node's `socket.pipe(socket)` (and Node's
//! `pipeline(socket, socket)`, shown for reference), under one load client.
//!
//! Run: `cargo bench --bench tcp_echo`. The client (threads of this process, the same for
//! every server) moves 256 MiB in total over 1 and over 50 connections: on each connection a
//! writer thread sends its share in 64 KiB writes of a pattern that differs per connection and
//! per offset, and a reader thread checks every byte that comes back (slice compares against
//! a precomputed tape, so that the client costs little beside the server). A run is timed from the
//! first connect to the last byte checked, and the server's CPU time (its thread's, or the
//! node process's, from /proc) is read around each run; 5 runs a case, medians with the
//! min-max beside them, and the speed-up of nodestream over Node (Node's median /
//! nodestream's) on both. The client's own work (and the kernel's loopback) bounds the wall
//! clock alike for both servers; the server CPU is what each server costs. The server runs on
//! a thread of its own (nodestream) or in a `node` process; the client's threads share the
//! two cores with it alike for both. The Node sides are skipped when `node` is not installed.
//! `TCP_ECHO_MIB=N` moves N MiB instead.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use nodestream::net::{listen_tcp, Socket};
use nodestream::stream::pipeline;
use support::Stat;

const REPS: usize = 5;
const CHUNK: usize = 64 * 1024;

fn total() -> usize {
    let mib: usize = std::env::var("TCP_ECHO_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    mib * 1024 * 1024
}

/// The bytes of connection `conn` from offset `k * 251` on: byte `o` of a connection is
/// `(31 o + 7 conn) mod 251`, which repeats every 251 bytes, so a window of this tape
/// starting at `o mod 251` is the data at offset `o` (sent and checked with `memcpy`-speed
/// slices: the client must not be what is measured).
fn tape(conn: usize) -> Vec<u8> {
    (0..CHUNK + 251)
        .map(|o| ((o * 31 + conn * 7) % 251) as u8)
        .collect()
}

/// One client run: `conns` connections, `total` bytes in all; seconds.
fn client(addr: SocketAddr, conns: usize, total: usize) -> f64 {
    let share = total / conns;
    let t0 = Instant::now();
    let handles: Vec<_> = (0..conns)
        .map(|c| {
            thread::spawn(move || {
                let tape = std::sync::Arc::new(tape(c));
                let s = TcpStream::connect(addr).expect("connect");
                s.set_nodelay(true).ok();
                let mut w = s.try_clone().expect("clone");
                let t = tape.clone();
                let writer = thread::spawn(move || {
                    let mut sent = 0;
                    while sent < share {
                        let n = CHUNK.min(share - sent);
                        let at = sent % 251;
                        w.write_all(&t[at..at + n]).expect("write");
                        sent += n;
                    }
                    w.shutdown(std::net::Shutdown::Write).expect("shutdown");
                });
                let mut r = s;
                let mut buf = vec![0u8; CHUNK];
                let mut got = 0;
                loop {
                    let n = r.read(&mut buf).expect("read");
                    if n == 0 {
                        break;
                    }
                    let at = got % 251;
                    assert!(
                        buf[..n] == tape[at..at + n],
                        "connection {c}: bytes {got}..{} differ",
                        got + n
                    );
                    got += n;
                }
                writer.join().expect("writer");
                assert_eq!(got, share, "connection {c} echoed {got} of {share} bytes");
            })
        })
        .collect();
    for h in handles {
        h.join().expect("connection");
    }
    t0.elapsed().as_secs_f64()
}

/// The CPU seconds (user + system) a process or thread has used so far, from its `stat`
/// file under /proc (clock ticks: 10 ms steps, fine for runs of a quarter second).
fn cpu_of(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).expect("stat");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &text[text.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// One case on one server: the client's wall seconds and the server's CPU seconds.
fn runs(addr: SocketAddr, stat: &str, conns: usize, total: usize) -> (Stat, Stat) {
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..REPS {
        let c0 = cpu_of(stat);
        wall.push(client(addr, conns, total));
        cpu.push(cpu_of(stat) - c0);
    }
    (Stat::of(wall), Stat::of(cpu))
}

/// A nodestream echo server on a thread of its own, for the rest of the process: its
/// address, and the `stat` file of its thread.
fn rust_server() -> (SocketAddr, String) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let el = support::node_loop();
        let server = listen_tcp(&el.handle(), "127.0.0.1:0".parse().unwrap(), |s: Socket| {
            echo(&s)
        })
        .expect("listen");
        // This thread's own directory under /proc ("<pid>/task/<tid>").
        let me = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
        let stat = format!("/proc/{}/stat", me.display());
        tx.send((server.local_addr().expect("addr"), stat))
            .expect("send");
        el.run().expect("run");
    });
    rx.recv().expect("server up")
}

/// Node's `pipeline(socket, socket)`: the socket's readable side into its writable side.
fn echo(s: &Socket) {
    let _ = pipeline(&**s).to(&**s, |_| {});
}

/// A node echo server: its address, and the child (killed when dropped by `stop`).
fn node_server(pipeline: bool) -> Option<(SocketAddr, Child)> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/node/tcp_echo.js");
    let mut cmd = Command::new("node");
    cmd.arg(script);
    if pipeline {
        cmd.arg("--pipeline");
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let port: u16 = line.trim().parse().ok()?;
    Some((SocketAddr::from(([127, 0, 0, 1], port)), child))
}

fn main() {
    println!("{}", support::compat_line());
    let total = total();
    let mib = (total / (1024 * 1024)) as f64;
    println!(
        "tcp_echo: {mib} MiB echoed on 127.0.0.1 per run, {REPS} runs a case: median (min-max) of the client's wall time and of the server's CPU time (/proc stat, 10 ms steps)"
    );
    // The nodestream server stays up for every case; it never exits on its own.
    let (rust_addr, rust_stat) = rust_server();
    let node = node_server(false);
    let node_pl = node_server(true);
    for conns in [1usize, 50] {
        let (wall, cpu) = runs(rust_addr, &rust_stat, conns, total);
        println!(
            "{conns:>2} connection(s): nodestream pipeline(socket, socket)  wall {wall}  {:.0} MiB/s  server cpu {cpu}",
            mib / wall.median
        );
        for (name, server) in [
            ("node socket.pipe(socket)       ", &node),
            ("node pipeline(socket, socket)  ", &node_pl),
        ] {
            match server {
                None => println!("   {name} not found or failed; skipped"),
                Some((addr, child)) => {
                    let stat = format!("/proc/{}/stat", child.id());
                    let (nw, nc) = runs(*addr, &stat, conns, total);
                    println!(
                        "   {name}      wall {nw}  {:.0} MiB/s  server cpu {nc}  speed-up nodestream over it: wall {:.2}x, server cpu {:.2}x",
                        mib / nw.median,
                        nw.median / wall.median,
                        nc.median / cpu.median
                    );
                }
            }
        }
    }
    for (_, mut child) in [node, node_pl].into_iter().flatten() {
        drop(child.stdin.take());
        let _ = child.wait();
    }
}

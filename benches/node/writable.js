'use strict';
// Node side of benches/writable.rs: N writes of a 100-byte Buffer into a Writable whose
// _write completes synchronously, with the "write until false, wait for 'drain'" loop.
// Runs a warm-up, then REPS measured runs, and prints one line per run:
//   node ns=<wall ns> cpu=<on-CPU ns> drains=<n> bytes=<n>
// On-CPU time is this thread's, from /proc/thread-self/schedstat, as on the Rust side, so
// the two compare fairly on a busy machine.
const fs = require('fs');
const { Writable } = require('stream');

const N = Number(process.argv[2] || 10_000_000);
const REPS = Number(process.argv[3] || 3);
const SIZE = 100;

function cpuNs() {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

function run(n, done) {
  let bytes = 0;
  const w = new Writable({ write(chunk, enc, cb) { bytes += chunk.length; cb(); } });
  const chunk = Buffer.alloc(SIZE, 'x');
  let drains = 0;
  let i = n;
  const c0 = cpuNs();
  const t0 = process.hrtime.bigint();
  function pump() {
    let ok = true;
    while (i > 0 && ok) {
      i--;
      ok = w.write(chunk);
    }
    if (i > 0) {
      drains++;
      w.once('drain', pump);
    } else {
      const ns = Number(process.hrtime.bigint() - t0);
      done({ ns, cpu: cpuNs() - c0, drains, bytes });
    }
  }
  pump();
}

function rep(k) {
  if (k === 0) return;
  run(N, (r) => {
    console.log(`node ns=${r.ns} cpu=${r.cpu} drains=${r.drains} bytes=${r.bytes}`);
    setImmediate(() => rep(k - 1));
  });
}
// Warm-up so the JIT has compiled the path.
run(Math.min(N, 1_000_000), () => rep(REPS));

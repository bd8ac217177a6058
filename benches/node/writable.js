'use strict';
// Node side of benches/writable.rs: N writes of a 100-byte Buffer into a Writable whose
// _write completes synchronously, with the "write until false, wait for 'drain'" loop.
// Prints one line: `node writes_per_sec=<rate> ns_per_write=<ns> drains=<n> bytes=<n>`.
const { Writable } = require('stream');

const N = Number(process.argv[2] || 10_000_000);
const SIZE = 100;

function run(n, done) {
  let bytes = 0;
  const w = new Writable({ write(chunk, enc, cb) { bytes += chunk.length; cb(); } });
  const chunk = Buffer.alloc(SIZE, 'x');
  let drains = 0;
  let i = n;
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
      done(ns, drains, bytes);
    }
  }
  pump();
}

// A short warm-up so the JIT has compiled the path, then the measured run.
run(Math.min(N, 1_000_000), () => {
  run(N, (ns, drains, bytes) => {
    const rate = N / (ns / 1e9);
    console.log(`node writes_per_sec=${rate.toFixed(0)} ns_per_write=${(ns / N).toFixed(2)} drains=${drains} bytes=${bytes}`);
  });
});

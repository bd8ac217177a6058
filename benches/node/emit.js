'use strict';
// Node side of benches/emit.rs: the same three shapes, printed as
// "<shape> <ops per second of each timed run>" lines. Run by the Rust bench, which takes
// the median of the runs; also runnable alone:
//   node benches/node/emit.js
// EMIT_BENCH_RUNS sets the timed runs per shape (default 5), EMIT_BENCH_DIV divides the
// counts, as on the Rust side.
const { EventEmitter } = require('events');

const RUNS = Math.max(1, Number(process.env.EMIT_BENCH_RUNS) || 5);
const DIV = Math.max(1, Number(process.env.EMIT_BENCH_DIV) || 1);

function bench(name, n, body) {
  n = Math.max(1, Math.floor(n / DIV));
  body(Math.min(n, 200000)); // warm up (JIT)
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    body(n);
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push((n / (ns / 1e9)).toFixed(0));
  }
  console.log(`${name} ${rates.join(' ')}`);
}

let sum = 0;

bench('one_listener', 20000000, (n) => {
  const ee = new EventEmitter();
  ee.on('x', (v) => { sum = (sum + v) | 0; });
  for (let i = 0; i < n; i++) ee.emit('x', i);
});

bench('ten_listeners', 3000000, (n) => {
  const ee = new EventEmitter();
  for (let k = 0; k < 10; k++) ee.on('x', (v) => { sum = (sum + v) | 0; });
  for (let i = 0; i < n; i++) ee.emit('x', i);
});

bench('once_emit_pairs', 3000000, (n) => {
  const ee = new EventEmitter();
  const f = (v) => { sum = (sum + v) | 0; };
  for (let i = 0; i < n; i++) {
    ee.once('x', f);
    ee.emit('x', i);
  }
});

if (sum === 42) console.log('unlikely');

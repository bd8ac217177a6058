'use strict';
// Node side of benches/emit.rs: the same three shapes, printed as
// "<shape> <ops per second>" lines. Run by the Rust bench; also runnable alone:
//   node benches/node/emit.js
const { EventEmitter } = require('events');

function bench(name, n, body) {
  body(Math.min(n, 200000)); // warm up (JIT)
  let best = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = process.hrtime.bigint();
    body(n);
    const ns = Number(process.hrtime.bigint() - t0);
    best = Math.max(best, n / (ns / 1e9));
  }
  console.log(`${name} ${best.toFixed(0)}`);
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

'use strict';
// Node side of benches/passthrough_chain.rs: N bytes in 64 KiB chunks from a Readable,
// through three PassThroughs, into a Writable that counts them, REPS times, in memory.
// Prints one line per run: "<bytes> <wall seconds> <cpu seconds>".
const { Readable, Writable, PassThrough } = require('stream');

const N = Number(process.argv[2] || 1024 * 1024 * 1024);
const REPS = Number(process.argv[3] || 5);
const CHUNK = 64 * 1024;
const chunk = Buffer.alloc(CHUNK, 'x');

function once() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let left = N;
    const src = new Readable({
      read() {
        while (left > 0) {
          left -= CHUNK;
          if (!this.push(chunk)) return;
        }
        this.push(null);
      },
    });
    let n = 0;
    const sink = new Writable({
      write(c, e, cb) {
        n += c.length;
        cb();
      },
    });
    sink.on('finish', () => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      console.log(`${n} ${s.toFixed(4)} ${((c.user + c.system) / 1e6).toFixed(4)}`);
      resolve();
    });
    src.pipe(new PassThrough()).pipe(new PassThrough()).pipe(new PassThrough()).pipe(sink);
  });
}

(async () => {
  for (let i = 0; i < REPS; i++) await once();
})();

'use strict';
// Node side of benches/readable_pipe.rs: read N bytes from `head -c N /dev/zero` through a
// child's stdout, (1) counting 'data' bytes, (2) piped into a Writable that completes each
// write synchronously; (3) 1,000,000 pushes of 100 bytes from a Readable's read() to a
// 'data' listener. Prints one line per case: "<case> <bytes> <seconds>".
const { spawn } = require('child_process');
const { Readable, Writable } = require('stream');

const N = Number(process.argv[2] || 256 * 1024 * 1024);

function run(name, attach) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('head', ['-c', String(N), '/dev/zero'], { stdio: ['ignore', 'pipe', 'inherit'] });
    attach(child.stdout, (bytes) => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(`${name} ${bytes} ${s.toFixed(4)}`);
      child.on('close', resolve);
    });
  });
}

function pushes(count, size) {
  const t0 = process.hrtime.bigint();
  const chunk = Buffer.alloc(size, 97);
  let made = 0;
  let got = 0;
  const r = new Readable({
    read() {
      while (made < count) {
        made++;
        if (!this.push(chunk)) return;
      }
      this.push(null);
    },
  });
  return new Promise((resolve) => {
    r.on('data', (c) => { got += c.length; });
    r.on('end', () => {
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(`push ${got} ${s.toFixed(4)}`);
      resolve();
    });
  });
}

const REPS = 5;

(async () => {
  // Each case runs REPS times; the caller takes the median of each, with the min-max.
  for (let i = 0; i < REPS; i++) await pushes(Number(process.argv[3] || 1000000), 100);
  for (let i = 0; i < REPS; i++) {
    await run('data', (out, done) => {
      let n = 0;
      out.on('data', (c) => { n += c.length; });
      out.on('end', () => done(n));
    });
  }
  for (let i = 0; i < REPS; i++) {
    await run('pipe', (out, done) => {
      let n = 0;
      const w = new Writable({ write(c, e, cb) { n += c.length; cb(); } });
      w.on('finish', () => done(n));
      out.pipe(w);
    });
  }
})();

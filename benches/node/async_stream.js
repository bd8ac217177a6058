'use strict';
// Node side of benches/async_stream.rs: `for await (const c of child.stdout)` over N bytes
// from `head -c N /dev/zero`, REPS times. Prints one line per run:
// "<bytes> <wall seconds> <cpu seconds>" (CPU: process.cpuUsage(), user + system).
const { spawn } = require('child_process');

const N = Number(process.argv[2] || 1024 * 1024 * 1024);
const REPS = Number(process.argv[3] || 3);

async function once() {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const child = spawn('head', ['-c', String(N), '/dev/zero'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('close', resolve));
  let n = 0;
  for await (const c of child.stdout) n += c.length;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(`${n} ${s.toFixed(4)} ${cpu.toFixed(4)}`);
  await exited;
}

(async () => {
  for (let i = 0; i < REPS; i++) await once();
})();

// The Node side of the million_writes benchmark: Node's own "write one million times" pattern
// (the `writeOneMillionTimes` example of the stream docs) into a child `cat > /dev/null`
// through child.stdin, waiting for 'drain' whenever write() returns false.
//
// Run: node benches/node/million_writes.js [count=1000000] [chunk_bytes=100]
// Prints one line of key=value pairs; the Rust benchmark parses it. The clock starts just
// before the first write and stops when the child has exited, that is when every byte has
// gone through the pipe and been read.
'use strict';
const { writeMany } = require('./write_many');
const { spawn } = require('child_process');

const count = Number(process.argv[2] || 1000000);
const size = Number(process.argv[3] || 100);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(size) || size < 1) {
  console.error('usage: million_writes.js [count] [chunk_bytes]');
  process.exit(2);
}

const child = spawn('sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'inherit', 'inherit'] });
const data = 'x'.repeat(size);
let start;
let drains = () => 0;

child.on('exit', (code, signal) => {
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) {
    console.error(`cat exited with code ${code} signal ${signal}`);
    process.exit(1);
  }
  const bytes = count * size;
  console.log(
    `side=node count=${count} chunk=${size} elapsed_s=${elapsed.toFixed(4)} ` +
      `writes_per_s=${Math.round(count / elapsed)} ` +
      `mb_per_s=${(bytes / 1e6 / elapsed).toFixed(1)} drains=${drains()}`
  );
});

start = process.hrtime.bigint();
drains = writeMany(child.stdin, count, data, 'utf8', () => child.stdin.end());

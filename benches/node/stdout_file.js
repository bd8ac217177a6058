// The Node side of the stdout_file benchmark: Node's "write one million times" pattern into
// process.stdout, which the benchmark has redirected to a regular file (Node writes a file
// synchronously, one write(2) per write()).
//
// Run: node benches/node/stdout_file.js [count=1000000] [chunk_bytes=100] > FILE
// Prints one line of key=value pairs on stderr. The clock starts just before the first write
// and stops in the last write's callback, when every byte is in the file.
'use strict';
const { writeMany } = require('./write_many');

const count = Number(process.argv[2] || 1000000);
const size = Number(process.argv[3] || 100);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(size) || size < 1) {
  console.error('usage: stdout_file.js [count] [chunk_bytes] > FILE');
  process.exit(2);
}

const data = 'x'.repeat(size);
let drains = () => 0;

const start = process.hrtime.bigint();
drains = writeMany(process.stdout, count, data, 'utf8', () => {
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  process.stderr.write(
    `side=node count=${count} chunk=${size} elapsed_s=${elapsed.toFixed(4)} ` +
      `writes_per_s=${Math.round(count / elapsed)} drains=${drains()}\n`
  );
});

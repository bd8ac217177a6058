// The Node side of the file_copy benchmark: one file copied with
// stream.pipeline(fs.createReadStream(from), fs.createWriteStream(to)), Node's defaults
// (64 KiB reads; the write stream's high-water mark is the release's default).
//
// Run: node benches/node/file_copy.js FROM TO
// Prints one line of key=value pairs on stderr. The clock starts just before the streams
// are made and stops in the pipeline's callback, when the destination has closed.
'use strict';
const fs = require('fs');
const { pipeline } = require('stream');

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: file_copy.js FROM TO');
  process.exit(2);
}

const start = process.hrtime.bigint();
const rs = fs.createReadStream(from);
const ws = fs.createWriteStream(to);
pipeline(rs, ws, (err) => {
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  if (err) {
    console.error(`side=node error=${err.code || err.message}`);
    process.exit(1);
  }
  process.stderr.write(
    `side=node bytes=${rs.bytesRead} elapsed_s=${elapsed.toFixed(4)} ` +
      `mib_per_s=${(rs.bytesRead / 1048576 / elapsed).toFixed(0)}\n`
  );
});

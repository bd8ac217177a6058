'use strict';
// Node side of benches/gzip_pipeline.rs: SRC through zlib.createGzip() (level 6, Node's
// default) into DST with stream.pipeline, REPS times. Prints one line per run:
// "<input bytes> <wall seconds> <cpu seconds>" (CPU: process.cpuUsage(), every thread).
const fs = require('fs');
const zlib = require('zlib');
const { pipeline } = require('stream');

const [src, dst] = [process.argv[2], process.argv[3]];
const REPS = Number(process.argv[4] || 5);
const size = fs.statSync(src).size;

function once() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    pipeline(fs.createReadStream(src), zlib.createGzip(), fs.createWriteStream(dst), (err) => {
      if (err) return reject(err);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      console.log(`${size} ${s.toFixed(4)} ${((c.user + c.system) / 1e6).toFixed(4)}`);
      resolve();
    });
  });
}

(async () => {
  for (let i = 0; i < REPS; i++) await once();
})();

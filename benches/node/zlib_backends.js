// Node's side of benches/zlib_backends.rs: gzip (level 6, Node's default) and gunzip of the
// file named by the first argument, RUNS times each, with zlib.gzipSync/gunzipSync and with
// createGzip/createGunzip streams fed 64 KiB writes. Prints one JSON line of seconds per run.
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const [file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const data = fs.readFileSync(file);
const SLICE = 64 * 1024;

function timeSync(f) {
  const t = process.hrtime.bigint();
  const out = f();
  return [Number(process.hrtime.bigint() - t) / 1e9, out];
}

// Writes `input` into `stream` in 64 KiB slices, honouring backpressure, and resolves with
// the seconds until 'end' and the number of bytes read out.
function timeStream(makeStream, input) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const stream = makeStream();
    let outBytes = 0;
    stream.on('data', (c) => { outBytes += c.length; });
    stream.on('end', () => resolve([Number(process.hrtime.bigint() - t) / 1e9, outBytes]));
    stream.on('error', reject);
    let off = 0;
    function write() {
      while (off < input.length) {
        const end = Math.min(off + SLICE, input.length);
        const more = stream.write(input.subarray(off, end));
        off = end;
        if (!more) { stream.once('drain', write); return; }
      }
      stream.end();
    }
    write();
  });
}

(async () => {
  const result = { gzipSync: [], gunzipSync: [], createGzip: [], createGunzip: [], ratio: 0 };
  let gz;
  for (let i = 0; i < runs; i++) {
    const [s, out] = timeSync(() => zlib.gzipSync(data, { level: 6 }));
    result.gzipSync.push(s);
    gz = out;
  }
  result.ratio = data.length / gz.length;
  for (let i = 0; i < runs; i++) {
    const [s, out] = timeSync(() => zlib.gunzipSync(gz));
    if (out.length !== data.length) throw new Error('gunzipSync: wrong length');
    result.gunzipSync.push(s);
  }
  for (let i = 0; i < runs; i++) {
    const [s] = await timeStream(() => zlib.createGzip({ level: 6 }), data);
    result.createGzip.push(s);
  }
  for (let i = 0; i < runs; i++) {
    const [s, n] = await timeStream(() => zlib.createGunzip(), gz);
    if (n !== data.length) throw new Error('createGunzip: wrong length');
    result.createGunzip.push(s);
  }
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(e); process.exit(1); });

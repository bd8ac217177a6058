// Node's side of benches/zlib_backends.rs: gzip (level 6, Node's default) and gunzip of the
// file named by the first argument, RUNS times each, with zlib.gzipSync/gunzipSync and with
// createGzip/createGunzip streams fed 64 KiB writes. Prints one JSON line of seconds per run,
// wall clock (`gzipSync`, ...) and CPU time of the process, its thread pool included
// (`gzipSyncCpu`, ...).
'use strict';
const fs = require('fs');
const zlib = require('zlib');

const [file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const data = fs.readFileSync(file);
const SLICE = 64 * 1024;

const cpuSeconds = (u) => (u.user + u.system) / 1e6;

function timeSync(f) {
  const t = process.hrtime.bigint();
  const c = process.cpuUsage();
  const out = f();
  return [Number(process.hrtime.bigint() - t) / 1e9, out, cpuSeconds(process.cpuUsage(c))];
}

// Writes `input` into `stream` in 64 KiB slices, honouring backpressure, and resolves with
// the seconds until 'end' and the number of bytes read out.
function timeStream(makeStream, input) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = process.cpuUsage();
    const stream = makeStream();
    let outBytes = 0;
    stream.on('data', (chunk) => { outBytes += chunk.length; });
    stream.on('end', () => resolve([
      Number(process.hrtime.bigint() - t) / 1e9, outBytes, cpuSeconds(process.cpuUsage(c)),
    ]));
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
  const result = { ratio: 0 };
  for (const k of ['gzipSync', 'gunzipSync', 'createGzip', 'createGunzip']) {
    result[k] = [];
    result[`${k}Cpu`] = [];
  }
  let gz;
  for (let i = 0; i < runs; i++) {
    const [s, out, cpu] = timeSync(() => zlib.gzipSync(data, { level: 6 }));
    result.gzipSync.push(s);
    result.gzipSyncCpu.push(cpu);
    gz = out;
  }
  result.ratio = data.length / gz.length;
  for (let i = 0; i < runs; i++) {
    const [s, out, cpu] = timeSync(() => zlib.gunzipSync(gz));
    if (out.length !== data.length) throw new Error('gunzipSync: wrong length');
    result.gunzipSync.push(s);
    result.gunzipSyncCpu.push(cpu);
  }
  for (let i = 0; i < runs; i++) {
    const [s, , cpu] = await timeStream(() => zlib.createGzip({ level: 6 }), data);
    result.createGzip.push(s);
    result.createGzipCpu.push(cpu);
  }
  for (let i = 0; i < runs; i++) {
    const [s, n, cpu] = await timeStream(() => zlib.createGunzip(), gz);
    if (n !== data.length) throw new Error('createGunzip: wrong length');
    result.createGunzip.push(s);
    result.createGunzipCpu.push(cpu);
  }
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(e); process.exit(1); });

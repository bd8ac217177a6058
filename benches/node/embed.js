// The Node side of `cargo bench --bench embed --all-features`: Node's own loop on the two
// workloads the Rust side runs under each host, RUNS times each. Prints one JSON line of
// the rates of every run.
'use strict';
const net = require('net');
const os = require('os');
const path = require('path');
const fs = require('fs');

const N_IMMEDIATES = 200000;
const N_ROUNDS = 50000;
const RUNS = 5;

function immediates() {
  return new Promise((resolve) => {
    let n = 0;
    const t0 = process.hrtime.bigint();
    (function step() {
      if (++n < N_IMMEDIATES) return setImmediate(step);
      resolve(N_IMMEDIATES / (Number(process.hrtime.bigint() - t0) / 1e9));
    })();
  });
}

// One byte back and forth over a connected Unix stream socket, N_ROUNDS times.
function pingPong() {
  return new Promise((resolve) => {
    const sock = path.join(os.tmpdir(), `nodestream-embed-bench-${process.pid}.sock`);
    try { fs.unlinkSync(sock); } catch (_) {}
    const server = net.createServer((conn) => {
      conn.on('data', (d) => conn.write(d));
    });
    server.listen(sock, () => {
      const client = net.connect(sock);
      let rounds = 0;
      let t0;
      client.on('connect', () => { t0 = process.hrtime.bigint(); client.write('x'); });
      client.on('data', () => {
        if (++rounds < N_ROUNDS) return client.write('x');
        const rate = N_ROUNDS / (Number(process.hrtime.bigint() - t0) / 1e9);
        client.destroy();
        server.close(() => { try { fs.unlinkSync(sock); } catch (_) {} resolve(rate); });
      });
    });
  });
}

(async () => {
  const immediates_per_s = [];
  const rounds_per_s = [];
  for (let i = 0; i < RUNS; i++) immediates_per_s.push(await immediates());
  for (let i = 0; i < RUNS; i++) rounds_per_s.push(await pingPong());
  console.log(JSON.stringify({ immediates_per_s, rounds_per_s }));
})();

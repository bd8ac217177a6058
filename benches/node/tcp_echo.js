'use strict';
// Node side of benches/tcp_echo.rs: a TCP echo server on 127.0.0.1, each connection echoed
// with `socket.pipe(socket)` (or `pipeline(socket, socket)` with `--pipeline`). Prints the
// port on its first line, then serves until stdin closes.
const net = require('net');
const { pipeline } = require('stream');

const usePipeline = process.argv.includes('--pipeline');
const server = net.createServer((s) => {
  if (usePipeline) pipeline(s, s, () => {});
  else s.pipe(s);
});
server.listen(0, '127.0.0.1', () => {
  console.log(server.address().port);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

// A prefork TCP server: the primary accepts each connection and hands the socket to one of
// two worker processes over their IPC channel (a Unix socket, SCM_RIGHTS underneath).
const { fork } = require('child_process');
const net = require('net');

if (process.argv[2] === 'worker') {
  process.on('message', (msg, socket) => {
    if (msg === 'conn') socket.end(`hello from worker ${process.argv[3]}\n`);
  });
} else {
  const workers = [0, 1].map((i) => fork(__filename, ['worker', i]));
  let next = 0;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    workers[next++ % workers.length].send('conn', socket);
  });
  server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
    console.log(`listening on 127.0.0.1:${server.address().port}`);
  });
}

// A stream and an independent async task in one thread: a timer task ticks while a child's
// output streams in; both finish, then the totals print.
const { spawn } = require('child_process');
const { setTimeout: sleep } = require('timers/promises');

async function ticker() {
  for (let i = 1; i <= 3; i++) {
    await sleep(10);
    console.log(`task: tick ${i}`);
  }
}

let bytes = 0;
const child = spawn('sh', ['-c', 'sleep 0.05; head -c 1000000 /dev/zero']);
child.stdout.on('data', (chunk) => (bytes += chunk.length));
child.stdout.on('end', () => console.log(`stream: ${bytes} bytes`));
ticker().then(() => console.log('task: done'));

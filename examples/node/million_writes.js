// The seeds' pattern: one million 100-byte writes into stdout, waiting for 'drain'.
const data = Buffer.alloc(100, 'x');
let i = 1_000_000;

function write() {
  let ok = true;
  while (i > 0 && ok) {
    i--;
    ok = process.stdout.write(data);
  }
  if (i > 0) process.stdout.once('drain', write);
}
write();

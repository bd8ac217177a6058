// Tee a file into a copy and into a child `sha256sum`, with backpressure from both.
const fs = require('fs');
const { spawn } = require('child_process');

const [src, dst] = process.argv.slice(2);
const hash = spawn('sha256sum', [], { stdio: ['pipe', 'inherit', 'inherit'] });
const input = fs.createReadStream(src);
input.pipe(fs.createWriteStream(dst));
input.pipe(hash.stdin);

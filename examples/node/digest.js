// A digest stream: hashes what flows through it, piped between a child `cat` and stdout.
const { spawn } = require('child_process');
const crypto = require('crypto');

const hash = crypto.createHash('sha256');
spawn('cat', [process.argv[2]]).stdout.pipe(hash).setEncoding('hex').on('end', () => console.log()).pipe(process.stdout);

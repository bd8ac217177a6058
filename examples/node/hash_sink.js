// A custom Writable that hashes what is piped into it: here a child `cat`'s output.
const { Writable } = require('stream');
const { spawn } = require('child_process');
const crypto = require('crypto');

class HashSink extends Writable {
  constructor() {
    super();
    this.hash = crypto.createHash('sha256');
  }
  _write(chunk, encoding, cb) {
    this.hash.update(chunk);
    cb();
  }
  _final(cb) {
    console.log(this.hash.digest('hex'));
    cb();
  }
}

spawn('cat', [process.argv[2]]).stdout.pipe(new HashSink());

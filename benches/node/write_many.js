// Node's "write one million times" pattern (the `writeOneMillionTimes` example of the stream
// docs), shared by the benchmarks' Node sides: writes `data` `count` times, waiting for
// 'drain' whenever write() returns false; the last write carries `callback`. Returns a
// function that tells how many times it waited for 'drain'.
'use strict';

function writeMany(writer, count, data, encoding, callback) {
  let i = count;
  let drains = 0;
  write();
  function write() {
    let ok = true;
    do {
      i--;
      if (i === 0) {
        writer.write(data, encoding, callback);
      } else {
        ok = writer.write(data, encoding);
      }
    } while (i > 0 && ok);
    if (i > 0) {
      writer.once('drain', () => {
        drains++;
        write();
      });
    }
  }
  return () => drains;
}

module.exports = { writeMany };

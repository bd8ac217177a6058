'use strict';
// Conformance scenarios: small programs whose trace (one line per observable thing) is
// the specification the Rust port must reproduce. Each entry is S(name, about, fn).
// harness.js runs ONE scenario per process and prints its trace; record.js runs them all
// and writes ../expected/<name>.trace.
//
// Groups: w* Writable, e* EventEmitter, p* pipe, f* fs.WriteStream, n* net.Socket (the
// original 80), x* further Writable scenarios (boundaries, batching, destroy from inside
// callbacks, _construct, encodings, option combinations, property snapshots); ww*, wr*
// and we* port node's own test/parallel/test-stream-writable-*.js,
// test-stream-readable-*.js and test-event-emitter-*.js (each names the test it comes from).
// dx* Duplex and tf* Transform/PassThrough (ported from node's test-stream-duplex-*,
// test-stream-transform-*, test-stream-passthrough-* and test-stream2-transform); rf*
// Readable.from over synchronous iterables (test-readable-from*).
//
// Helpers available inside every scenario body:
//   log(...)            append one line to the trace
//   errc(err)           error code (or message), 'null' for no error
//   tick(label)         process.nextTick(() => log(label))
//   imm(label)          setImmediate(() => log(label))
//   watch(em, name, [events])  log "<name>:<event> <arg>" for each event
//   slowSink(opts)      Writable; _write logs "_write <chunk> <enc>" and
//                       completes on setImmediate (asynchronous completion)
//   syncSink(opts)      same, but completes synchronously inside _write
//   snap(w, label)      log the public state flags of w in one line
//   destroySoon(w)      net.Socket#destroySoon's algorithm on any Writable
//   drainLoop(...)      the "write until false, wait for 'drain'" loop
// Scenarios use no real time (timers only where the original 80 do) and no fs/net
// outside the f* and n* groups.

const { Writable, Readable } = require('stream');
const Stream = require('stream').Stream;
const EventEmitter = require('events');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { log, errc, tick, imm, watch } = require('./lib');

function show(chunk, objectMode) {
  if (objectMode) return chunk;
  return chunk.length > 16 ? `<${chunk.length} bytes>` : chunk.toString();
}

function slowSink(opts = {}) {
  return new Writable({
    ...opts,
    write(chunk, enc, cb) {
      log('_write', show(chunk, opts.objectMode), enc);
      setImmediate(cb);
    },
  });
}

function syncSink(opts = {}) {
  return new Writable({
    ...opts,
    write(chunk, enc, cb) {
      log('_write', show(chunk, opts.objectMode), enc);
      cb();
    },
  });
}

function tmpPath(tag) {
  return path.join(os.tmpdir(), `node-sem-${tag}-${process.pid}`);
}

// One line with every public state flag (the x* scenarios' property snapshots).
function snap(w, label) {
  log(label,
    `writable=${w.writable}`, `ended=${w.writableEnded}`, `finished=${w.writableFinished}`,
    `len=${w.writableLength}`, `needDrain=${w.writableNeedDrain}`, `corked=${w.writableCorked}`,
    `destroyed=${w.destroyed}`, `errored=${errc(w.errored)}`, `closed=${w.closed}`);
}

// net.Socket.prototype.destroySoon (Node v20), usable on any Writable: end() if still
// writable, then destroy() at once if finished, else once 'finish' arrives.
function destroySoon(w) {
  if (w.writable) w.end();
  if (w.writableFinished) w.destroy();
  else w.once('finish', () => w.destroy());
}

// The docs' "write until write() returns false, then wait for 'drain'" loop: N chunks of C
// bytes (C objects in objectMode: the value C) into w; logs label, writes/falses/drains
// when the last write's callback runs, then calls done.
function drainLoop(label, w, N, chunk, done) {
  let falses = 0; let drains = 0;
  w.on('drain', () => drains++);
  let i = N;
  function pump() {
    let ok = true;
    do {
      i--;
      if (i === 0) {
        w.write(chunk, () => { log(label, 'falses', falses, 'drains', drains, 'len', w.writableLength); done(); });
      } else {
        ok = w.write(chunk);
        if (!ok) falses++;
      }
    } while (i > 0 && ok);
    if (i > 0) w.once('drain', pump);
  }
  pump();
}

// Run step functions one after another; each gets `next`.
function series(...steps) {
  (function next() { const s = steps.shift(); if (s) s(next); })();
}

const scenarios = [];
function S(name, about, fn) { scenarios.push({ name, about, fn }); }

// ───────────────────────────── Writable: write() / highWaterMark ─────────

S('w01-hwm-write-returns-false',
  'write() returns false once buffered+in-flight length reaches HWM (strict <).',
  () => {
    const w = slowSink({ highWaterMark: 10 });
    watch(w, 'w', ['drain', 'finish', 'close']);
    log('r1', w.write('aaaa'), 'len', w.writableLength, 'needDrain', w.writableNeedDrain);
    log('r2', w.write('bbbb'), 'len', w.writableLength);
    log('r3', w.write('cc'), 'len', w.writableLength, 'needDrain', w.writableNeedDrain);
    log('r4', w.write('d'), 'len', w.writableLength);
    log('sync-end');
  });

S('w02-default-hwm',
  'Default HWM is 16384 bytes / 16 objects; one chunk of exactly HWM returns false.',
  () => {
    const a = slowSink();
    const b = slowSink();
    const o = new Writable({ objectMode: true, write(c, e, cb) { setImmediate(cb); } });
    log('bytes hwm', a.writableHighWaterMark, 'object hwm', o.writableHighWaterMark);
    log('16383 bytes ->', a.write(Buffer.alloc(16383, 'a')).toString());
    log('16384 bytes ->', b.write(Buffer.alloc(16384, 'b')).toString());
    const rs = [];
    for (let i = 1; i <= 17; i++) rs.push(o.write({ i }) ? 'T' : 'F');
    log('object writes 1..17', rs.join(''), 'len', o.writableLength);
  });

S('w03-hwm-zero',
  'HWM 0: every non-empty write returns false; an empty write returns true (length 0).',
  () => {
    const w = slowSink({ highWaterMark: 0 });
    watch(w, 'w', ['drain']);
    log('empty ->', w.write(''));
    log('a ->', w.write('a'));
    log('sync-end');
  });

S('w04-write-cb-sync-completion',
  'If _write calls back synchronously, the user callback is deferred to process.nextTick.',
  () => {
    const w = syncSink();
    tick('nextTick queued before write');
    const r = w.write('a', (err) => log('write-cb', errc(err)));
    tick('nextTick queued after write');
    log('write returned', r, 'sync-end');
  });

S('w05-write-cb-async-completion',
  'If _write completes later, the user callback runs synchronously inside that completion.',
  () => {
    const w = slowSink();
    imm('immediate queued before write');
    w.write('a', (err) => log('write-cb', errc(err)));
    imm('immediate queued after write');
    log('sync-end');
  });

S('w06-sync-completion-never-false',
  "Sync completion: length is already back to 0 when write() computes its result, so even a chunk > HWM returns true; no 'drain'.",
  () => {
    const w = syncSink({ highWaterMark: 1 });
    watch(w, 'w', ['drain']);
    const r = w.write('ab', () => log('write-cb'));
    log('write returned', r, 'needDrain', w.writableNeedDrain, 'len', w.writableLength);
  });

S('w06b-drain-after-sync-flush',
  "Corked writes exceed HWM; uncork() flushes synchronously; 'drain' arrives on the next tick, BEFORE the write callbacks.",
  () => {
    const w = syncSink({ highWaterMark: 3 });
    watch(w, 'w', ['drain']);
    w.cork();
    log('r1', w.write('ab', () => log('cb1')));
    log('r2', w.write('cd', () => log('cb2')));
    w.uncork();
    log('after uncork: len', w.writableLength, 'needDrain', w.writableNeedDrain);
    tick('nextTick queued after uncork');
  });

S('w07-drain-async-order',
  "Async completion: 'drain' fires only when length hits 0, just before that write's callback.",
  () => {
    const w = slowSink({ highWaterMark: 2 });
    watch(w, 'w', ['drain']);
    log('r1', w.write('a', () => log('cb1')));
    log('r2', w.write('b', () => log('cb2')));
    log('r3', w.write('c', () => log('cb3')));
    log('sync-end');
  });

S('w08-no-drain-without-false',
  "No 'drain' is ever emitted if no write() returned false.",
  () => {
    const w = slowSink({ highWaterMark: 100 });
    watch(w, 'w', ['drain']);
    log('r1', w.write('abc', () => log('cb1')));
    imm('imm1'); setImmediate(() => setImmediate(() => log('later: no drain seen')));
  });

S('w09-drain-suppressed-by-end',
  "write() returned false but end() was called before the buffer emptied: no 'drain'.",
  () => {
    const w = slowSink({ highWaterMark: 2 });
    watch(w, 'w', ['drain', 'prefinish', 'finish', 'close']);
    log('r1', w.write('abc', () => log('cb1')));
    w.end();
    log('sync-end');
  });

S('w10-drain-suppressed-by-destroy',
  "write() returned false, then destroy(): no 'drain'; in-flight cb still gets null.",
  () => {
    const w = slowSink({ highWaterMark: 2 });
    watch(w, 'w', ['drain', 'finish', 'close', 'error']);
    log('r1', w.write('abc', (e) => log('cb1', errc(e))));
    w.destroy();
    log('sync-end');
  });

S('w11-drain-each-cycle',
  "Each time write() returns false and the buffer later empties, exactly one 'drain'.",
  () => {
    const w = slowSink({ highWaterMark: 3 });
    let n = 0;
    w.on('drain', () => {
      log('drain', ++n);
      if (n < 3) log('after-drain write ->', w.write('xyz'));
    });
    log('first ->', w.write('xyz'));
  });

// ───────────────────────────── write(): errors and argument handling ────

S('w12-write-after-end',
  "write after end(): returns false, cb(ERR_STREAM_WRITE_AFTER_END) next tick, then 'error', then 'close'. Never throws.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end();
    let r;
    try { r = w.write('x', (e) => log('write-cb', errc(e))); } catch (e) { log('THREW', errc(e)); }
    log('write returned', r, 'destroyed', w.destroyed, 'errored', errc(w.errored));
    log('sync-end');
  });

S('w13-write-after-end-no-error-listener',
  "Same as w12 without an 'error' listener: the error surfaces as an uncaught exception on a later tick.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close']);
    w.end();
    const r = w.write('x', (e) => log('write-cb', errc(e)));
    log('write returned', r, 'sync-end');
  });

S('w14-write-after-destroy',
  "write after destroy(): cb(ERR_STREAM_DESTROYED) next tick, NO 'error' event.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['close', 'error']);
    w.destroy();
    const r = w.write('x', (e) => log('write-cb', errc(e)));
    log('write returned', r, 'sync-end');
  });

S('w15-write-null-and-bad-types',
  'null, non-string/non-buffer chunks and unknown encodings THROW synchronously; stream stays usable.',
  () => {
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    const attempt = (label, f) => {
      try { log(label, 'returned', f()); } catch (e) { log(label, 'threw', errc(e)); }
    };
    attempt('write(null)', () => w.write(null));
    attempt('write(undefined)', () => w.write(undefined));
    attempt('write(42)', () => w.write(42));
    attempt('write({})', () => w.write({}));
    attempt("write('a','nope')", () => w.write('a', 'nope'));
    const o = new Writable({ objectMode: true, write(c, e, cb) { log('_write obj', c); cb(); } });
    attempt('objectMode write(null)', () => o.write(null));
    attempt('objectMode write(42)', () => o.write(42));
    log('after errors: writable', w.writable, 'destroyed', w.destroyed);
    attempt("write('ok')", () => w.write('ok'));
  });

S('w16-encodings',
  "Strings are converted to Buffer (enc 'buffer') unless decodeStrings:false; length counts bytes vs chars.",
  () => {
    const a = syncSink();
    a.write('68656c6c6f', 'hex');
    a.write(new Uint8Array([104, 105]));
    const b = new Writable({
      decodeStrings: false,
      write(c, enc, cb) { log('_write(raw)', typeof c, c, enc); setImmediate(cb); },
    });
    b.write('héllo');
    log('decodeStrings:false length of héllo =', b.writableLength);
    const c = slowSink();
    c.write('héllo');
    log('decodeStrings:true length of héllo =', c.writableLength);
    const d = syncSink({ defaultEncoding: 'base64' });
    d.write('aGk=');
  });

S('w17-write-error-sync',
  "_write calls cb(err) synchronously: write() returns false; write-cb(err) then 'error' then 'close' on later ticks.",
  () => {
    const w = new Writable({ write(c, e, cb) { log('_write', c.toString()); cb(new Error('boom')); } });
    watch(w, 'w', ['error', 'close', 'finish']);
    const r = w.write('a', (e) => log('write-cb', errc(e)));
    log('write returned', r, 'errored', errc(w.errored), 'destroyed', w.destroyed, 'writable', w.writable);
    log('second write ->', w.write('b', (e) => log('write-cb2', errc(e))));
  });

S('w18-write-error-async-with-buffered',
  "Async _write error: failing write's cb, buffered writes' cbs (with same error), end cb, then 'error', 'close'.",
  () => {
    let n = 0;
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); n++; setImmediate(() => cb(n === 1 ? new Error('boom') : null)); },
    });
    watch(w, 'w', ['error', 'close', 'finish']);
    w.write('a', (e) => log('cb-a', errc(e)));
    w.write('b', (e) => log('cb-b', errc(e)));
    w.end((e) => log('end-cb', errc(e)));
  });

// ───────────────────────────── end() / finish / _final ──────────────────

S('w19-end-with-chunk-order',
  "end(chunk, cb) with sync _write: end-cb runs just BEFORE 'finish' listeners; 'close' one tick later.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.end('x', (e) => log('end-cb', errc(e)));
    log('sync-end', 'writableEnded', w.writableEnded, 'writable', w.writable, 'finished', w.writableFinished);
    tick('nextTick after end()');
  });

S('w20-finish-then-close-async',
  "Async sink: finish strictly after the last write-cb, 'close' on the tick after 'finish'.",
  () => {
    const w = slowSink();
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.on('finish', () => { log('  at finish: writableFinished', w.writableFinished, 'destroyed', w.destroyed, 'closed', w.closed); tick('nextTick queued in finish'); });
    w.on('close', () => log('  at close: destroyed', w.destroyed, 'closed', w.closed));
    w.write('a', () => log('cb-a'));
    w.end('b', () => log('end-cb'));
  });

S('w21-emitClose-false',
  "emitClose:false: autoDestroy still destroys after 'finish' but no 'close' event.",
  () => {
    const w = syncSink({ emitClose: false });
    watch(w, 'w', ['finish', 'close']);
    w.end('x');
    setImmediate(() => log('later: destroyed', w.destroyed, 'closed', w.closed));
  });

S('w22-autoDestroy-false',
  "autoDestroy:false: 'finish' but no destroy/close; on write error 'error' only (no close).",
  () => {
    const a = syncSink({ autoDestroy: false });
    watch(a, 'a', ['finish', 'close']);
    a.end('x');
    const b = new Writable({ autoDestroy: false, write(c, e, cb) { cb(new Error('boom')); } });
    watch(b, 'b', ['error', 'close']);
    b.write('y', (e) => log('b write-cb', errc(e)));
    setImmediate(() => log('later: a.destroyed', a.destroyed, 'b.destroyed', b.destroyed, 'b.writable', b.writable, 'b.errored', errc(b.errored)));
  });

S('w23-end-twice-and-after-finish',
  'end() twice before finish: both callbacks get null. end(cb) after finish: cb(ERR_STREAM_ALREADY_FINISHED), no error event.',
  () => {
    const w = slowSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.write('a');
    w.end((e) => log('end-cb1', errc(e)));
    w.end((e) => log('end-cb2', errc(e)));
    w.on('close', () => w.end((e) => log('end-cb3 (after close)', errc(e))));
    w.on('finish', () => w.end((e) => log('end-cb4 (in finish)', errc(e))));
  });

S('w24-end-chunk-twice',
  "end('a'); end('b'): the second is a write-after-end -> 'error' + 'close', and 'finish' never fires.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.end('a', (e) => log('end-cb1', errc(e)));
    w.end('b', (e) => log('end-cb2', errc(e)));
    log('sync-end');
  });

S('w25-final-async',
  "_final runs once all writes completed; 'prefinish' after final's cb; 'finish' next tick; then 'close'.",
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); setImmediate(cb); },
      final(cb) { log('_final called'); setImmediate(() => { log('_final done'); cb(); }); },
    });
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.end('x', (e) => log('end-cb', errc(e)));
    log('sync-end');
  });

S('w26-final-error',
  "_final cb(err): end-cb(err), then 'error', then 'close'; never 'finish'.",
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      final(cb) { log('_final called'); setImmediate(() => cb(new Error('final-fail'))); },
    });
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end((e) => log('end-cb', errc(e)));
  });

S('w27-destroy-before-finish-end-cb',
  "Pending end(cb) when destroy() is called: end-cb gets ERR_STREAM_DESTROYED; no 'finish'.",
  () => {
    const w = slowSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.write('a', (e) => log('cb-a', errc(e)));
    w.end((e) => log('end-cb', errc(e)));
    w.destroy();
    log('sync-end');
  });

// ───────────────────────────── cork / uncork / writev ───────────────────

S('w28-cork-writev',
  'cork(); writes are buffered; uncork() flushes them in ONE _writev call (synchronously inside uncork).',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
    });
    w.cork();
    log('corked', w.writableCorked);
    w.write('a', () => log('cb-a'));
    w.write('b', () => log('cb-b'));
    w.write('c', () => log('cb-c'));
    log('len before uncork', w.writableLength, 'buffered', w.writableBuffer.length);
    w.uncork();
    log('after uncork: corked', w.writableCorked, 'len', w.writableLength);
  });

S('w29-cork-no-writev',
  'Without _writev, uncork() feeds the buffered chunks to _write one at a time.',
  () => {
    const w = syncSink();
    w.cork();
    w.write('a'); w.write('b');
    log('uncorking');
    w.uncork();
    log('after uncork');
  });

S('w30-nested-cork',
  'cork() is counted; each uncork() decrements; data flows only at 0. end() uncorks fully.',
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish']);
    w.cork(); w.cork();
    w.write('a');
    w.uncork();
    log('after 1 uncork: corked', w.writableCorked, 'len', w.writableLength);
    w.uncork();
    log('after 2 uncorks: corked', w.writableCorked, 'len', w.writableLength);
    w.cork(); w.cork(); w.cork();
    w.write('b');
    w.end();
    log('after end(): corked', w.writableCorked);
  });

S('w31-writev-batching-while-busy',
  'Writes issued while a write is in flight are batched into one _writev when it completes.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); setImmediate(cb); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); setImmediate(cb); },
    });
    watch(w, 'w', ['finish']);
    w.write('a', () => log('cb-a'));
    w.write('b', () => log('cb-b'));
    w.write('c', () => log('cb-c'));
    w.end(() => log('end-cb'));
  });

// ───────────────────────────── destroy() ─────────────────────────────────

S('w32-destroy-no-error',
  "destroy(): destroyed=true immediately; 'close' on next tick; no 'finish'/'error'.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.destroy();
    log('sync: destroyed', w.destroyed, 'closed', w.closed, 'writable', w.writable);
    tick('nextTick queued after destroy');
  });

S('w33-destroy-with-error',
  "destroy(err): 'error' then 'close' in the same tick; errored is set synchronously.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.destroy(new Error('E1'));
    log('sync: errored', errc(w.errored), 'destroyed', w.destroyed);
    tick('nextTick queued after destroy');
  });

S('w34-destroy-during-async-write',
  "destroy() with one write in flight and one buffered: 'close' first, then in-flight cb(null), buffered cb(ERR_STREAM_DESTROYED).",
  () => {
    const w = slowSink();
    watch(w, 'w', ['close', 'error', 'finish']);
    w.write('a', (e) => log('cb-a', errc(e)));
    w.write('b', (e) => log('cb-b', errc(e)));
    w.destroy();
    log('sync-end');
  });

S('w35-destroy-twice',
  'Second destroy() is a no-op (its error is dropped); one error, one close.',
  () => {
    const w = syncSink();
    watch(w, 'w', ['close', 'error']);
    w.destroy(new Error('E1'));
    w.destroy(new Error('E2'), (e) => log('second destroy cb', errc(e)));
  });

S('w36-destroy-custom-destroy-swallows',
  "Custom _destroy that calls cb() without the error: no 'error', just 'close'.",
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      destroy(err, cb) { log('_destroy got', errc(err)); cb(); },
    });
    watch(w, 'w', ['close', 'error']);
    w.destroy(new Error('E1'));
    log('sync: errored', errc(w.errored));
  });

S('w37-destroy-error-no-listener',
  "destroy(err) with no 'error' listener: uncaught exception on next tick, and 'close' is then NOT emitted.",
  () => {
    const w = syncSink();
    w.on('close', () => log('w:close'));
    w.destroy(new Error('E1'));
    setImmediate(() => log('later: closed', w.closed));
  });

S('w38-destroy-async-_destroy',
  "_destroy finishing later: closed flips only when its cb runs; 'close' the tick after that.",
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      destroy(err, cb) { log('_destroy start'); setImmediate(() => { log('_destroy cb'); cb(err); }); },
    });
    watch(w, 'w', ['close']);
    w.destroy();
    log('sync: destroyed', w.destroyed, 'closed', w.closed);
  });

// ───────────────────────────── state walkthrough ────────────────────────

S('w39-state-walkthrough',
  'Snapshot of the public state flags through write -> end -> finish -> close.',
  () => {
    const w = slowSink({ highWaterMark: 2 });
    const snap = (label) => log(label,
      `writable=${w.writable}`, `ended=${w.writableEnded}`, `finished=${w.writableFinished}`,
      `len=${w.writableLength}`, `needDrain=${w.writableNeedDrain}`, `corked=${w.writableCorked}`,
      `destroyed=${w.destroyed}`, `closed=${w.closed}`, `errored=${errc(w.errored)}`);
    snap('created');
    w.write('abc');
    snap('after write(abc)');
    w.end();
    snap('after end()');
    w.on('finish', () => snap('at finish'));
    w.on('close', () => snap('at close'));
  });

S('w40-state-after-error',
  'State flags after a write error with autoDestroy (default).',
  () => {
    const w = new Writable({ write(c, e, cb) { setImmediate(cb, new Error('boom')); } });
    w.on('error', (e) => log('error', errc(e), `writable=${w.writable}`, `destroyed=${w.destroyed}`,
      `closed=${w.closed}`, `errored=${errc(w.errored)}`, `finished=${w.writableFinished}`, `aborted=${w.writableAborted}`));
    w.on('close', () => log('close', `closed=${w.closed}`));
    w.write('a');
  });

S('w41-writeOneMillionTimes-drain-count',
  'The docs "write until false, wait for drain" loop against an async sink: drains = floor(N / ceil(HWM / C)).',
  () => {
    function run(label, N, C, H, done) {
      let writes = 0; let drains = 0;
      const w = new Writable({ highWaterMark: H, write(c, e, cb) { writes++; setImmediate(cb); } });
      w.on('drain', () => drains++);
      const chunk = Buffer.alloc(C, 'x');
      let i = N;
      function pump() {
        let ok = true;
        do {
          i--;
          if (i === 0) w.write(chunk, () => { log(label, `N=${N} C=${C} HWM=${H}`, 'writes', writes, 'drains', drains); done(); });
          else ok = w.write(chunk);
        } while (i > 0 && ok);
        if (i > 0) w.once('drain', pump);
      }
      pump();
    }
    const cases = [
      ['A', 1000000, 1, 16384], ['B', 1000, 100, 1024], ['C', 100, 4096, 16384],
      ['D', 10, 20000, 16384], ['E', 96, 1024, 16384], ['F', 97, 1024, 16384],
    ];
    (function next() { const c = cases.shift(); if (c) run(...c, next); })();
  });

S('w42-sync-sink-never-drains',
  'Same loop against a sink that completes synchronously: write() keeps returning true when C < HWM.',
  () => {
    let drains = 0; let falses = 0;
    const w = new Writable({ highWaterMark: 1024, write(c, e, cb) { cb(); } });
    w.on('drain', () => drains++);
    for (let i = 0; i < 10000; i++) if (!w.write(Buffer.alloc(100))) falses++;
    setImmediate(() => log('falses', falses, 'drains', drains, 'len', w.writableLength));
  });

S('w43-write-cb-called-twice',
  "_write invoking its callback twice: ERR_MULTIPLE_CALLBACK delivered through 'error' (then 'close').",
  () => {
    const w = new Writable({ write(c, e, cb) { cb(); cb(); } });
    watch(w, 'w', ['error', 'close']);
    w.write('a', (e) => log('write-cb', errc(e)));
    log('sync-end', 'destroyed', w.destroyed);
  });

S('w44-write-inside-finish',
  "write() from a 'finish' listener is a write-after-end: cb(err), 'error', and 'close' still follows.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    w.on('finish', () => { log('w:finish'); log('write in finish ->', w.write('late', (e) => log('late-cb', errc(e)))); });
    w.end('x');
  });

S('w45-end-cb-after-destroy',
  'end(cb) on a stream destroyed WITHOUT error: cb is never called (quirk). With a stored error: cb(err) next tick.',
  () => {
    const a = syncSink();
    a.on('close', () => log('a:close'));
    a.destroy();
    a.end((e) => log('a end-cb', errc(e)));
    const b = syncSink();
    b.on('error', (e) => log('b:error', errc(e)));
    b.destroy(new Error('E1'));
    b.end((e) => log('b end-cb', errc(e)));
    setTimeout(() => log('after 20ms: a.writableEnded', a.writableEnded), 20);
  });

// ───────────────────────────── EventEmitter ─────────────────────────────

S('e01-emit-basics',
  "emit() calls listeners in registration order with args and this=emitter; returns true iff listeners existed.",
  () => {
    const ee = new EventEmitter();
    ee.on('x', function (a, b) { log('L1', a, b, 'this===ee', this === ee); });
    ee.addListener('x', (a) => log('L2', a));
    log('emit x ->', ee.emit('x', 1, 2));
    log('emit y ->', ee.emit('y'));
  });

S('e02-once',
  'once(): fires one time; removed before the listener body runs; listeners() unwraps, rawListeners() does not.',
  () => {
    const ee = new EventEmitter();
    function f(v) { log('f', v, 'count inside', ee.listenerCount('x')); }
    ee.once('x', f);
    log('listeners()[0]===f', ee.listeners('x')[0] === f, 'raw[0]===f', ee.rawListeners('x')[0] === f,
      'raw[0].listener===f', ee.rawListeners('x')[0].listener === f);
    log('emit1 ->', ee.emit('x', 1));
    log('emit2 ->', ee.emit('x', 2));
  });

S('e03-prepend',
  'prependListener / prependOnceListener put the listener at the front.',
  () => {
    const ee = new EventEmitter();
    ee.on('x', () => log('a'));
    ee.prependListener('x', () => log('b'));
    ee.prependOnceListener('x', () => log('c-once'));
    ee.emit('x'); log('--');
    ee.emit('x');
  });

S('e04-remove-duplicate-removes-last',
  'Same fn registered twice: removeListener removes the most recently added (last in array) instance.',
  () => {
    const ee = new EventEmitter();
    let n = 0;
    function f() { log('f call', ++n); }
    ee.on('x', f);
    ee.once('x', f);
    ee.removeListener('x', f);   // removes the once-wrapper (added last)
    ee.emit('x'); ee.emit('x');
    log('-- reversed registration');
    const e2 = new EventEmitter();
    n = 0;
    e2.once('x', f);
    e2.on('x', f);
    e2.removeListener('x', f);   // removes the plain one (added last)
    e2.emit('x'); e2.emit('x');
    log('listenerCount', e2.listenerCount('x'));
  });

S('e05-remove-during-emit',
  'Listener array is snapshotted at emit(): a listener removed mid-emit still runs this time.',
  () => {
    const ee = new EventEmitter();
    function B() { log('B'); }
    ee.on('x', () => { log('A removes B'); ee.removeListener('x', B); });
    ee.on('x', B);
    ee.emit('x'); log('--');
    ee.emit('x');
  });

S('e06-add-during-emit',
  'A listener added during emit() is not called until the next emit().',
  () => {
    const ee = new EventEmitter();
    let added = false;
    ee.on('x', () => {
      log('A');
      if (!added) { added = true; ee.on('x', () => log('C (added by A)')); }
    });
    ee.emit('x'); log('--');
    ee.emit('x');
  });

S('e07-once-removed-mid-emit-still-fires',
  'A once-listener removed by an earlier listener in the same emit still fires in that emit.',
  () => {
    const ee = new EventEmitter();
    function B() { log('B (once)'); }
    ee.on('x', () => { log('A removes B'); ee.removeListener('x', B); });
    ee.once('x', B);
    ee.emit('x'); log('--');
    ee.emit('x');
  });

S('e08-newListener-order',
  "'newListener' fires BEFORE the listener is added, with the unwrapped fn; listeners it adds land first.",
  () => {
    const ee = new EventEmitter();
    function A() { log('A'); }
    ee.once('newListener', (ev, fn) => {
      log('newListener', ev, fn, 'count now', ee.listenerCount(ev));
      ee.on(ev, () => log('B (added inside newListener)'));
    });
    ee.on('x', A);
    ee.on('newListener', (ev, fn) => log('newListener#2', ev, fn));
    ee.once('x', function onceFn() {});
    ee.emit('x');
  });

S('e09-removeListener-meta',
  "'removeListener' fires AFTER removal; not fired if fn not found; once-wrapper quirk in the multi-listener case.",
  () => {
    const ee = new EventEmitter();
    ee.on('removeListener', (ev, fn) => log('removeListener', ev, fn, 'count now', ee.listenerCount(ev)));
    function a() {} function b() {} function g() { log('g runs'); }
    ee.on('x', a);
    ee.removeListener('x', b);        // not registered: nothing
    ee.removeListener('x', a);        // single listener case
    ee.once('y', g); ee.emit('y');    // single once: meta gets original fn
    ee.on('z', a); ee.once('z', g); ee.emit('z');   // array case: meta gets the wrapper
  });

S('e10-removeAllListeners',
  "removeAllListeners(type) emits 'removeListener' per fn in LIFO order; removeAllListeners() removes 'removeListener' last.",
  () => {
    const ee = new EventEmitter();
    function a() {} function b() {} function c() {}
    ee.on('x', a); ee.on('x', b); ee.on('y', c);
    ee.on('removeListener', function meta(ev, fn) { log('removeListener', ev, fn); });
    ee.removeAllListeners('x');
    log('eventNames', ee.eventNames());
    ee.on('x', a);
    ee.removeAllListeners();
    log('eventNames', ee.eventNames());
  });

S('e11-error-without-listener',
  "emit('error') with no listener throws synchronously: the Error itself, or ERR_UNHANDLED_ERROR for non-Errors.",
  () => {
    const ee = new EventEmitter();
    const e = new Error('plain');
    try { ee.emit('error', e); } catch (x) { log('threw same object', x === e); }
    try { ee.emit('error', 'a string'); } catch (x) { log('threw', errc(x)); }
    try { ee.emit('error'); } catch (x) { log('threw', errc(x)); }
    ee.on('error', (er) => log('handled', errc(er)));
    log('with listener returns', ee.emit('error', e));
  });

S('e12-errorMonitor',
  'errorMonitor listeners run before the throw (and before regular error listeners).',
  () => {
    const ee = new EventEmitter();
    ee.on(EventEmitter.errorMonitor, (er) => log('monitor', errc(er)));
    try { ee.emit('error', new Error('m')); } catch (x) { log('then threw', errc(x)); }
  });

S('e13-listener-throws',
  'A throwing listener aborts the rest of that emit; the exception propagates out of emit().',
  () => {
    const ee = new EventEmitter();
    ee.on('x', () => { log('L1 throws'); throw new Error('L1'); });
    ee.on('x', () => log('L2'));
    try { ee.emit('x'); } catch (e) { log('emit threw', errc(e)); }
  });

S('e14-max-listeners-warning',
  'Default max 10: the 11th listener of one event triggers one MaxListenersExceededWarning (async); per event name; 0 = unlimited.',
  () => {
    const ee = new EventEmitter();
    log('default max', ee.getMaxListeners(), EventEmitter.defaultMaxListeners);
    for (let i = 1; i <= 12; i++) ee.on('x', () => {});
    log('added 12 x listeners (sync)');
    for (let i = 1; i <= 11; i++) ee.on('y', () => {});
    const e2 = new EventEmitter();
    e2.setMaxListeners(0);
    for (let i = 1; i <= 50; i++) e2.on('z', () => {});
    const e3 = new EventEmitter();
    e3.setMaxListeners(1);
    e3.on('w', () => {}); e3.on('w', () => {});
    log('sync-end');
  });

S('e15-introspection',
  'listenerCount / listeners / eventNames (insertion order, symbols last) / emptied events disappear.',
  () => {
    const ee = new EventEmitter();
    const sym = Symbol('s');
    function f() {}
    ee.on('b', f); ee.on(sym, f); ee.on('a', f); ee.on('a', f);
    log('names', ee.eventNames().map(String));
    log('count a', ee.listenerCount('a'), 'count a,f', ee.listenerCount('a', f), 'count none', ee.listenerCount('none'));
    ee.off('b', f);
    log('names after off b', ee.eventNames().map(String));
    log('listeners(a).length', ee.listeners('a').length, 'copy?', ee.listeners('a') !== ee.listeners('a'));
  });

S('e16-stream-removeListener-quirk',
  "On stream objects (pre-shaped _events), removing a SOLE listener does not emit 'removeListener'.",
  () => {
    const w = syncSink();
    w.on('removeListener', (ev, fn) => log('meta removeListener', ev, fn));
    function f() {} function g() {}
    w.on('finish', f);
    w.removeListener('finish', f);
    log('removed sole finish listener');
    w.on('finish', f); w.on('finish', g);
    w.removeListener('finish', f);
    log('removed one of two');
    log('eventNames', w.eventNames());
  });

S('e17-newListener-for-newListener',
  "Adding a second 'newListener' listener notifies the first; the very first one is not announced.",
  () => {
    const ee = new EventEmitter();
    ee.on('newListener', (ev) => log('first saw', ev));
    ee.on('newListener', () => {});
    ee.on('foo', () => {});
  });

// ───────────────────────────── pipe / unpipe ────────────────────────────

S('p01-readable-pipe-events',
  "Readable#pipe: 'pipe' emitted synchronously inside pipe(src); data flows later; end -> dest.end(); 'unpipe' on finish.",
  () => {
    const src = new Readable({ read() {} });
    src.__name = 'src';
    const dst = slowSink();
    watch(dst, 'dst', ['pipe', 'unpipe', 'prefinish', 'finish', 'close']);
    src.on('end', () => log('src:end'));
    src.on('close', () => log('src:close'));
    src.pipe(dst);
    log('after pipe()');
    src.push('a'); src.push('b'); src.push(null);
    log('sync-end');
  });

S('p02-unpipe-explicit',
  "src.unpipe(dst) emits 'unpipe' synchronously on dst with src as the argument; dst is not ended.",
  () => {
    const src = new Readable({ read() {} });
    src.__name = 'src';
    const dst = slowSink();
    watch(dst, 'dst', ['pipe', 'unpipe', 'finish']);
    src.pipe(dst);
    src.unpipe(dst);
    log('after unpipe: dst.writable', dst.writable, 'src.flowing', src.readableFlowing);
    src.unpipe(dst);
    log('second unpipe: no event');
  });

S('p03-pipe-backpressure',
  'Readable#pipe pauses the source when dest.write() returns false and resumes on dest drain.',
  () => {
    const src = new Readable({ read() {}, highWaterMark: 100 });
    const dst = slowSink({ highWaterMark: 2 });
    const origPause = src.pause; const origResume = src.resume;
    src.pause = function () { log('src.pause()'); return origPause.call(this); };
    src.resume = function () { log('src.resume()'); return origResume.call(this); };
    watch(dst, 'dst', ['drain', 'finish']);
    src.pipe(dst);
    src.push('aa'); src.push('bb'); src.push('cc'); src.push(null);
  });

S('p04-legacy-pipe-basic',
  "Legacy Stream#pipe: 'pipe' event; write()==false -> source.pause(); dest 'drain' -> source.resume(); source 'end' -> dest.end().",
  () => {
    const src = new Stream();
    src.__name = 'legacy-src';
    src.readable = true;
    src.pause = () => log('src.pause()');
    src.resume = () => log('src.resume()');
    const dst = slowSink({ highWaterMark: 2 });
    watch(dst, 'dst', ['pipe', 'unpipe', 'drain', 'finish', 'close']);
    src.pipe(dst);
    log('listeners: src data', src.listenerCount('data'), 'src end', src.listenerCount('end'), 'dst drain', dst.listenerCount('drain'));
    src.emit('data', 'abc');
    setImmediate(() => setImmediate(() => {
      src.emit('end');
      log('after end: src data listeners', src.listenerCount('data'), 'dst drain listeners', dst.listenerCount('drain'));
    }));
  });

S('p05-legacy-pipe-close-before-end',
  "Legacy pipe: source 'close' without prior 'end' -> dest.destroy() (no finish). Later 'end' is ignored.",
  () => {
    const src = new Stream();
    src.readable = true;
    const dst = slowSink();
    watch(dst, 'dst', ['finish', 'close', 'error']);
    src.pipe(dst);
    src.emit('data', 'x');
    src.emit('close');
    log('after close: dst.destroyed', dst.destroyed);
    src.emit('end');
  });

S('p06-legacy-pipe-end-false',
  "Legacy pipe {end:false}: source 'end' does not end dest; pipe listeners are still cleaned up.",
  () => {
    const src = new Stream();
    src.readable = true;
    const dst = slowSink();
    watch(dst, 'dst', ['finish', 'close']);
    src.pipe(dst, { end: false });
    src.emit('data', 'x');
    src.emit('end');
    log('dst.writable', dst.writable, 'src data listeners', src.listenerCount('data'));
  });

S('p07-legacy-pipe-error-rethrow',
  "Legacy pipe: 'error' on source with no other handler -> pipe cleans up then re-emits, which throws synchronously.",
  () => {
    const src = new Stream();
    src.readable = true;
    const dst = slowSink();
    src.pipe(dst);
    log('src error listeners (pipe added one)', src.listenerCount('error'));
    try { src.emit('error', new Error('src-fail')); } catch (e) { log('emit threw', errc(e)); }
    log('after: src data listeners', src.listenerCount('data'), 'error listeners', src.listenerCount('error'));
    const src2 = new Stream();
    src2.readable = true;
    src2.pipe(slowSink());
    src2.on('error', (e) => log('user handler', errc(e)));
    log('emit with user handler ->', src2.emit('error', new Error('x')));
  });

S('p08-legacy-pipe-dest-not-writable',
  'Legacy pipe drops data when dest.writable is false (no write attempted).',
  () => {
    const src = new Stream();
    src.readable = true;
    const dst = syncSink();
    src.pipe(dst);
    dst.end();
    log('dst.writable after end()', dst.writable);
    src.emit('data', 'dropped');
    log('no _write above means dropped');
  });

S('p09-writable-pipe-error',
  "Writable#pipe is an error: destroyed synchronously, then 'error'(ERR_STREAM_CANNOT_PIPE) and 'close' on the next tick.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    w.pipe(syncSink());
    log('sync-end', 'destroyed', w.destroyed);
  });

S('p10-readable-pipe-end-false',
  "Readable#pipe with {end:false}: at source 'end' the pipe unpipes ('unpipe' event) and dest stays open.",
  () => {
    const src = new Readable({ read() {} });
    src.__name = 'src';
    const dst = slowSink();
    watch(dst, 'dst', ['pipe', 'unpipe', 'finish', 'close']);
    src.on('end', () => log('src:end'));
    src.pipe(dst, { end: false });
    src.push('a'); src.push(null);
    setImmediate(() => setImmediate(() => log('later: dst.writable', dst.writable)));
  });

S('p11-readable-pipe-dest-error',
  "Dest destroyed with an error mid-pipe: pipe's prepended error handler unpipes first ('unpipe' before user 'error').",
  () => {
    const src = new Readable({ read() {} });
    src.__name = 'src';
    const dst = slowSink();
    watch(dst, 'dst', ['unpipe', 'error', 'close']);
    src.pipe(dst);
    src.push('a');
    setImmediate(() => { dst.destroy(new Error('dst-fail')); });
    src.on('pause', () => log('src:pause'));
  });

// ───────────────────────────── fs.WriteStream ───────────────────────────

S('p12-dest-write-throws',
  "The destination's _write throws on the second chunk: v20 lets it escape (uncaught); v24 and v26 destroy the destination with it (unpipe, 'error', 'close').",
  () => {
    const r = new Readable({ read() {} });
    const w = new Writable({
      write(c, e, cb) {
        log('_write', c.toString());
        if (c.toString() === 'b') throw new Error('boom');
        cb();
      },
    });
    w.on('error', (e) => log('w:error', errc(e)));
    w.on('close', () => log('w:close'));
    w.on('unpipe', () => log('w:unpipe'));
    r.on('close', () => log('r:close'));
    r.on('pause', () => log('r:pause'));
    r.pipe(w);
    r.push('a');
    r.push('b');
    r.push('c');
    setImmediate(() => { log('destroyed', w.destroyed, 'flowing', r.readableFlowing); r.push(null); });
  });

S('f01-fs-writestream-order',
  "fs.createWriteStream: writes before open are queued; 'open'(fd) then 'ready' precede the first _write; then finish, close.",
  () => {
    const p = tmpPath('f01');
    const ws = fs.createWriteStream(p);
    log('pending', ws.pending, 'fd', ws.fd, 'bytesWritten', ws.bytesWritten);
    ws.on('open', (fd) => log('ws:open', typeof fd, 'fd===ws.fd', fd === ws.fd, 'pending', ws.pending));
    watch(ws, 'ws', ['ready', 'finish', 'close', 'error']);
    log('w1 ->', ws.write('hello ', (e) => log('cb1', errc(e))));
    log('w2 ->', ws.write('world', (e) => log('cb2', errc(e))));
    ws.end((e) => log('end-cb', errc(e)));
    ws.on('close', () => { log('content', fs.readFileSync(p, 'utf8'), 'bytesWritten', ws.bytesWritten, 'fd', ws.fd); fs.unlinkSync(p); });
  });

S('f02-fs-writestream-with-fd',
  "fs.createWriteStream with {fd}: no 'open'/'ready' events; the fd is closed on destroy (autoClose).",
  () => {
    const p = tmpPath('f02');
    const fd = fs.openSync(p, 'w');
    const ws = fs.createWriteStream(null, { fd });
    watch(ws, 'ws', ['open', 'ready', 'finish', 'close']);
    log('pending', ws.pending);
    ws.end('data');
    ws.on('close', () => {
      let closed = false;
      try { fs.fstatSync(fd); } catch (e) { closed = e.code === 'EBADF'; }
      log('fd closed after close event', closed);
      fs.unlinkSync(p);
    });
  });

S('f03-fs-writestream-open-error',
  "Open failure: queued write callbacks get the open error, then 'error', then 'close'; no 'open'.",
  () => {
    const ws = fs.createWriteStream('/nonexistent-dir-xyz/file');
    watch(ws, 'ws', ['open', 'ready', 'finish', 'close', 'error']);
    ws.write('a', (e) => log('cb1', errc(e)));
    ws.end((e) => log('end-cb', errc(e)));
  });

// ───────────────────────────── net.Socket ───────────────────────────────

S('n01-net-unix-pair-write-end',
  'Unix-socket pair: client writes then end(); per-side event order (client: finish/end/close; server: data/end/finish/close).',
  () => {
    const sock = tmpPath('n01.sock');
    const c = []; const s = [];
    let open = 2;
    const server = net.createServer((conn) => {
      conn.on('data', (d) => s.push(`data ${d}`));
      conn.on('end', () => s.push('end'));
      conn.on('finish', () => s.push('finish (auto end(), allowHalfOpen=false)'));
      conn.on('close', (hadErr) => { s.push(`close hadError=${hadErr}`); done(); });
    });
    function done() {
      if (--open) return;
      server.close(() => { log('client:', c.join(' | ')); log('server:', s.join(' | ')); });
    }
    server.listen(sock, () => {
      const cl = net.connect(sock);
      c.push(`connecting=${cl.connecting} pending=${cl.pending}`);
      c.push(`write before connect -> ${cl.write('hello', (e) => c.push(`write-cb ${errc(e)}`))} len=${cl.writableLength}`);
      cl.end(() => c.push('end-cb'));
      c.push(`after end(): writable=${cl.writable} writableEnded=${cl.writableEnded} readable=${cl.readable}`);
      cl.on('connect', () => c.push('connect'));
      cl.on('ready', () => c.push('ready'));
      cl.on('finish', () => c.push('finish'));
      cl.on('end', () => c.push('end'));
      cl.on('close', (hadErr) => { c.push(`close hadError=${hadErr}`); done(); });
      cl.resume();
    });
  });

S('n03-net-backpressure-drain',
  "Socket write of 1 MiB to a peer that is not reading returns false at once; 'drain' after the peer resumes.",
  () => {
    const sock = tmpPath('n03.sock');
    let got = 0;
    const big = Buffer.alloc(1 << 20, 'z');
    const server = net.createServer((conn) => {
      conn.pause();
      conn.on('data', (d) => { got += d.length; });
      conn.on('end', () => { log('server got', got, 'bytes'); conn.end(); });
      setTimeout(() => { log('server resumes reading'); conn.resume(); }, 50);
    });
    server.listen(sock, () => {
      const cl = net.connect(sock, () => {
        const r = cl.write(big, (e) => log('write-cb', errc(e)));
        log('write(1 MiB) ->', r, 'writableLength', cl.writableLength, 'needDrain', cl.writableNeedDrain);
        cl.once('drain', () => { log('client drain', 'writableLength', cl.writableLength); cl.end(); });
      });
      cl.on('close', () => { log('client close'); server.close(); });
      cl.resume();
    });
  });

S('n02-net-destroySoon',
  'Socket#destroySoon(): end() if writable, then destroy() after finish.',
  () => {
    const sock = tmpPath('n02.sock');
    const c = [];
    const server = net.createServer((conn) => { conn.resume(); conn.on('close', () => server.close(() => log('client:', c.join(' | ')))); });
    server.listen(sock, () => {
      const cl = net.connect(sock, () => {
        cl.write('x', () => c.push('write-cb'));
        cl.destroySoon();
        c.push(`after destroySoon: writableEnded=${cl.writableEnded} destroyed=${cl.destroyed}`);
      });
      cl.on('finish', () => c.push(`finish destroyed=${cl.destroyed}`));
      cl.on('close', () => c.push('close'));
    });
  });


// ───────────────────────────── x: high-water mark at the boundary ──────────

S('x01-hwm-exact-boundary',
  'HWM 5: a single 5-byte chunk returns false (length == HWM); 4 bytes then 1 byte: true then false.',
  () => {
    const a = slowSink({ highWaterMark: 5 });
    watch(a, 'a', ['drain']);
    log('a 5 bytes ->', a.write('12345'), 'len', a.writableLength, 'needDrain', a.writableNeedDrain);
    const b = slowSink({ highWaterMark: 5 });
    watch(b, 'b', ['drain']);
    log('b 4 bytes ->', b.write('1234'), 'len', b.writableLength, 'needDrain', b.writableNeedDrain);
    log('b 1 byte ->', b.write('5'), 'len', b.writableLength, 'needDrain', b.writableNeedDrain);
    log('sync-end');
  });

S('x02-hwm-minus-one',
  'HWM 8: 7 bytes -> true; an empty write at length 7 -> true; one more byte (length 8) -> false.',
  () => {
    const w = slowSink({ highWaterMark: 8 });
    watch(w, 'w', ['drain']);
    log('7 bytes ->', w.write('abcdefg'), 'len', w.writableLength);
    log('empty ->', w.write(''), 'len', w.writableLength);
    log('1 byte ->', w.write('h'), 'len', w.writableLength, 'needDrain', w.writableNeedDrain);
  });

S('x03-hwm-one',
  "HWM 1: every non-empty write returns false; one 'drain' per episode; a write inside 'drain' starts a new one.",
  () => {
    const w = slowSink({ highWaterMark: 1 });
    let n = 0;
    w.on('drain', () => {
      n++;
      log('drain', n, 'len', w.writableLength, 'needDrain', w.writableNeedDrain);
      if (n === 1) log('write in drain ->', w.write('c'));
    });
    log('empty ->', w.write(''));
    log('a ->', w.write('a'));
    log('b ->', w.write('b'), 'len', w.writableLength);
  });

S('x04-objectmode-hwm',
  'objectMode HWM 3 counts chunks, not bytes: TTF, then F; a 1 MiB Buffer counts as 1; HWM 0 makes every write false.',
  () => {
    const o = slowSink({ objectMode: true, highWaterMark: 3 });
    watch(o, 'o', ['drain']);
    log('w1', o.write('one'), 'w2', o.write('two'), 'w3', o.write('three'), 'len', o.writableLength);
    log('w4', o.write('four'), 'len', o.writableLength);
    const big = new Writable({ objectMode: true, highWaterMark: 2, write(c, e, cb) { setImmediate(cb); } });
    log('big buffer ->', big.write(Buffer.alloc(1 << 20)), 'len', big.writableLength);
    const z = new Writable({ objectMode: true, highWaterMark: 0, write(c, e, cb) { setImmediate(cb); } });
    log('hwm0 object ->', z.write('x'), 'hwm', z.writableHighWaterMark, 'objectMode', z.writableObjectMode);
  });

S('x05-hwm-counts-bytes-or-chars',
  'Length counts encoded bytes when strings are decoded, string length (chars) with decodeStrings:false.',
  () => {
    const a = slowSink({ highWaterMark: 4 });
    log('decoded éé ->', a.write('éé'), 'len', a.writableLength);
    const b = new Writable({ decodeStrings: false, highWaterMark: 4, write(c, e, cb) { setImmediate(cb); } });
    log('raw éé ->', b.write('éé'), 'len', b.writableLength);
    log('raw 6869 hex ->', b.write('6869', 'hex'), 'len', b.writableLength);
    const c = slowSink({ highWaterMark: 4 });
    log('decoded 6869 hex ->', c.write('6869', 'hex'), 'len', c.writableLength);
  });

S('x06-hwm-single-large-chunk',
  "HWM 4 and one 100-byte chunk: false, one 'drain' once it completes, before its callback.",
  () => {
    const w = slowSink({ highWaterMark: 4 });
    watch(w, 'w', ['drain']);
    log('100 bytes ->', w.write(Buffer.alloc(100, 'q'), () => log('cb', 'len', w.writableLength)));
    log('len', w.writableLength);
  });

S('x07-hwm-below-again-before-drain',
  "HWM 4: after a false write, a write made once length fell below HWM returns true, yet 'drain' waits for length 0.",
  () => {
    const w = slowSink({ highWaterMark: 4 });
    watch(w, 'w', ['drain']);
    log('ab ->', w.write('ab', () => {
      log('cb-ab len', w.writableLength, 'needDrain', w.writableNeedDrain);
      log('e ->', w.write('e', () => log('cb-e')), 'len', w.writableLength);
    }));
    log('cd ->', w.write('cd', () => log('cb-cd')), 'len', w.writableLength);
  });

// ───────────────────────────── x: drain counts of the write-until-false loop ─

S('x08-drain-loop-counts',
  "Write-until-false loop against a setImmediate sink, several (N, C, HWM): drains = floor(N / ceil(HWM / C)).",
  () => {
    const cases = [
      ['A', 10, 1, 1], ['B', 10, 1, 2], ['C', 10, 3, 10], ['D', 33, 5, 16],
      ['E', 100, 7, 64], ['F', 1000, 1, 1000], ['G', 999, 1, 1000], ['H', 5000, 10, 16384],
    ];
    series(...cases.map(([l, N, C, H]) => (next) => {
      const w = new Writable({ highWaterMark: H, write(c, e, cb) { setImmediate(cb); } });
      drainLoop(`${l} N=${N} C=${C} HWM=${H}`, w, N, Buffer.alloc(C, 'x'), next);
    }));
  });

S('x09-drain-loop-hwm-zero',
  "The loop with HWM 0: every write returns false, one 'drain' per write.",
  () => {
    const w = new Writable({ highWaterMark: 0, write(c, e, cb) { setImmediate(cb); } });
    drainLoop('N=10 C=4 HWM=0', w, 10, Buffer.alloc(4), () => {});
  });

S('x10-drain-loop-objectmode',
  "The loop in objectMode (default HWM 16): 100 objects give floor(100/16) drains.",
  () => {
    const w = new Writable({ objectMode: true, write(c, e, cb) { setImmediate(cb); } });
    drainLoop('objects N=100 HWM=16', w, 100, { v: 1 }, () => {});
  });

S('x11-drain-loop-writev-sink',
  "The loop against a sink with _writev (async): buffered chunks go out in batches; drain count unchanged.",
  () => {
    let writes = 0; let writevs = 0; let maxBatch = 0;
    const w = new Writable({
      highWaterMark: 64,
      write(c, e, cb) { writes++; setImmediate(cb); },
      writev(chunks, cb) { writevs++; maxBatch = Math.max(maxBatch, chunks.length); setImmediate(cb); },
    });
    drainLoop('N=100 C=8 HWM=64', w, 100, Buffer.alloc(8), () => log('writes', writes, 'writevs', writevs, 'maxBatch', maxBatch));
  });

S('x12-drain-loop-sync-sink-large-chunks',
  "The loop against a synchronous sink with chunks larger than HWM: write() never returns false, no 'drain'.",
  () => {
    const w = new Writable({ highWaterMark: 16, write(c, e, cb) { cb(); } });
    drainLoop('sync N=50 C=100 HWM=16', w, 50, Buffer.alloc(100), () => {});
  });

// ───────────────────────────── x: cork / uncork / writev ─────────────────────

S('x13-cork-nesting-writev',
  'Three corks need three uncorks; only the last flushes, as one _writev; cork() while writable grows the counter.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => `${x.chunk}/${x.encoding}`).join(',')); cb(); },
    });
    w.cork(); w.cork(); w.cork();
    w.write('a', () => log('cb-a')); w.write('b', () => log('cb-b'));
    for (let i = 1; i <= 3; i++) { w.uncork(); log('uncork', i, 'corked', w.writableCorked, 'len', w.writableLength); }
    w.uncork();
    log('extra uncork: corked', w.writableCorked);
  });

S('x14-cork-nexttick-uncork',
  "The cork(); write(); write(); nextTick(uncork) idiom: one _writev on the next tick, then the callbacks.",
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
    });
    w.cork();
    w.write('a', () => log('cb-a'));
    w.write('b', () => log('cb-b'));
    process.nextTick(() => { log('uncork'); w.uncork(); log('after uncork len', w.writableLength); });
    log('sync-end len', w.writableLength);
  });

S('x15-cork-single-chunk-uses-write',
  'One buffered chunk goes to _write even when _writev exists; two or more go to _writev.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.length); cb(); },
    });
    w.cork(); w.write('solo'); w.uncork();
    w.cork(); w.write('x'); w.write('y'); w.uncork();
  });

S('x16-cork-while-writing',
  'uncork() while a write is in flight flushes nothing; the corked chunks go out as one _writev after it completes.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); setImmediate(cb); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); setImmediate(cb); },
    });
    watch(w, 'w', ['finish']);
    w.write('a', () => log('cb-a'));
    w.cork();
    w.write('b', () => log('cb-b'));
    w.write('c', () => log('cb-c'));
    w.uncork();
    log('after uncork len', w.writableLength);
    w.end(() => log('end-cb'));
  });

S('x17-cork-end-flushes',
  'end() with a chunk while corked twice: fully uncorks; buffered chunks and the end chunk go out in one _writev.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
    });
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.cork(); w.cork();
    w.write('a', () => log('cb-a'));
    w.end('z', () => log('end-cb'));
    log('after end: corked', w.writableCorked, 'len', w.writableLength);
  });

S('x18-writev-only-sink',
  'A sink with only _writev: a lone write arrives as a one-element batch; corked writes as one batch.',
  () => {
    const w = new Writable({
      writev(chunks, cb) { log('_writev', chunks.length, chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
    });
    watch(w, 'w', ['finish', 'close']);
    w.write('a', () => log('cb-a'));
    w.cork(); w.write('b'); w.write('c', () => log('cb-c')); w.uncork();
    w.end();
  });

S('x19-writev-error',
  "_writev calls back with an error: every batched chunk's callback gets it, then 'error', then 'close'.",
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      writev(chunks, cb) { log('_writev', chunks.length); setImmediate(cb, new Error('vfail')); },
    });
    watch(w, 'w', ['error', 'close', 'finish']);
    w.cork();
    w.write('a', (e) => log('cb-a', errc(e)));
    w.write('b', (e) => log('cb-b', errc(e)));
    w.uncork();
    log('sync-end');
  });

S('x20-corked-write-returns-false',
  "While corked, length grows and write() returns false at HWM; 'drain' comes after the flush.",
  () => {
    const w = slowSink({ highWaterMark: 4 });
    watch(w, 'w', ['drain']);
    w.cork();
    log('w1', w.write('ab'), 'w2', w.write('cd'), 'len', w.writableLength, 'needDrain', w.writableNeedDrain);
    w.uncork();
    log('after uncork len', w.writableLength);
  });

// ───────────────────────────── x: end() ───────────────────────────────────────

S('x21-end-chunk-encoding-cb',
  "end(chunk, encoding, cb): the chunk is decoded with that encoding; end-cb before 'finish'.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.end('6869', 'hex', (e) => log('end-cb', errc(e)));
    log('sync-end');
  });

S('x22-end-cb-idle-sync',
  "end(cb) on an idle stream: 'prefinish' inside end(); end-cb then 'finish' on the next tick; 'close' after.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    tick('tick before end');
    w.end((e) => log('end-cb', errc(e)));
    tick('tick after end');
    log('sync-end finished', w.writableFinished);
  });

S('x23-end-chunk-async-no-cb',
  "end(chunk) without a callback on an async sink: 'finish' after the chunk's write completes.",
  () => {
    const w = slowSink();
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.end('last');
    snap(w, 'after end');
  });

S('x24-double-end-variants',
  'end(); end(); end(cb) before finish: all callbacks null, one finish. end(cb) after close: ALREADY_FINISHED.',
  () => {
    const w = slowSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.write('a');
    w.end();
    w.end();
    w.end((e) => log('end-cb3', errc(e)));
    w.on('close', () => setImmediate(() => w.end((e) => log('end-cb after close', errc(e)))));
  });

S('x25-end-after-error-no-autodestroy',
  'autoDestroy:false and a write error: end(cb) gets the stored error on the next tick; no finish, no close.',
  () => {
    const w = new Writable({ autoDestroy: false, write(c, e, cb) { cb(new Error('boom')); } });
    watch(w, 'w', ['error', 'finish', 'close']);
    w.write('a', (e) => log('write-cb', errc(e)));
    setImmediate(() => {
      w.end((e) => log('end-cb', errc(e)));
      snap(w, 'after end');
    });
  });

S('x26-finish-listeners-added-in-listeners',
  "Listeners added during 'prefinish'/'finish' emission: a new 'finish' listener added in 'finish' does not run; 'close' listeners added in 'finish' do.",
  () => {
    const w = syncSink();
    w.on('prefinish', () => { log('prefinish'); w.on('finish', () => log('finish (added in prefinish)')); });
    w.on('finish', () => {
      log('finish 1');
      w.on('finish', () => log('finish (added in finish) NOT expected'));
      w.on('close', () => log('close (added in finish)'));
    });
    w.on('finish', () => log('finish 2'));
    w.end('x');
  });

S('x27-close-listener-added-in-close',
  "A 'close' listener added inside 'close' does not run; once() listeners run once.",
  () => {
    const w = syncSink();
    w.once('finish', () => log('once finish'));
    w.on('close', () => { log('close 1'); w.on('close', () => log('close (added in close)')); });
    w.once('close', () => log('once close'));
    w.end();
    setImmediate(() => log('close listeners now', w.listenerCount('close')));
  });

// ───────────────────────────── x: write after end ─────────────────────────────

S('x28-write-after-end-no-callback',
  "write after end() without a callback: returns false, 'error' then 'close'; 'finish' (already due) never comes.",
  () => {
    const w = slowSink();
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.write('a');
    w.end();
    log('late write ->', w.write('b'), 'destroyed', w.destroyed);
  });

S('x29-write-after-end-twice',
  "Two writes after end with callbacks: both callbacks get WRITE_AFTER_END; only one 'error'.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.end();
    w.write('b', (e) => log('cb-b', errc(e)));
    w.write('c', (e) => log('cb-c', errc(e)));
    log('sync-end');
  });

S('x30-write-after-end-no-autodestroy',
  "autoDestroy:false: write after end gives cb(err), 'error' once, no 'close'; errored is set; 'finish' still fires.",
  () => {
    const w = syncSink({ autoDestroy: false });
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end();
    log('late write ->', w.write('b', (e) => log('cb-b', errc(e))));
    snap(w, 'sync');
    setImmediate(() => snap(w, 'later'));
  });

// ───────────────────────────── x: destroy from inside callbacks ───────────────

S('x31-destroy-in-async-write-callback',
  "destroy() inside an async write's callback: the already-dispatched next write completes (null) after 'close'; the pending end-cb gets ERR_STREAM_DESTROYED.",
  () => {
    const w = slowSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.write('a', (e) => { log('cb-a', errc(e)); w.destroy(); log('destroyed in cb-a'); });
    w.write('b', (e) => log('cb-b', errc(e)));
    w.end((e) => log('end-cb', errc(e)));
  });

S('x32-destroy-in-sync-write-callback',
  "destroy(err) inside a sync-completing write's callback (runs on the next tick): 'error' then 'close'.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.write('a', (e) => { log('cb-a', errc(e)); w.destroy(new Error('in-cb')); });
    w.write('b', (e) => log('cb-b', errc(e)));
    log('sync-end');
  });

S('x33-destroy-inside-_write',
  "_write destroys the stream and never calls back: the in-flight write's callback never runs; the next write's gets ERR_STREAM_DESTROYED.",
  () => {
    const w = new Writable({ write(c, e, cb) { log('_write', c.toString()); this.destroy(); } });
    watch(w, 'w', ['finish', 'close', 'error']);
    log('write ->', w.write('a', (e) => log('cb-a', errc(e))));
    log('write2 ->', w.write('b', (e) => log('cb-b', errc(e))));
    setImmediate(() => log('later'));
  });

S('x34-destroy-inside-_final',
  "_final calls destroy() and then its callback: no 'prefinish', no 'finish', 'close'; the end-cb is never called (nothing buffered).",
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      final(cb) { log('_final'); this.destroy(); cb(); },
    });
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end((e) => log('end-cb', errc(e)));
  });

S('x35-destroy-error-inside-_final-async',
  "_final destroys with an error before calling back later: end-cb(err), 'error', 'close'; the late final cb is ignored.",
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      final(cb) { log('_final'); setImmediate(() => { this.destroy(new Error('in-final')); cb(); log('final cb returned'); }); },
    });
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end((e) => log('end-cb', errc(e)));
  });

S('x36-destroy-in-finish-listener',
  "destroy(err) inside 'finish': 'error' and 'close' follow the 'finish'.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    w.on('finish', () => { log('w:finish'); w.destroy(new Error('late')); snap(w, 'in finish'); });
    w.end('x');
  });

S('x37-destroy-in-prefinish-listener',
  "destroy() inside 'prefinish': no 'finish'; 'close'; the pending end-cb is never called (nothing buffered).",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'error']);
    w.on('prefinish', () => { log('w:prefinish'); w.destroy(); });
    w.end('x', (e) => log('end-cb', errc(e)));
  });

S('x38-destroy-in-drain-listener',
  "destroy() inside 'drain': the drained write's callback still runs (null), then 'close'.",
  () => {
    const w = slowSink({ highWaterMark: 1 });
    watch(w, 'w', ['close', 'error', 'finish']);
    w.on('drain', () => { log('w:drain'); w.destroy(); });
    log('write ->', w.write('a', (e) => log('cb-a', errc(e))));
  });

S('x39-destroy-callback-forms',
  'destroy(null, cb) and destroy(err, cb): cb runs synchronously inside _destroy completion with its error.',
  () => {
    const a = syncSink();
    watch(a, 'a', ['close', 'error']);
    a.destroy(null, (e) => log('a destroy-cb', errc(e)));
    const b = syncSink();
    watch(b, 'b', ['close', 'error']);
    b.destroy(new Error('E'), (e) => log('b destroy-cb', errc(e)));
    log('sync-end');
  });

// ───────────────────────────── x: destroySoon ────────────────────────────────

S('x40-destroySoon-pending-writes',
  "destroySoon with writes in flight: end now, destroy after 'finish': write cbs, finish, close.",
  () => {
    const w = slowSink({ autoDestroy: false });
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.write('a', () => log('cb-a'));
    w.write('b', () => log('cb-b'));
    destroySoon(w);
    snap(w, 'after destroySoon');
  });

S('x41-destroySoon-idle',
  "destroySoon on an idle stream: 'prefinish' at once, 'finish' next tick, then destroy and 'close'.",
  () => {
    const w = syncSink({ autoDestroy: false });
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    destroySoon(w);
    snap(w, 'after destroySoon');
  });

S('x42-destroySoon-after-finish',
  'destroySoon after finish (autoDestroy:false): destroys immediately; close next tick.',
  () => {
    const w = syncSink({ autoDestroy: false });
    watch(w, 'w', ['finish', 'close']);
    w.end();
    w.on('finish', () => setImmediate(() => { destroySoon(w); snap(w, 'after destroySoon'); }));
  });

S('x43-destroySoon-after-error',
  "destroySoon on an errored stream (autoDestroy:false): not writable so no end(); 'finish' never comes, so it never closes.",
  () => {
    const w = new Writable({ autoDestroy: false, write(c, e, cb) { cb(new Error('boom')); } });
    watch(w, 'w', ['error', 'finish', 'close']);
    w.write('a');
    setImmediate(() => { destroySoon(w); snap(w, 'after destroySoon'); setImmediate(() => snap(w, 'later')); });
  });

// ───────────────────────────── x: errors in _write / _final ───────────────────

S('x44-write-error-async-alone',
  "Async _write error with nothing buffered: write-cb(err) inside the completion, then 'error', 'close'.",
  () => {
    const w = new Writable({ write(c, e, cb) { log('_write', c.toString()); setImmediate(cb, new Error('late')); } });
    watch(w, 'w', ['error', 'close', 'finish']);
    log('write ->', w.write('a', (e) => { log('write-cb', errc(e)); snap(w, 'in write-cb'); }));
  });

S('x45-final-error-sync',
  "_final calls back with an error synchronously: destroyed at once; 'error', 'close', then end-cb(err); no 'prefinish'.",
  () => {
    const w = new Writable({ write(c, e, cb) { cb(); }, final(cb) { log('_final'); cb(new Error('ffail')); } });
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end((e) => log('end-cb', errc(e)));
    snap(w, 'sync');
  });

S('x46-final-sync-success',
  "_final calling back synchronously: 'prefinish' inside it, 'finish' on the next tick.",
  () => {
    const w = new Writable({ write(c, e, cb) { cb(); }, final(cb) { log('_final'); cb(); log('_final returned'); } });
    watch(w, 'w', ['prefinish', 'finish', 'close']);
    w.end('x', () => log('end-cb'));
    log('sync-end');
  });

S('x47-final-cb-twice',
  "_final calling its callback twice: 'prefinish' and 'finish', then ERR_MULTIPLE_CALLBACK through 'error', then 'close'.",
  () => {
    const w = new Writable({ write(c, e, cb) { cb(); }, final(cb) { cb(); cb(); } });
    watch(w, 'w', ['prefinish', 'finish', 'close', 'error']);
    w.end();
  });

S('x48-callbacks-after-error-no-autodestroy',
  'autoDestroy:false: writes after an error are buffered (false); their callbacks get the stored error only at destroy().',
  () => {
    const w = new Writable({ autoDestroy: false, write(c, e, cb) { log('_write', c.toString()); cb(new Error('boom')); } });
    watch(w, 'w', ['error', 'close']);
    w.write('a', (e) => log('cb-a', errc(e)));
    setImmediate(() => {
      log('write b ->', w.write('b', (e) => log('cb-b', errc(e))), 'len', w.writableLength);
      setImmediate(() => { log('destroy'); w.destroy(); });
    });
  });

// ───────────────────────────── x: _construct ─────────────────────────────────

S('x49-construct-sync',
  '_construct calling back synchronously: writes flow as usual; construct runs on the next tick.',
  () => {
    const w = new Writable({
      construct(cb) { log('_construct'); cb(); },
      write(c, e, cb) { log('_write', c.toString()); cb(); },
    });
    watch(w, 'w', ['finish', 'close']);
    log('write ->', w.write('a', () => log('cb-a')), 'len', w.writableLength);
    w.end();
  });

S('x50-construct-async-queued-writes',
  '_construct completing later: writes before it are buffered (length counted) and flushed as one _writev after it.',
  () => {
    const w = new Writable({
      construct(cb) { log('_construct'); setImmediate(() => { log('_construct done'); cb(); }); },
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
    });
    watch(w, 'w', ['drain', 'finish', 'close']);
    log('w1', w.write('a', () => log('cb-a')), 'w2', w.write('b', () => log('cb-b')), 'len', w.writableLength);
    w.end('c', () => log('end-cb'));
    log('sync-end');
  });

S('x51-construct-error',
  "_construct calling back with an error: queued write and end callbacks get it, then 'error', 'close'; _write never runs.",
  () => {
    const w = new Writable({
      construct(cb) { log('_construct'); setImmediate(cb, new Error('cfail')); },
      write(c, e, cb) { log('_write NOT expected'); cb(); },
    });
    watch(w, 'w', ['error', 'finish', 'close']);
    w.write('a', (e) => log('cb-a', errc(e)));
    w.end((e) => log('end-cb', errc(e)));
  });

S('x52-construct-destroy-before-done',
  "destroy() while _construct is pending: _destroy waits for construct's callback; 'close' after it.",
  () => {
    const w = new Writable({
      construct(cb) { log('_construct'); setImmediate(() => { log('_construct done'); cb(); }); },
      write(c, e, cb) { cb(); },
      destroy(err, cb) { log('_destroy', errc(err)); cb(err); },
    });
    watch(w, 'w', ['error', 'close']);
    w.write('a', (e) => log('cb-a', errc(e)));
    w.destroy();
    snap(w, 'after destroy');
  });

S('x53-construct-hwm-and-drain',
  "Writes queued behind _construct count toward HWM: false at HWM, 'drain' after the flush.",
  () => {
    const w = new Writable({
      highWaterMark: 2,
      construct(cb) { setImmediate(cb); },
      write(c, e, cb) { log('_write', c.toString()); cb(); },
    });
    watch(w, 'w', ['drain']);
    log('w1', w.write('a'), 'w2', w.write('b'), 'needDrain', w.writableNeedDrain);
  });

// ───────────────────────────── x: objectMode ─────────────────────────────────

S('x54-objectmode-values',
  'objectMode accepts any value but null (undefined, 0, false, "", arrays, objects); _write gets them as-is.',
  () => {
    const w = new Writable({ objectMode: true, write(c, e, cb) { log('_write', typeof c, c, 'enc', e); cb(); } });
    for (const v of [0, false, '', 'str', [1, 'two'], { a: 1 }, undefined, 1.5]) {
      try { w.write(v); } catch (e) { log('threw', errc(e)); }
    }
    try { w.write(null); } catch (e) { log('null threw', errc(e)); }
    log('len', w.writableLength);
  });

S('x55-objectmode-end-with-value',
  "objectMode end(value): the value is written, then 'finish'; end(null) only ends.",
  () => {
    const a = slowSink({ objectMode: true });
    watch(a, 'a', ['finish']);
    a.end({ last: true });
    const b = slowSink({ objectMode: true });
    watch(b, 'b', ['finish']);
    b.end(null);
  });

// ───────────────────────────── x: encodings ─────────────────────────────────

S('x56-every-encoding-decoded',
  'Every encoding name converts a string to the right bytes (shown as hex); _write sees encoding "buffer".',
  () => {
    const w = new Writable({ write(c, e, cb) { log('_write', c.toString('hex'), e); cb(); } });
    const cases = [['héllo', 'utf8'], ['héllo', 'utf-8'], ['68c3a9', 'hex'], ['aMOp', 'base64'],
      ['_-8', 'base64url'], ['+/8=', 'base64'], ['héllo', 'latin1'], ['héllo', 'binary'],
      ['héllo', 'ascii'], ['hé', 'utf16le'], ['hé', 'ucs2'], ['hé', 'ucs-2'], ['hé', 'utf-16le'],
      ['hé', 'UTF8'], ['6869', 'HEX'], ['€', 'latin1'], ['€', 'ascii']];
    for (const [s, enc] of cases) { log('enc', enc); w.write(s, enc); }
  });

S('x57-encodings-decodeStrings-false',
  'decodeStrings:false passes the string and the encoding name through; length counts string length.',
  () => {
    const w = new Writable({ decodeStrings: false, write(c, e, cb) { log('_write', typeof c, c, e); cb(); } });
    for (const enc of ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'utf16le', 'ucs2', 'UTF-8']) {
      w.write('6869', enc);
    }
    w.write(Buffer.from('buf'), 'hex');
    const s = new Writable({ decodeStrings: false, highWaterMark: 100, write(c, e, cb) { setImmediate(cb); } });
    s.write('héllo', 'latin1');
    log('len', s.writableLength);
  });

S('x58-setDefaultEncoding',
  'setDefaultEncoding validates and lower-cases (ERR_UNKNOWN_ENCODING otherwise), returns the stream, and applies to later writes.',
  () => {
    const w = new Writable({ decodeStrings: false, write(c, e, cb) { log('_write', c, e); cb(); } });
    log('returns this', w.setDefaultEncoding('HEX') === w);
    w.write('6869');
    w.setDefaultEncoding('Base64');
    w.write('aGk=');
    try { w.setDefaultEncoding('nope'); } catch (e) { log('threw', errc(e)); }
    w.write('x');
    const d = new Writable({ write(c, e, cb) { log('_write decoded', c.toString(), e); cb(); } });
    d.setDefaultEncoding('hex');
    d.write('6869');
    d.write('6869', 'utf8');
  });

S('x59-unknown-encoding',
  'Unknown encodings throw ERR_UNKNOWN_ENCODING from write() and end(), even with a Buffer chunk; a known one is ignored for Buffers.',
  () => {
    const w = syncSink();
    watch(w, 'w', ['error', 'finish', 'close']);
    try { w.write('a', 'klingon', () => log('cb NOT expected')); } catch (e) { log('write threw', errc(e)); }
    try { w.end('a', 'klingon'); } catch (e) { log('end threw', errc(e)); }
    log('writableEnded', w.writableEnded, 'len', w.writableLength);
    try { w.write(Buffer.from('buf'), 'klingon'); } catch (e) { log('buffer write threw', errc(e)); }
    try { w.write(Buffer.from('buf'), 'hex'); } catch (e) { log('NOT expected', errc(e)); }
    try { new Writable({ defaultEncoding: 'klingon' }); log('ctor accepted'); } catch (e) { log('ctor threw', errc(e)); }
  });

S('x60-malformed-encoded-input',
  'Malformed input is decoded leniently: odd hex stops early, bad base64 characters are skipped, no error.',
  () => {
    const w = new Writable({ write(c, e, cb) { log('_write', c.length, c.toString('hex')); cb(); } });
    w.write('abc', 'hex');
    w.write('zz', 'hex');
    w.write('aGk', 'base64');
    w.write('a G=k!', 'base64');
    w.write('aGk=aGk=', 'base64');
  });

// ───────────────────────────── x: emitClose / autoDestroy ─────────────────────

S('x61-emitClose-false-destroy-error',
  "emitClose:false with destroy(err): 'error' only; closed is true.",
  () => {
    const w = syncSink({ emitClose: false });
    watch(w, 'w', ['error', 'close']);
    w.destroy(new Error('E'));
    setImmediate(() => snap(w, 'later'));
  });

S('x62-autoDestroy-false-emitClose-false',
  "autoDestroy:false + emitClose:false: 'finish' only; an explicit destroy() later still emits no 'close'.",
  () => {
    const w = syncSink({ autoDestroy: false, emitClose: false });
    watch(w, 'w', ['finish', 'close']);
    w.end('x');
    setImmediate(() => { w.destroy(); snap(w, 'after destroy'); setImmediate(() => snap(w, 'later')); });
  });

S('x63-autoDestroy-false-explicit-destroy',
  "autoDestroy:false: after 'finish' the stream is not destroyed; an explicit destroy() emits 'close'.",
  () => {
    const w = syncSink({ autoDestroy: false });
    watch(w, 'w', ['finish', 'close']);
    w.end('x');
    setImmediate(() => { snap(w, 'before destroy'); w.destroy(); });
  });

// ───────────────────────────── x: property snapshots ──────────────────────────

S('x64-snapshot-inside-_write',
  'State seen from inside a synchronous _write and an async completion: the in-flight chunk counts in length.',
  () => {
    const w = new Writable({
      highWaterMark: 4,
      write(c, e, cb) { snap(w, `in _write ${c}`); setImmediate(() => { snap(w, `before cb ${c}`); cb(); }); },
    });
    w.write('abcd', () => snap(w, 'in write-cb'));
  });

S('x65-snapshot-corked-and-ending',
  'Flags while corked, after end() on a corked stream, and inside _final.',
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      final(cb) { snap(w, 'in _final'); cb(); },
    });
    w.on('prefinish', () => snap(w, 'at prefinish'));
    w.cork(); w.cork();
    w.write('ab');
    snap(w, 'corked twice');
    w.end();
    snap(w, 'after end');
    w.on('finish', () => snap(w, 'at finish'));
  });

S('x66-snapshot-after-destroy-error',
  "Flags right after destroy(err), at 'error' and at 'close'.",
  () => {
    const w = slowSink({ highWaterMark: 1 });
    w.write('abc');
    w.destroy(new Error('E'));
    snap(w, 'after destroy');
    w.on('error', (e) => snap(w, `at error ${errc(e)}`));
    w.on('close', () => snap(w, 'at close'));
  });

S('x67-snapshot-write-error-sync',
  'Flags after a synchronous _write error, before and after the error ticks.',
  () => {
    const w = new Writable({ write(c, e, cb) { cb(new Error('sync-fail')); } });
    w.on('error', (e) => snap(w, `at error ${errc(e)}`));
    w.write('a');
    snap(w, 'after write');
    w.on('close', () => snap(w, 'at close'));
  });

// ───────────────────────────── stream.finished ──────────────────────────
// fi* scenarios: Node's end-of-stream (test-stream-finished*.js cases that apply to a
// Readable or a Writable). pl* scenarios: stream.pipeline (test-stream-pipeline*.js).

const { finished: streamFinished, pipeline: streamPipeline } = require('stream');

// A finished() callback that logs its answer under `label`.
function fin(label) {
  return (err) => log(label, errc(err));
}

// A Readable whose _read does nothing (data comes from push()).
function quiet(opts = {}) {
  return new Readable({ ...opts, read() {} });
}

S('fi01-readable-end',
  "finished(readable): with autoDestroy the answer comes at 'close', after 'end'.",
  () => {
    const r = quiet();
    watch(r, 'r', ['end', 'close']);
    streamFinished(r, fin('finished'));
    r.push('a'); r.push(null);
    r.resume();
    log('sync-end');
  });

S('fi02-writable-finish',
  "finished(writable): the answer comes at 'close' after 'finish' (autoDestroy).",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close']);
    streamFinished(w, fin('finished'));
    w.end('x');
    log('sync-end');
  });

S('fi03-writable-write-error',
  "A write error answers at 'error', before a later 'error' listener; 'close' follows.",
  () => {
    const w = new Writable({ write(c, e, cb) { cb(new Error('wfail')); } });
    streamFinished(w, fin('finished'));
    watch(w, 'w', ['error', 'close']);
    w.write('x');
  });

S('fi04-readable-destroyed-premature',
  "A Readable destroyed before its end: ERR_STREAM_PREMATURE_CLOSE at 'close'.",
  () => {
    const r = quiet();
    watch(r, 'r', ['close']);
    streamFinished(r, fin('finished'));
    r.push('a');
    r.destroy();
    log('sync-end');
  });

S('fi05-readable-destroyed-with-error',
  'A Readable destroyed with an error: the error, at its \'error\' event.',
  () => {
    const r = quiet();
    streamFinished(r, fin('finished'));
    watch(r, 'r', ['error', 'close']);
    r.destroy(new Error('rfail'));
  });

S('fi06-cleanup-removes-listeners',
  'The returned cleanup() removes the listeners; the callback never runs.',
  () => {
    const w = syncSink();
    const counts = (label) => log(label, 'finish', w.listenerCount('finish'),
      'error', w.listenerCount('error'), 'close', w.listenerCount('close'));
    counts('before');
    const cleanup = streamFinished(w, fin('finished (never)'));
    counts('watching');
    cleanup();
    counts('cleaned up');
    watch(w, 'w', ['finish', 'close']);
    w.end();
  });

S('fi07-already-closed-writable',
  'finished() on a closed stream answers on the next tick; v26 adds only an error listener.',
  () => {
    const w = syncSink();
    w.end();
    w.on('close', () => {
      streamFinished(w, fin('finished'));
      log('listeners finish', w.listenerCount('finish'), 'error', w.listenerCount('error'),
        'close', w.listenerCount('close'));
      tick('next tick');
    });
  });

S('fi08-already-errored-readable',
  'finished() on a Readable destroyed with an error, after its close: the error.',
  () => {
    const r = quiet();
    r.on('error', (e) => log('r:error', errc(e)));
    r.destroy(new Error('gone'));
    r.on('close', () => {
      log('closed', r.closed, 'errored', errc(r.errored));
      streamFinished(r, fin('finished'));
    });
  });

S('fi09-autoDestroy-false-ended',
  'autoDestroy:false, ended and finished: finished() answers on the next tick, no close.',
  () => {
    const w = syncSink({ autoDestroy: false });
    watch(w, 'w', ['finish', 'close']);
    w.end('asd');
    process.nextTick(() => {
      log('finished?', w.writableFinished);
      streamFinished(w, fin('finished'));
      tick('tick after finished()');
    });
  });

S('fi10-autoDestroy-false-error-inside-error',
  "autoDestroy:false: finished() called inside the 'error' listener gets the error.",
  () => {
    const w = new Writable({ autoDestroy: false, write(c, e, cb) { cb(new Error('wfail')); } });
    w.on('error', (e) => {
      log('w:error', errc(e));
      streamFinished(w, fin('finished'));
    });
    w.write('x');
  });

S('fi11-readable-autoDestroy-false-at-end',
  "A Readable with autoDestroy:false: finished() inside 'end' answers on the next tick.",
  () => {
    const r = quiet({ autoDestroy: false });
    r.push(null);
    r.resume();
    r.on('end', () => {
      log('r:end');
      streamFinished(r, fin('finished'));
      tick('tick');
    });
  });

S('fi12-error-option-false',
  "{ error: false }: an error is not the answer at 'error'; it comes at 'close'.",
  () => {
    const w = slowSink();
    watch(w, 'w', ['error', 'close']);
    streamFinished(w, { error: false }, fin('finished'));
    w.destroy(new Error('late'));
  });

S('fi13-readable-false-on-readable',
  "{ readable: false } on a Readable: nothing to wait for but 'end', answered there, before 'close'.",
  () => {
    const r = quiet();
    watch(r, 'r', ['end', 'close']);
    streamFinished(r, { readable: false }, fin('finished'));
    r.push('a'); r.push(null);
    r.resume();
  });

S('fi14-writable-true-on-readable',
  "{ writable: true } on a Readable (no writable state): Node's legacy path takes 'end' as the finish.",
  () => {
    const r = quiet();
    watch(r, 'r', ['end', 'close']);
    streamFinished(r, { writable: true }, fin('finished'));
    r.push('a'); r.push(null);
    r.resume();
  });

S('fi15-readable-true-on-writable',
  "{ readable: true } on a Writable: the answer waits for 'close'; a destroy before the finish is premature.",
  () => {
    const w = syncSink();
    watch(w, 'w', ['finish', 'close']);
    streamFinished(w, { readable: true }, fin('ended'));
    w.end('x');
    const w2 = slowSink();
    streamFinished(w2, { readable: true }, fin('destroyed'));
    w2.write('y');
    w2.destroy();
  });

S('fi16-end-then-destroy',
  'end() with a write in flight, then destroy(): ERR_STREAM_PREMATURE_CLOSE.',
  () => {
    const w = slowSink();
    watch(w, 'w', ['finish', 'close']);
    streamFinished(w, fin('finished'));
    w.end('asd');
    w.destroy();
  });

S('fi17-readable-ended-unread-destroyed',
  'push(data), push(null), destroy() before anything was read: premature close.',
  () => {
    const r = quiet();
    streamFinished(r, fin('finished'));
    r.push('asd');
    r.push(null);
    r.destroy();
  });

S('fi18-destroy-async-and-cancel',
  'After destroy(), finished() waits for the async _destroy; cleanup() in the same tick cancels.',
  () => {
    const w = new Writable({
      write(c, e, cb) { cb(); },
      destroy(err, cb) { setImmediate(() => { log('_destroy done'); cb(err); }); },
    });
    w.destroy();
    streamFinished(w, fin('finished'));
    const cancelled = syncSink();
    cancelled.destroy();
    const dispose = streamFinished(cancelled, fin('cancelled (never)'));
    dispose();
  });

S('fi19-emitClose-false-inside-destroy',
  "emitClose:false: finished() called inside _destroy after its callback still answers.",
  () => {
    const r = new Readable({
      emitClose: false,
      read() {},
      destroy(err, cb) {
        cb();
        log('closed', r.closed);
        streamFinished(r, fin('finished'));
      },
    });
    r.destroy();
    log('sync-end');
  });

S('fi20-close-emitted-before-end',
  "'close' emitted by hand before the end: premature; after push(null) (nothing buffered): no error.",
  () => {
    const a = quiet();
    streamFinished(a, fin('a'));
    a.emit('close');
    const b = quiet();
    streamFinished(b, fin('b'));
    b.push(null);
    b.emit('close');
    log('sync-end');
  });

S('fi21-closed-stream-error-before-tick',
  "finished() on a closed stream, then 'error' emitted at once: v20's error listener answers; v26 answered already.",
  () => {
    const w = syncSink();
    w.destroy();
    w.on('close', () => {
      streamFinished(w, fin('finished'));
      w.emit('error', new Error('by hand'));
      log('after emit');
    });
  });

S('fi22-two-watches',
  'Two finished() watches on one stream answer in the order they were made.',
  () => {
    const w = slowSink();
    streamFinished(w, fin('first'));
    w.on('finish', () => log('w:finish'));
    streamFinished(w, fin('second'));
    w.end('x');
  });

S('fi23-writable-pending-callbacks',
  'end() while a write is in flight: the answer waits for the write, the finish and the close.',
  () => {
    const w = slowSink();
    watch(w, 'w', ['finish', 'close']);
    w.write('a', () => log('cb a'));
    w.end();
    streamFinished(w, fin('finished'));
  });

S('fi24-writable-destroyed-error-no-autodestroy',
  'autoDestroy:false, errored by its _write: finished() after the error answers with it.',
  () => {
    const w = new Writable({ autoDestroy: false, write(c, e, cb) { cb(new Error('x')); } });
    w.on('error', (e) => log('w:error', errc(e)));
    w.write('a');
    setImmediate(() => {
      log('errored', errc(w.errored), 'destroyed', w.destroyed);
      streamFinished(w, fin('finished'));
    });
  });

// ───────────────────────────── stream.pipeline ──────────────────────────

S('pl01-readable-to-writable',
  'pipeline(r, w, cb): data flows, w finishes, both close, then the callback (no error).',
  () => {
    const r = quiet();
    const w = syncSink();
    watch(r, 'r', ['end', 'close']);
    watch(w, 'w', ['pipe', 'finish', 'close']);
    r.push('a'); r.push('b'); r.push(null);
    streamPipeline(r, w, fin('pipeline'));
    log('sync-end');
  });

S('pl02-source-destroyed-premature',
  'The source destroyed without an error mid-way: ERR_STREAM_PREMATURE_CLOSE, the destination destroyed.',
  () => {
    const r = quiet();
    const w = slowSink();
    watch(r, 'r', ['error', 'close']);
    watch(w, 'w', ['error', 'close', 'finish']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('data');
    setImmediate(() => r.destroy());
  });

S('pl03-source-destroyed-with-error',
  'The source destroyed with an error: every stream gets it, then the callback.',
  () => {
    const r = quiet();
    const w = slowSink();
    watch(r, 'r', ['error', 'close']);
    watch(w, 'w', ['error', 'close']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('data');
    setImmediate(() => r.destroy(new Error('kaboom')));
  });

S('pl04-destination-write-error',
  "The destination's _write fails: the source is destroyed with that error.",
  () => {
    const r = quiet();
    const w = new Writable({ write(c, e, cb) { log('_write', c.toString()); cb(new Error('wfail')); } });
    watch(r, 'r', ['error', 'close']);
    watch(w, 'w', ['error', 'close']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('a');
  });

S('pl05-destination-destroyed',
  'The destination destroyed without an error: premature close; the source is destroyed with it.',
  () => {
    const r = quiet();
    const w = slowSink();
    watch(r, 'r', ['error', 'close']);
    watch(w, 'w', ['error', 'close', 'unpipe']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('a');
    setImmediate(() => w.destroy());
  });

S('pl06-end-false',
  '{ end: false } (through stream/promises): the destination is neither ended nor destroyed.',
  () => {
    const r = quiet();
    const w = syncSink();
    watch(w, 'w', ['finish', 'close', 'unpipe']);
    r.push('a'); r.push(null);
    require('stream/promises').pipeline(r, w, { end: false }).then(() => {
      log('resolved', 'w.writable', w.writable, 'w.destroyed', w.destroyed, 'r.destroyed', r.destroyed);
    }, (e) => log('rejected', errc(e)));
  });

S('pl07-close-before-end-after-eof',
  "'close' emitted before 'end' on a source that got EOF: no error (nodejs/node#29699).",
  () => {
    const r = quiet();
    const w = syncSink();
    watch(w, 'w', ['finish', 'close']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('asd');
    r.push(null);
    r.emit('close');
    log('sync-end');
  });

S('pl08-listener-counts',
  "The listeners pipeline() adds to each stream (the 'end' of w and 'finish' of r left out).",
  () => {
    const r = quiet();
    const w = syncSink();
    streamPipeline(r, w, fin('pipeline'));
    log('r end', r.listenerCount('end'), 'error', r.listenerCount('error'),
      'close', r.listenerCount('close'), 'data', r.listenerCount('data'));
    log('w finish', w.listenerCount('finish'), 'error', w.listenerCount('error'),
      'close', w.listenerCount('close'), 'unpipe', w.listenerCount('unpipe'));
    r.push(null);
  });

S('pl09-destination-already-destroyed',
  'A destination destroyed before pipeline(): v26 throws ERR_STREAM_UNABLE_TO_PIPE, v20 reports a premature close.',
  () => {
    const r = quiet();
    const w = syncSink();
    w.destroy();
    watch(r, 'r', ['error', 'close']);
    try {
      streamPipeline(r, w, fin('pipeline'));
      log('no throw');
    } catch (e) {
      log('threw', errc(e));
    }
    setImmediate(() => log('r.destroyed', r.destroyed, 'r listeners error', r.listenerCount('error')));
  });

S('pl10-autoDestroy-false',
  'autoDestroy:false on both: the callback comes at the end; neither stream is destroyed.',
  () => {
    const r = quiet({ autoDestroy: false });
    const w = syncSink({ autoDestroy: false });
    watch(w, 'w', ['finish', 'close']);
    streamPipeline(r, w, (err) => {
      log('pipeline', errc(err), 'r.destroyed', r.destroyed, 'w.destroyed', w.destroyed);
    });
    r.push('a'); r.push(null);
  });

S('pl11-error-after-the-end',
  "An 'error' emitted on the destination after the pipeline is over is handled by its listener.",
  () => {
    const r = quiet();
    const w = syncSink({ autoDestroy: false });
    streamPipeline(r, w, (err) => {
      log('pipeline', errc(err));
      w.emit('error', new Error('late'));
      log('after late error');
    });
    r.push(null);
  });

S('pl12-source-already-destroyed',
  'A source destroyed before pipeline(): a premature close, the destination destroyed.',
  () => {
    const r = quiet();
    r.destroy();
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    streamPipeline(r, w, fin('pipeline'));
  });

S('pl13-backpressure',
  "The pipe's backpressure inside a pipeline: writes, 'drain' and the end.",
  () => {
    const r = quiet({ highWaterMark: 100 });
    const w = slowSink({ highWaterMark: 2 });
    watch(w, 'w', ['drain', 'finish', 'close']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('aa'); r.push('bb'); r.push('cc'); r.push(null);
  });

S('pl14-destination-destroyed-then-source-error',
  'The destination closes, then the source fails in the same tick: v20 reports the premature close, v26 the error.',
  () => {
    const r = quiet();
    const w = slowSink();
    watch(r, 'r', ['error', 'close']);
    watch(w, 'w', ['close']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('a');
    setImmediate(() => {
      w.destroy();
      r.destroy(new Error('root'));
    });
  });

S('pl15-read-destroys',
  'The source destroys itself with an error from _read.',
  () => {
    const r = new Readable({ read() { r.destroy(new Error('stop')); } });
    const w = syncSink();
    watch(w, 'w', ['error', 'close', 'finish']);
    streamPipeline(r, w, fin('pipeline'));
  });

S('pl16-source-already-ended',
  "A source that emitted 'end' already (autoDestroy:false): the destination is ended on the next tick.",
  () => {
    const r = quiet({ autoDestroy: false });
    r.push(null);
    r.resume();
    r.on('end', () => {
      const w = syncSink();
      watch(w, 'w', ['finish', 'close']);
      streamPipeline(r, w, fin('pipeline'));
      tick('tick');
    });
  });

S('pl17-end-false-source-error',
  '{ end: false } and a failing source: the destination is not destroyed by the pipeline.',
  () => {
    const r = quiet();
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    require('stream/promises').pipeline(r, w, { end: false }).then(
      () => log('resolved'),
      (e) => log('rejected', errc(e), 'w.destroyed', w.destroyed, 'w.writable', w.writable));
    r.destroy(new Error('src'));
  });

S('pl18-emitClose-false-destination',
  "A destination with emitClose:false: the callback comes at its 'finish'.",
  () => {
    const r = quiet();
    const w = syncSink({ emitClose: false });
    watch(w, 'w', ['finish', 'close']);
    watch(r, 'r', ['end', 'close']);
    streamPipeline(r, w, fin('pipeline'));
    r.push('a'); r.push(null);
  });

S('pl19-object-mode',
  'Object-mode values through a pipeline.',
  () => {
    const r = quiet({ objectMode: true });
    const w = syncSink({ objectMode: true });
    streamPipeline(r, w, fin('pipeline'));
    r.push({ n: 1 }); r.push({ n: 2 }); r.push(null);
  });

S('pl20-promise-success-and-failure',
  'stream/promises.pipeline resolves after the streams are done, and rejects with the error.',
  () => {
    const pp = require('stream/promises').pipeline;
    const r = quiet();
    const w = syncSink();
    watch(w, 'w', ['finish', 'close']);
    pp(r, w).then(() => {
      log('resolved');
      const r2 = quiet();
      const w2 = slowSink();
      pp(r2, w2).then(() => log('resolved 2'), (e) => log('rejected 2', errc(e)));
      r2.destroy(new Error('broken'));
    });
    r.push('a'); r.push(null);
  });

S('pl21-source-error-after-the-end',
  "An 'error' emitted on the source after the pipeline is over: handled, nothing more.",
  () => {
    const r = quiet({ autoDestroy: false });
    const w = syncSink();
    streamPipeline(r, w, (err) => {
      log('pipeline', errc(err));
      r.emit('error', new Error('late'));
      log('after late error');
    });
    r.push(null);
  });

// ───────────────────── finished / pipeline with Duplex stages ────────────

const { Duplex: SDuplex, Transform: STransform, PassThrough: SPassThrough } = require('stream');

S('fi25-transform-both-sides',
  "finished(transform) waits for both sides: 'finish', 'end', then 'close'.",
  () => {
    const tr = new STransform({ transform(data, enc, cb) { cb(); } });
    watch(tr, 'tr', ['finish', 'end', 'close']);
    streamFinished(tr, fin('finished'));
    tr.end();
    tr.resume();
  });

S('fi26-duplex-readable-side-only',
  "{ readable: true, writable: false } on a Duplex whose _final never calls back: answered at 'end'.",
  () => {
    const d = new SDuplex({ final(cb) {}, read() { this.push(null); } });
    watch(d, 'd', ['end', 'finish', 'close']);
    streamFinished(d, { readable: true, writable: false }, fin('finished'));
    d.end();
    d.resume();
    setImmediate(() => log('later: d.writableFinished', d.writableFinished, 'd.destroyed', d.destroyed));
  });

S('fi27-passthrough-ended-never-read',
  'A PassThrough ended but never read: finished() does not answer.',
  () => {
    const p = new SPassThrough();
    watch(p, 'p', ['finish', 'end', 'close']);
    streamFinished(p, fin('finished (never)'));
    p.end();
    setImmediate(() => log('later: finished', p.writableFinished, 'ended', p.readableEnded));
  });

S('fi28-duplex-destroyed',
  'A Duplex destroyed before either side is done: one premature close, at its one close.',
  () => {
    const d = new SDuplex({ read() {}, write(c, e, cb) { cb(); } });
    watch(d, 'd', ['close']);
    streamFinished(d, fin('finished'));
    d.destroy();
  });

S('fi29-duplex-writable-done-readable-open',
  "A Duplex whose writable side finished but whose readable side never ends: no answer until its destroy.",
  () => {
    const d = new SDuplex({ read() {}, write(c, e, cb) { cb(); } });
    watch(d, 'd', ['finish', 'close']);
    streamFinished(d, fin('finished'));
    d.end('x');
    setImmediate(() => {
      log('finished', d.writableFinished, 'destroyed', d.destroyed);
      d.destroy();
    });
  });

S('pl22-through-passthrough',
  'pipeline(r, passthrough, w): data through the middle stage, every stream closed, then the callback.',
  () => {
    const r = quiet();
    const pt = new SPassThrough();
    const w = syncSink();
    watch(r, 'r', ['end', 'close']);
    watch(pt, 'pt', ['finish', 'end', 'close']);
    watch(w, 'w', ['finish', 'close']);
    streamPipeline(r, pt, w, fin('pipeline'));
    r.push('a'); r.push('b'); r.push(null);
  });

S('pl23-through-failing-transform',
  "A middle Transform that fails: every stream gets its error ('error' then 'close'), then the callback.",
  () => {
    const r = quiet();
    const tr = new STransform({ transform(data, enc, cb) { cb(new Error('kaboom')); } });
    const w = syncSink();
    watch(r, 'r', ['error', 'close']);
    watch(tr, 'tr', ['error', 'close']);
    watch(w, 'w', ['error', 'close']);
    streamPipeline(r, tr, w, fin('pipeline'));
    r.push('hello');
  });

S('pl24-end-false-into-passthrough',
  '{ end: false } into a PassThrough (promises): the middle stage is ended and destroyed, the last is not.',
  () => {
    const r = quiet();
    const t = new SPassThrough();
    const d = new SPassThrough();
    r.push(null);
    require('stream/promises').pipeline(r, t, d, { end: false }).then(() => {
      log('resolved', 't.destroyed', t.destroyed, 't.writableEnded', t.writableEnded,
        'd.destroyed', d.destroyed, 'd.writableEnded', d.writableEnded);
    }, (e) => log('rejected', errc(e)));
  });

S('pl25-readable-last-stream',
  'A PassThrough as the last stream: not destroyed at the end, and its pipeline listeners are removed.',
  () => {
    const src = new SPassThrough();
    const dst = new SPassThrough();
    streamPipeline(src, dst, (err) => {
      log('pipeline', errc(err), 'dst.destroyed', dst.destroyed,
        'dst error listeners', dst.listenerCount('error'), 'close', dst.listenerCount('close'));
    });
    src.end();
  });

S('pl26-middle-stage-already-destroyed',
  'A middle stage destroyed before pipeline(): v26 throws ERR_STREAM_UNABLE_TO_PIPE, v20 fails with a premature close.',
  () => {
    const r = quiet();
    const pt = new SPassThrough();
    pt.destroy();
    const w = syncSink();
    watch(w, 'w', ['error', 'close']);
    try {
      streamPipeline(r, pt, w, fin('pipeline'));
      log('no throw');
    } catch (e) {
      log('threw', errc(e));
    }
  });

S('pl27-destination-destroyed-with-middle-stage',
  'The destination destroyed mid-way through a PassThrough: the other streams are destroyed with the premature close.',
  () => {
    const r = quiet();
    const pt = new SPassThrough();
    const w = slowSink();
    watch(r, 'r', ['error', 'close']);
    watch(pt, 'pt', ['error', 'close']);
    watch(w, 'w', ['error', 'close']);
    streamPipeline(r, pt, w, fin('pipeline'));
    r.push('a');
    setImmediate(() => w.destroy());
  });

S('pl28-transform-flush-last',
  "A Transform as the last stream: the callback waits for its _flush; the Transform is not destroyed.",
  () => {
    const input = quiet();
    input.push(null);
    const tr = new STransform({
      transform(chunk, enc, cb) { cb(null, chunk); },
      flush(cb) { setImmediate(() => { log('flushed'); cb(null); }); },
    });
    watch(tr, 'tr', ['finish', 'end', 'close']);
    streamPipeline(input, tr, (err) => log('pipeline', errc(err), 'tr.destroyed', tr.destroyed));
  });

S('pl29-duplex-source',
  'A PassThrough as the source: its writable side stays usable; the callback once its readable side ended.',
  () => {
    const src = new SPassThrough();
    const w = syncSink();
    watch(w, 'w', ['finish', 'close']);
    streamPipeline(src, w, (err) => {
      log('pipeline', errc(err), 'src.writable', src.writable, 'src.destroyed', src.destroyed);
    });
    src.push('a');
    src.push(null);
  });

S('pl30-many-stages-write-error',
  'r -> 3 PassThroughs -> w whose _write fails: every stage closed, the error reported.',
  () => {
    const r = quiet();
    const stages = [new SPassThrough(), new SPassThrough(), new SPassThrough()];
    stages.forEach((s, i) => s.on('close', () => log(`pt${i}:close`)));
    const w = new Writable({ write(c, e, cb) { log('_write', c.toString()); cb(new Error('wfail')); } });
    r.on('close', () => log('r:close'));
    w.on('close', () => log('w:close'));
    streamPipeline(r, ...stages, w, fin('pipeline'));
    r.push('x');
  });

// ───────────────────────────── ww: Writable, from node's test-stream-writable-*.js ────
// Each ww scenario is a port of the node test named in its comment, turned into a trace.

// errc(e) and the message: 'ERR_X: text' ('null' for no error).
function etext(e) { return e == null ? 'null' : `${errc(e)}: ${e.message}`; }

// test-stream-writable-needdrain-state.js (on a Writable instead of a Transform).
S('ww01-needDrain-inside-_write',
  'HWM 1, a 6-byte chunk to a synchronous _write: inside it writableLength is 6 but writableNeedDrain still false (write() sets it after _write returns); the chunk is done by then, so write() returns true.',
  () => {
    const w = new Writable({
      highWaterMark: 1,
      write(c, e, cb) { log('_write needDrain', w.writableNeedDrain, 'len', w.writableLength); cb(); },
    });
    log('before needDrain', w.writableNeedDrain);
    const r = w.write('asdasd', (e) => log('write-cb', errc(e), 'needDrain', w.writableNeedDrain, 'len', w.writableLength));
    log('write ->', r, 'needDrain', w.writableNeedDrain, 'len', w.writableLength);
  });

// test-stream-writable-clear-buffer.js, the counts seen from _write.
S('ww02-length-and-buffer-inside-_write',
  'Async sink, HWM 4: writableLength, writableBuffer.length and writableNeedDrain inside each _write, after each write() and in each callback; a _write dispatched from the buffer still sees its own chunk in writableBuffer.',
  () => {
    const w = new Writable({
      highWaterMark: 4,
      write(c, e, cb) {
        log('_write', c.toString(), 'len', w.writableLength, 'buffered', w.writableBuffer.length, 'needDrain', w.writableNeedDrain);
        setImmediate(cb);
      },
    });
    for (const s of ['a', 'bb', 'ccc']) {
      const r = w.write(s, () => log('cb', s, 'len', w.writableLength, 'buffered', w.writableBuffer.length));
      log('write', s, '->', r, 'len', w.writableLength, 'buffered', w.writableBuffer.length);
    }
    w.on('drain', () => log('drain', 'len', w.writableLength, 'buffered', w.writableBuffer.length));
  });

// test-stream-writable-clear-buffer.js.
S('ww03-buffer-count-in-callbacks-corked',
  'objectMode, corked, five writes then end(): each write callback sees the buffered count shrink by one (no _writev).',
  () => {
    const w = new Writable({ objectMode: true, write(c, e, cb) { setImmediate(cb); } });
    w.cork();
    for (let i = 1; i <= 5; i++) {
      w.write(i, () => log('cb', i, 'buffered', w.writableBuffer.length, 'len', w.writableLength));
    }
    log('corked: buffered', w.writableBuffer.length, 'len', w.writableLength);
    w.end();
    log('after end: buffered', w.writableBuffer.length, 'len', w.writableLength, 'corked', w.writableCorked);
    w.on('finish', () => log('finish'));
  });

// test-stream-writable-properties.js and test-stream-writev.js: the counts seen from _writev.
S('ww04-counts-inside-_writev',
  'uncork() flushes through _writev: inside it writableCorked is 0, writableLength counts the batch and writableBuffer still holds it; a lone corked chunk goes to _write.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', c.toString(), 'corked', w.writableCorked, 'len', w.writableLength, 'buffered', w.writableBuffer.length); cb(); },
      writev(chunks, cb) {
        log('_writev', chunks.length, 'corked', w.writableCorked, 'len', w.writableLength, 'buffered', w.writableBuffer.length);
        cb();
      },
    });
    w.cork();
    w.write('a'); w.write('bc');
    log('corked', w.writableCorked, 'len', w.writableLength, 'buffered', w.writableBuffer.length);
    w.uncork();
    log('after uncork', 'corked', w.writableCorked, 'len', w.writableLength, 'buffered', w.writableBuffer.length);
    w.cork(); w.write('d'); w.uncork();
    log('one chunk flushed', 'len', w.writableLength);
  });

// test-stream-writable-properties.js and the cork idiom from inside a sink.
S('ww05-cork-inside-_write',
  '_write corks the stream before completing later: later writes stay buffered after the completion until uncork().',
  () => {
    let first = true;
    const w = new Writable({
      write(c, e, cb) {
        log('_write', c.toString(), 'corked', w.writableCorked);
        if (first) { first = false; w.cork(); }
        setImmediate(cb);
      },
    });
    w.write('a', () => log('cb a', 'corked', w.writableCorked, 'buffered', w.writableBuffer.length));
    w.write('b', () => log('cb b'));
    w.write('c', () => log('cb c'));
    setImmediate(() => setImmediate(() => {
      log('later: buffered', w.writableBuffer.length, 'len', w.writableLength);
      w.uncork();
      log('after uncork: buffered', w.writableBuffer.length, 'corked', w.writableCorked);
    }));
  });

// test-stream-writable-properties.js.
S('ww06-writableCorked-counts',
  'writableCorked counts cork() calls; uncork() at 0 stays at 0; end() resets it to 0.',
  () => {
    const w = new Writable({ write(c, e, cb) { cb(); } });
    const seen = [w.writableCorked];
    w.uncork(); seen.push(w.writableCorked);
    w.cork(); seen.push(w.writableCorked);
    w.cork(); seen.push(w.writableCorked);
    w.uncork(); seen.push(w.writableCorked);
    w.uncork(); seen.push(w.writableCorked);
    w.uncork(); seen.push(w.writableCorked);
    log('corked', seen.join(','));
    w.cork(); w.cork(); w.cork();
    w.end();
    log('after end', w.writableCorked);
  });

// test-stream-writable-ended-state.js.
S('ww07-ended-state-inside-_write',
  'end(chunk, cb): inside _write writable is still true and writableEnded false; after end() both flip; the end callback sees them flipped.',
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write', 'writable', w.writable, 'ended', w.writableEnded); cb(); },
    });
    log('before', 'writable', w.writable, 'ended', w.writableEnded);
    w.end('testing ended state', (e) => log('end-cb', errc(e), 'writable', w.writable, 'ended', w.writableEnded));
    log('after end', 'writable', w.writable, 'ended', w.writableEnded);
  });

// test-stream-writable-finished-state.js and test-stream-writable-finished.js.
S('ww08-finished-state',
  "writableFinished is false inside _write, true at 'finish' and in the end callback; 'finish' is asynchronous even for a synchronous sink.",
  () => {
    const w = new Writable({
      write(c, e, cb) { log('_write finished', w.writableFinished); cb(); },
    });
    w.on('finish', () => log('finish', w.writableFinished));
    w.end('testing finished state', (e) => log('end-cb', errc(e), w.writableFinished));
    log('after end finished', w.writableFinished);
    const w2 = new Writable({ write(c, e, cb) { cb(); } });
    w2.end();
    log('w2 after end finished', w2.writableFinished);
    w2.on('finish', () => log('w2 finish (listener added after end)'));
  });

// test-stream-writable-write-error.js, write after end.
S('ww09-write-after-end-texts',
  "write after end(), autoDestroy false and true: the callback gets ERR_STREAM_WRITE_AFTER_END ('write after end') after a tick, before 'error'.",
  () => {
    for (const autoDestroy of [false, true]) {
      const w = new Writable({ autoDestroy, write(c, e, cb) { cb(); } });
      w.end();
      let ticked = false;
      const r = w.write('asd', (e) => log(`ad=${autoDestroy} cb`, etext(e), 'ticked', ticked));
      ticked = true;
      log(`ad=${autoDestroy} write ->`, r, 'destroyed', w.destroyed, 'errored', errc(w.errored));
      w.on('error', (e) => log(`ad=${autoDestroy} error`, etext(e), 'destroyed', w.destroyed));
      w.on('close', () => log(`ad=${autoDestroy} close`));
    }
  });

// test-stream-writable-write-error.js, write after destroy.
S('ww10-write-after-destroy-texts',
  "write after destroy(), autoDestroy false and true: the callback gets ERR_STREAM_DESTROYED ('Cannot call write after a stream was destroyed'); no 'error'.",
  () => {
    for (const autoDestroy of [false, true]) {
      const w = new Writable({ autoDestroy, write(c, e, cb) { cb(); } });
      w.destroy();
      let ticked = false;
      const r = w.write('asd', (e) => log(`ad=${autoDestroy} cb`, etext(e), 'ticked', ticked));
      ticked = true;
      log(`ad=${autoDestroy} write ->`, r);
      w.on('error', (e) => log(`ad=${autoDestroy} error`, etext(e)));
      w.on('close', () => log(`ad=${autoDestroy} close`));
    }
  });

// test-stream-writable-null.js and test-stream-writable-invalid-chunk.js.
S('ww11-null-and-invalid-chunk-texts',
  'write(null) throws ERR_STREAM_NULL_VALUES in both modes; write({}) on a byte stream throws ERR_INVALID_ARG_TYPE; the stream stays usable.',
  () => {
    for (const objectMode of [false, true]) {
      const w = new Writable({ objectMode, write(c, e, cb) { log(`om=${objectMode} _write`, typeof c); cb(); } });
      try { w.write(null); } catch (e) { log(`om=${objectMode} write(null) threw`, etext(e)); }
      if (!objectMode) {
        try { w.write({}); } catch (e) { log(`om=${objectMode} write({}) threw`, etext(e)); }
      }
      log(`om=${objectMode} writable`, w.writable, 'len', w.writableLength);
      w.write(objectMode ? {} : 'ok');
    }
  });

// test-stream-writable-write-cb-twice.js.
S('ww12-multiple-callback-variants',
  "_write calling back twice (sync+sync, sync+async, async+async): ERR_MULTIPLE_CALLBACK ('Callback called multiple times') through 'error', then 'close'.",
  () => {
    const kinds = {
      'sync+sync': (cb) => { cb(); cb(); },
      'sync+async': (cb) => { cb(); process.nextTick(() => cb()); },
      'async+async': (cb) => { process.nextTick(cb); process.nextTick(() => cb()); },
    };
    for (const [kind, f] of Object.entries(kinds)) {
      const w = new Writable({ write(c, e, cb) { f(cb); } });
      w.write('hi', (e) => log(kind, 'write-cb', etext(e)));
      w.on('error', (e) => log(kind, 'error', etext(e)));
      w.on('close', () => log(kind, 'close'));
    }
  });

// test-stream-writable-write-cb-error.js.
S('ww13-write-cb-before-error-event',
  "A failing _write (sync, or on the next tick): the write callback always runs before 'error'; a write-until-false loop stops at the first write.",
  () => {
    const a = new Writable({ write(c, e, cb) { cb(new Error('sync')); } });
    a.on('error', (e) => log('a error', errc(e)));
    a.write('hi', (e) => log('a cb', errc(e)));
    const b = new Writable({ write(c, e, cb) { process.nextTick(cb, new Error('async')); } });
    b.on('error', (e) => log('b error', errc(e)));
    b.write('hi', (e) => log('b cb', errc(e)));
    const c = new Writable({ write(x, e, cb) { cb(new Error('loop')); } });
    c.on('error', (e) => log('c error', errc(e)));
    let cnt = 0;
    while (c.write('a')) cnt++;
    log('c loop count', cnt);
  });

// test-stream-writable-writable.js.
S('ww14-writable-flag-transitions',
  'writable turns false at destroy(), right after a synchronous _write error, inside an async error completion, and at end().',
  () => {
    const a = new Writable({ write() {} });
    log('a', a.writable); a.destroy(); log('a after destroy', a.writable);
    const b = new Writable({ write(c, e, cb) { cb(new Error('b')); } });
    log('b', b.writable); b.write('asd'); log('b after failing write', b.writable);
    b.on('error', () => log('b error', b.writable));
    const c = new Writable({
      write(x, e, cb) { process.nextTick(() => { cb(new Error('c')); log('c after async cb(err)', c.writable); }); },
    });
    c.write('asd');
    c.on('error', () => log('c error'));
    const d = new Writable({ write() { log('d _write (never)'); } });
    log('d', d.writable); d.end(); log('d after end', d.writable);
  });

// test-stream-writable-aborted.js.
S('ww15-writableAborted',
  'writableAborted: false at first, true after destroy(), true after end() then destroy() before finish, false after finish.',
  () => {
    const a = new Writable({ write() {} });
    log('a', a.writableAborted); a.destroy(); log('a after destroy', a.writableAborted);
    const b = new Writable({ write() {} });
    b.end(); b.destroy(); log('b after end+destroy', b.writableAborted);
    const c = new Writable({ write(x, e, cb) { cb(); } });
    c.end('x');
    c.on('finish', () => log('c at finish', c.writableAborted));
    c.on('close', () => log('c at close', c.writableAborted));
  });

// test-stream-writable-end-cb-error.js, first case.
S('ww16-end-cb-after-async-error',
  "An async write error with two end(cb) pending: the write callback, then both end callbacks get the write's error, then 'error' and 'close'.",
  () => {
    const w = new Writable({ write(c, e, cb) { process.nextTick(cb, new Error('kaboom')); } });
    w.on('error', (e) => log('error', etext(e)));
    w.on('close', () => log('close'));
    w.write('asd', (e) => log('write-cb', errc(e)));
    w.end((e) => log('end-cb 1', etext(e)));
    w.end((e) => log('end-cb 2', etext(e)));
  });

// test-stream-writable-end-cb-error.js, third case.
S('ww17-end-chunk-after-end',
  "end(chunk, cb); end(cb); end('end', cb): the third is a write after end and destroys the stream at once; 'error' and 'close', then all three end callbacks get ERR_STREAM_WRITE_AFTER_END.",
  () => {
    const w = new Writable({ write(c, e, cb) { setImmediate(cb); } });
    w.end('testing ended state', (e) => log('end-cb 1', errc(e)));
    log('after end 1', 'destroyed', w.destroyed, 'ended', w.writableEnded);
    w.end((e) => log('end-cb 2', errc(e)));
    log('after end 2', 'destroyed', w.destroyed, 'ended', w.writableEnded);
    w.end('end', (e) => log('end-cb 3', etext(e)));
    log('after end 3', 'destroyed', w.destroyed);
    w.on('error', (e) => log('error', errc(e)));
    w.on('finish', () => log('finish (never)'));
    w.on('close', () => log('close'));
  });

// test-stream-writable-end-cb-error.js, second case.
S('ww18-error-emitted-in-finish',
  "The end callback runs once, before 'finish'; an 'error' emitted by hand inside 'finish' reaches the listener and nothing more happens.",
  () => {
    const w = new Writable({ write(c, e, cb) { process.nextTick(cb); } });
    w.end('asd', (e) => log('end-cb', errc(e)));
    w.on('error', (e) => log('error', etext(e), 'destroyed', w.destroyed));
    w.on('finish', () => { log('finish'); w.emit('error', new Error('kaboom')); });
    w.on('close', () => log('close'));
  });

// test-stream-writable-end-multiple.js.
S('ww19-end-multiple',
  "end(chunk, cb); end(cb): both callbacks null at finish; end(cb) inside 'finish' gets ERR_STREAM_ALREADY_FINISHED ('Cannot call end after a stream was finished').",
  () => {
    const w = new Writable({ write(c, e, cb) { setImmediate(cb); } });
    w.end('testing ended state', (e) => log('end-cb 1', errc(e)));
    w.end((e) => log('end-cb 2', errc(e)));
    w.on('finish', () => {
      log('finish');
      w.end((e) => log('end-cb 3', etext(e)));
    });
    w.on('close', () => log('close'));
  });

// test-stream-writable-finish-destroyed.js.
S('ww20-finish-destroyed',
  "A write completing inside 'close' after destroy(): no 'finish', whether end() came before destroy() or from inside 'close'.",
  () => {
    const a = new Writable({
      write(c, e, cb) { a.on('close', () => { log('a close: completing'); cb(); }); },
    });
    a.end('asd');
    a.destroy();
    a.on('finish', () => log('a finish (never)'));
    const b = new Writable({
      write(c, e, cb) { b.on('close', () => { log('b close: completing, then end()'); cb(); b.end(); }); },
    });
    b.write('asd', (e) => log('b write-cb', errc(e)));
    b.destroy();
    b.on('finish', () => log('b finish (never)'));
    setImmediate(() => log('a.writableFinished', a.writableFinished, 'b.writableFinished', b.writableFinished));
  });

// ───────────────────────────── wr: Readable, from node's test-stream-readable-*.js ────

// Logs every event of a readable with the chunk (for 'data') or the error code.
function rwatch(r, name, events) {
  for (const ev of events) {
    r.on(ev, (arg) => {
      if (ev === 'error') log(`${name}:error`, etext(arg));
      else if (ev === 'data') log(`${name}:data`, arg);
      else log(`${name}:${ev}`);
    });
  }
}

// test-stream-readable-setEncoding-existing-buffers.js, first two cases.
S('wr01-setEncoding-existing-buffers',
  "setEncoding('utf8') with bytes already buffered: they are decoded at once, joined (a 4-byte character split over four pushes too).",
  () => {
    const a = new Readable({ read() {} });
    a.push(Buffer.from('a')); a.push(Buffer.from('b'));
    log('a len before', a.readableLength);
    a.setEncoding('utf8');
    log('a len after', a.readableLength, 'encoding', a.readableEncoding);
    rwatch(a, 'a', ['data']);
    const b = new Readable({ read() {} });
    for (const x of [0xf0, 0x9f, 0x8e, 0x89]) b.push(Buffer.from([x]));
    b.setEncoding('utf8');
    b.on('data', (c) => log('b:data', c));
  });

// test-stream-readable-setEncoding-existing-buffers.js, third and fourth cases.
S('wr02-setEncoding-split-char',
  'A character split across the setEncoding() call, or across two source reads after read(0): one data event with the whole character.',
  () => {
    const a = new Readable({ read() {} });
    a.push(Buffer.from([0xf0])); a.push(Buffer.from([0x9f]));
    a.setEncoding('utf8');
    log('a len after setEncoding', a.readableLength);
    a.push(Buffer.from([0x8e])); a.push(Buffer.from([0x89]));
    a.on('data', (c) => log('a:data', c));
    const chunks = [Buffer.from([0xf0, 0x9f]), Buffer.from([0x8e, 0x89]), null];
    const b = new Readable({ read() { log('b _read'); this.push(chunks.shift()); } });
    b.read(0);
    log('b after read(0): flowing', b.readableFlowing, 'len', b.readableLength);
    b.setEncoding('utf8');
    b.on('data', (c) => log('b:data', c));
    b.on('end', () => log('b:end'));
  });

// test-stream-readable-setEncoding-existing-buffers.js, last case.
S('wr03-setEncoding-incomplete-at-eof',
  "setEncoding() after EOF with half a character buffered: node v20 drops it ('end' only); v24 and v26 end the new decoder and emit U+FFFD first.",
  () => {
    const r = new Readable({ read() {} });
    r.push(Buffer.from([0xf0])); r.push(Buffer.from([0x9f])); r.push(null);
    r.setEncoding('utf8');
    r.on('data', (c) => log('data', JSON.stringify(c)));
    r.on('end', () => log('end'));
  });

// test-stream-readable-unshift.js, first two cases.
S('wr04-unshift-order-and-strings',
  'unshift(string) stores bytes (a Buffer comes out); unshift() after push() puts its chunk first.',
  () => {
    const a = new Readable({ read() {} });
    a.on('data', (c) => log('a:data', c, 'isBuffer', Buffer.isBuffer(c)));
    log('a unshift ->', a.unshift('abc'), 'len', a.readableLength);
    const b = new Readable({ read() {} });
    b.on('data', (c) => log('b:data', c));
    b.push('back');
    b.unshift('front');
    log('b len', b.readableLength);
  });

// test-stream-readable-unshift.js, the push/unshift with an encoding case.
S('wr05-unshift-with-encoding',
  "With an encoding (setEncoding or the option), push() and unshift() of the same string give the same decoded chunk; unshift goes first.",
  () => {
    const r1 = new Readable({ read() {} });
    r1.setEncoding('base64');
    const r2 = new Readable({ read() {}, encoding: 'base64' });
    for (const [name, r] of [['r1', r1], ['r2', r2]]) {
      r.on('data', (c) => log(`${name}:data`, c, typeof c));
      r.push('abc');
      r.unshift('xyz');
      log(name, 'len', r.readableLength);
    }
  });

// test-stream-readable-unshift.js, the objectMode case.
S('wr06-unshift-objectMode',
  'objectMode: each unshift() goes to the front, so the values come out in reverse; readableLength counts values.',
  () => {
    const r = new Readable({ objectMode: true, read() {} });
    for (const v of ['a', 'b', 'c', 'd']) log('unshift', v, '->', r.unshift(v), 'len', r.readableLength);
    r.on('data', (v) => log('data', v));
  });

// test-stream-readable-unshift.js (the error path) and errors.js's message.
S('wr07-unshift-after-end-event',
  "unshift() after 'end': with autoDestroy:false, 'error' ERR_STREAM_UNSHIFT_AFTER_END_EVENT ('stream.unshift() after end event') at once; auto-destroyed, nothing.",
  () => {
    for (const autoDestroy of [false, true]) {
      const name = `ad=${autoDestroy}`;
      const r = new Readable({ autoDestroy, read() {} });
      rwatch(r, name, ['data', 'end', 'error', 'close']);
      r.push('a'); r.push(null);
      r.on('end', () => {
        process.nextTick(() => {
          log(name, 'unshift after end ->', r.unshift('b'), 'destroyed', r.destroyed, 'errored', errc(r.errored));
        });
      });
    }
  });

// push() after push(null): the ERR_STREAM_PUSH_AFTER_EOF path of push().
S('wr08-push-after-eof',
  "push() after push(null): returns false, 'error' ERR_STREAM_PUSH_AFTER_EOF ('stream.push() after EOF') then 'close'; with autoDestroy:false, 'error' only.",
  () => {
    for (const autoDestroy of [true, false]) {
      const r = new Readable({ autoDestroy, read() {} });
      rwatch(r, `ad=${autoDestroy}`, ['error', 'close', 'end']);
      r.push('a');
      r.push(null);
      log(`ad=${autoDestroy} push after eof ->`, r.push('b'), 'destroyed', r.destroyed, 'errored', errc(r.errored));
    }
  });

// test-stream-readable-ended.js, second case.
S('wr09-multiple-push-null',
  "push(null) twice: no error; one 'end'.",
  () => {
    const r = new Readable({ read() {} });
    r.on('readable', () => { let c; while ((c = r.read()) !== null) log('read', c); });
    rwatch(r, 'r', ['error', 'end', 'close']);
    r.push('a');
    log('push null 1 ->', r.push(null));
    log('push null 2 ->', r.push(null));
  });

// test-stream-readable-ended.js, first case.
S('wr10-readableEnded-states',
  "readableEnded is false inside _read (even after push(null)) and at 'data', true at 'end'.",
  () => {
    const r = new Readable({
      read() {
        log('_read ended', r.readableEnded);
        r.push('asd');
        log('after push ended', r.readableEnded);
        r.push(null);
        log('after push(null) ended', r.readableEnded);
      },
    });
    r.on('data', (c) => log('data', c, 'ended', r.readableEnded));
    r.on('end', () => log('end ended', r.readableEnded));
    r.on('close', () => log('close ended', r.readableEnded));
  });

// test-stream-readable-end-destroyed.js.
S('wr11-no-end-after-destroy',
  "resume(), destroy(), and push(null) inside 'close': no 'end'.",
  () => {
    const r = new Readable({ read() {} });
    r.on('end', () => log('end (never)'));
    r.resume();
    r.destroy();
    r.on('close', () => { log('close'); log('push(null) ->', r.push(null)); });
    r.on('resume', () => log('resume'));
    setImmediate(() => log('later: ended', r.readableEnded, 'destroyed', r.destroyed));
  });

// test-stream-readable-readable.js.
S('wr12-readable-flag',
  "readable: false right after destroy(); still true after push(null) until 'end'; false inside a later destroy(err) and at 'error'.",
  () => {
    const a = new Readable({ read() {} });
    log('a', a.readable); a.destroy(); log('a after destroy', a.readable);
    const b = new Readable({ read() {} });
    b.resume(); b.push(null);
    log('b after push(null)', b.readable);
    b.on('end', () => log('b end', b.readable));
    const c = new Readable({
      read() { process.nextTick(() => { c.destroy(new Error('c')); log('c after destroy(err)', c.readable); }); },
    });
    c.resume();
    c.on('error', (e) => log('c error', errc(e), c.readable));
  });

// test-stream-readable-destroy.js, the first five cases.
S('wr13-destroy-variants',
  "destroy(): 'close' only; destroy(err): 'error' then 'close', no 'end'; a _destroy that drops the error: 'close' only; _destroy sees null without an error.",
  () => {
    const a = new Readable({ read() {} });
    a.resume();
    rwatch(a, 'a', ['end', 'error', 'close']);
    a.destroy();
    log('a destroyed', a.destroyed);
    const b = new Readable({ read() {} });
    b.resume();
    rwatch(b, 'b', ['end', 'error', 'close']);
    b.destroy(new Error('kaboom'));
    log('b destroyed', b.destroyed, 'errored', errc(b.errored));
    const c = new Readable({ read() {}, destroy(err, cb) { log('c _destroy', errc(err)); cb(); } });
    rwatch(c, 'c', ['end', 'error', 'close']);
    c.destroy(new Error('kaboom'));
    const d = new Readable({ read() {}, destroy(err, cb) { log('d _destroy', errc(err)); cb(err); } });
    rwatch(d, 'd', ['end', 'error', 'close']);
    d.destroy();
  });

// test-stream-readable-destroy.js, the _destroy-reports-an-error case.
S('wr14-destroy-error-from-_destroy',
  "destroy() whose _destroy calls back with an error: errored at once, 'error' on the next tick, then 'close'; no 'end'.",
  () => {
    const r = new Readable({ read() {}, destroy(err, cb) { log('_destroy', errc(err)); cb(new Error('kaboom')); } });
    rwatch(r, 'r', ['end', 'error', 'close']);
    r.destroy();
    log('after destroy', 'destroyed', r.destroyed, 'errored', errc(r.errored));
    tick('tick');
  });

// test-stream-readable-destroy.js, the last two cases.
S('wr15-destroy-then-push-and-read',
  'After destroy(): push() returns false and no data comes; read() does not call _read and returns null.',
  () => {
    const a = new Readable({ read() {} });
    a.destroy();
    log('a push ->', a.push('hi'));
    a.on('data', (c) => log('a:data (never)', c));
    const b = new Readable({ read() { log('b _read (never)'); } });
    b.destroy();
    log('b read() ->', b.read());
    rwatch(b, 'b', ['close']);
  });

// readableFlowing through on/off of 'data' and 'readable', pause() and resume().
S('wr16-readableFlowing-transitions',
  "readableFlowing: null, true after on('data'), false after pause(), true after resume(), false once a 'readable' listener is added, null when it goes (no data listener).",
  () => {
    const r = new Readable({ read() {} });
    log('new', r.readableFlowing);
    const f = () => {};
    r.on('data', f); log("on('data')", r.readableFlowing);
    r.pause(); log('pause()', r.readableFlowing, 'isPaused', r.isPaused());
    r.resume(); log('resume()', r.readableFlowing, 'isPaused', r.isPaused());
    r.removeListener('data', f); log("off('data')", r.readableFlowing);
    const g = () => {};
    r.on('readable', g); log("on('readable')", r.readableFlowing);
    r.removeListener('readable', g); log("off('readable') sync", r.readableFlowing);
    process.nextTick(() => log("off('readable') next tick", r.readableFlowing));
    const s = new Readable({ read() {} });
    s.on('readable', g);
    s.on('data', (c) => log('s:data', c));
    log('s readable+data', s.readableFlowing);
    s.removeListener('readable', g);
    s.push('x');
    process.nextTick(() => log('s after readable removed', s.readableFlowing));
  });

// test-stream-readable-resumeScheduled.js and the 'resume' event.
S('wr17-resume-then-pause-same-tick',
  "resume(); pause() in the same tick: 'pause' now, 'resume' still on the next tick, and no data flows.",
  () => {
    const r = new Readable({ read() {} });
    rwatch(r, 'r', ['pause', 'resume']);
    r.push('a');
    r.resume();
    log('after resume', r.readableFlowing);
    r.pause();
    log('after pause', r.readableFlowing);
    r.on('data', (c) => log('data', c));
    setImmediate(() => log('later: len', r.readableLength, 'flowing', r.readableFlowing));
  });

// test-stream-readable-pause-and-resume.js (smaller).
S('wr18-pause-in-data-resume-later',
  "objectMode: each 'data' listener pauses and a later resume() lets exactly one more value through; _read pushes on the next tick.",
  () => {
    let n = 0;
    const rs = new Readable({
      objectMode: true,
      read() {
        n++;
        log('_read', n);
        if (n < 4) process.nextTick(() => rs.push({ n }));
        else { rs.push({ n }); rs.push(null); }
      },
    });
    rs.on('end', () => log('end'));
    function readAndPause() {
      const ondata = (d) => {
        log('data', d.n);
        rs.pause();
        setImmediate(() => {
          rs.removeListener('data', ondata);
          readAndPause();
          rs.resume();
        });
      };
      rs.on('data', ondata);
    }
    readAndPause();
  });

// test-stream-readable-emittedReadable.js, first part.
S('wr19-readable-event-batching',
  "One 'readable' per tick of pushes (two pushes, one push, the end): v20's read() takes the whole buffer; v26's takes one chunk, so the reads lag one chunk behind.",
  () => {
    const r = new Readable({ read() {} });
    r.on('readable', () => log('readable', 'read ->', r.read()));
    r.on('end', () => log('end'));
    process.nextTick(() => r.push('foo'));
    process.nextTick(() => r.push('bar'));
    setImmediate(() => {
      r.push('quo');
      process.nextTick(() => r.push(null));
    });
  });

// test-stream-readable-event.js.
S('wr20-readable-listener-added-late',
  "A 'readable' listener added after data was pushed (not reading, reading, or ended) still gets 'readable'; _read runs only when the buffer is below HWM.",
  () => {
    const mk = (name, hwm, chunk, end) => {
      const r = new Readable({ highWaterMark: hwm, read() { log(`${name} _read`); } });
      r.push(Buffer.from(chunk));
      if (end) r.push(null);
      setImmediate(() => r.on('readable', () => log(`${name} readable len`, r.readableLength)));
    };
    mk('first', 3, 'blerg', false);
    mk('second', 3, 'bl', false);
    mk('third', 30, 'blerg', true);
  });

// read(n) edge cases (test-stream-readable-needReadable.js looks at the same states).
S('wr21-read-n-edge-cases',
  'read(n): null while fewer than n are buffered (the source is asked), exact slices spanning chunks, the rest after the end, read(0) at the end.',
  () => {
    const r = new Readable({ highWaterMark: 8, read() { log('_read'); } });
    r.push('ab'); r.push('cde');
    log('read(6) ->', r.read(6), 'len', r.readableLength);
    log('read(3) ->', r.read(3), 'len', r.readableLength);
    log('read(1) ->', r.read(1), 'len', r.readableLength);
    r.push('fgh');
    r.push(null);
    log('read(5) after end ->', r.read(5), 'len', r.readableLength);
    log('read(0) at end ->', r.read(0), 'ended', r.readableEnded);
    r.on('end', () => log('end'));
  });

// read(n) above the high-water mark, and above its 1 GiB limit.
S('wr22-read-n-raises-hwm',
  'read(n) above the high-water mark raises it to the next power of two; read(2**30 + 1) throws ERR_OUT_OF_RANGE.',
  () => {
    const r = new Readable({ highWaterMark: 4, read() {} });
    log('hwm', r.readableHighWaterMark);
    log('read(5) ->', r.read(5), 'hwm', r.readableHighWaterMark);
    log('read(100) ->', r.read(100), 'hwm', r.readableHighWaterMark);
    log('read(1024) ->', r.read(1024), 'hwm', r.readableHighWaterMark);
    try { r.read(2 ** 30 + 1); } catch (e) { log('read(2**30+1) threw', errc(e)); }
    log('hwm after', r.readableHighWaterMark);
  });

// test-stream-readable-hwm-0.js.
S('wr23-hwm-0-readable-after-push-null',
  "HWM 0: adding a 'readable' listener calls _read once; read() returns null until push(null); then 'readable' and 'end'.",
  () => {
    const r = new Readable({ highWaterMark: 0, read() { log('_read'); } });
    r.on('readable', () => log('readable read ->', r.read()));
    r.on('end', () => log('end'));
    process.nextTick(() => {
      log('tick read ->', r.read());
      r.push(null);
      log('pushed null');
    });
  });

// emitClose:false on a Readable.
S('wr24-readable-emitClose-false',
  "emitClose:false: 'end', auto-destroyed (destroyed and closed true) but no 'close'; destroy(err) gives 'error' only.",
  () => {
    const a = new Readable({ emitClose: false, read() {} });
    rwatch(a, 'a', ['data', 'end', 'close']);
    a.push('x'); a.push(null);
    setImmediate(() => log('a later', 'destroyed', a.destroyed, 'closed', a.closed));
    const b = new Readable({ emitClose: false, read() {} });
    rwatch(b, 'b', ['error', 'close']);
    b.destroy(new Error('E'));
    setImmediate(() => log('b later', 'destroyed', b.destroyed, 'closed', b.closed));
  });

// autoDestroy:false on a Readable.
S('wr25-readable-autoDestroy-false',
  "autoDestroy:false: after 'end' the stream is not destroyed and no 'close'; an explicit destroy() then emits 'close'.",
  () => {
    const r = new Readable({ autoDestroy: false, read() {} });
    rwatch(r, 'r', ['data', 'end', 'close']);
    r.push('x'); r.push(null);
    setImmediate(() => {
      log('after end', 'destroyed', r.destroyed, 'closed', r.closed, 'readable', r.readable);
      r.destroy();
      log('after destroy', 'destroyed', r.destroyed);
    });
  });

// test-stream-readable-didRead.js and test-stream-readable-aborted.js.
S('wr26-didRead-and-aborted',
  "readableDidRead turns true only with a 'data' event; readableAborted is true when destroyed before 'end', false after 'end'.",
  () => {
    const cases = {
      'read()': (r) => r.read(),
      'resume()': (r) => r.resume(),
      'destroy()': (r) => r.destroy(),
      'destroy(err)': (r) => { r.on('error', () => {}); r.destroy(new Error()); },
    };
    for (const [name, fn] of Object.entries(cases)) {
      const r = new Readable({ read() { this.push(null); } });
      fn(r);
      setImmediate(() => log(name, 'didRead', r.readableDidRead, 'aborted', r.readableAborted, 'ended', r.readableEnded));
    }
    const d = new Readable({ read() { this.push('data'); this.push(null); } });
    d.on('data', () => {});
    setImmediate(() => log('data', 'didRead', d.readableDidRead, 'aborted', d.readableAborted));
  });

// test-stream-readable-invalid-chunk.js.
S('wr27-push-invalid-chunk',
  "push({}) on a byte stream: 'error' ERR_INVALID_ARG_TYPE, then 'close'; push() returns false.",
  () => {
    const r = new Readable({ read() {} });
    rwatch(r, 'r', ['error', 'close']);
    log('push({}) ->', r.push({}), 'errored', errc(r.errored));
  });

// Node v24 and v26 skip the 'readable' of an end pushed inside a synchronous _read while
// nobody observes the stream; v20 schedules it (and its flow) on the next tick.
S('wr28-eof-in-sync-read-unobserved',
  "A push(null) inside a synchronous _read with nobody watching, then a 'data' listener: when the data flows against ticks queued around it.",
  () => {
    let go = false;
    const r = new Readable({
      highWaterMark: 2,
      read() {
        if (!go) return;
        log('_read pushes cd, ef, null');
        this.push('cd'); this.push('ef'); this.push(null);
      },
    });
    r.push('ab');
    setImmediate(() => {
      go = true;
      log('rlen', r.readableLength);
      log('read(2)', r.read(2).toString());
      tick('tick A');
      r.on('data', (c) => log('data', c.toString()));
      r.on('end', () => log('end'));
      tick('tick B');
    });
  });

S('wr29-eof-readable-redeemed-by-listener',
  "read(2) of two buffered bytes calls a _read that pushes only the end, with nobody watching; a 'readable' listener added a turn later: whether it gets a 'readable' for the end.",
  () => {
    let go = false;
    const r = new Readable({
      highWaterMark: 2,
      read() { if (!go) return; log('_read pushes null'); this.push(null); },
    });
    r.push('ab');
    setImmediate(() => {
      go = true;
      log('read(2)', r.read(2).toString(), 'len', r.readableLength);
      setImmediate(() => {
        r.on('readable', () => {
          log('readable, read ->', r.read(), 'len', r.readableLength);
        });
        r.on('end', () => log('end'));
        tick('tick after on(readable)');
      });
    });
  });

// ───────────────────────────── we: EventEmitter, from node's test-event-emitter-*.js ────

// test-event-emitter-max-listeners-warning.js.
S('we01-max-listeners-warning-text',
  "setMaxListeners(1): the second listener of one event gives one MaxListenersExceededWarning (count 2, type event-type, its message); the third none; a Writable's emitter warns the same way.",
  () => {
    // Node emits the warning on the next tick, nodestream at the add: every step ends with
    // its adds and the next step starts on a later turn, so both orders are the same.
    process.on('warning', (w) => log('message', w.message));
    const e = new EventEmitter();
    e.setMaxListeners(1);
    const w = new Writable({ write(c, enc, cb) { cb(); } });
    w.setMaxListeners(1);
    series(
      (next) => {
        e.on('event-type', () => {});
        e.on('event-type', () => {});
        e.on('event-type', () => {});
        setImmediate(next);
      },
      (next) => {
        log('count', e.listenerCount('event-type'));
        w.on('drain', () => {});
        w.on('drain', () => {});
        setImmediate(next);
      },
      () => log('done'));
  });

// test-event-emitter-get-max-listeners.js and test-event-emitter-check-listener-leaks.js.
S('we02-get-set-max-listeners',
  'getMaxListeners(): the default (10, EventEmitter.defaultMaxListeners) until set; 0, 3 and 1 read back.',
  () => {
    const e = new EventEmitter();
    log('default', e.getMaxListeners(), EventEmitter.defaultMaxListeners);
    e.setMaxListeners(0); log('after set 0', e.getMaxListeners());
    e.setMaxListeners(3); log('after set 3', e.getMaxListeners());
    e.setMaxListeners(1); log('after set 1', e.getMaxListeners());
  });

// test-event-emitter-check-listener-leaks.js.
S('we03-listener-leak-thresholds',
  'Warnings come exactly when a count passes the limit: 11th at the default, 6th at 5, 2nd at 1, never at 0; the limit in force at each add decides.',
  () => {
    // Each step ends with its adds (see we01).
    const e = new EventEmitter();
    const f = new EventEmitter();
    const add = (em, name, n) => { for (let i = 0; i < n; i++) em.on(name, () => {}); };
    series(
      (next) => { add(e, 'default', 10); setImmediate(next); },
      (next) => { log('10 default'); add(e, 'default', 1); setImmediate(next); },
      (next) => { log('11 default'); e.setMaxListeners(5); add(e, 'specific', 5); setImmediate(next); },
      (next) => { log('5 specific'); add(e, 'specific', 1); setImmediate(next); },
      (next) => { log('6 specific'); e.setMaxListeners(1); add(e, 'only one', 1); setImmediate(next); },
      (next) => { log('1 only one'); add(e, 'only one', 1); setImmediate(next); },
      (next) => { log('2 only one'); e.setMaxListeners(0); add(e, 'unlimited', 100); setImmediate(next); },
      (next) => { log('100 unlimited'); add(f, 'x', 5); f.setMaxListeners(3); setImmediate(next); },
      (next) => { log('lowered to 3 with 5 listeners'); add(f, 'x', 1); setImmediate(next); },
      () => log('6th x'));
  });

// test-event-emitter-check-listener-leaks.js (the warned flag lives on the listener array).
S('we04-warning-again-after-removeAll',
  'One warning per event; after removeAllListeners(event), or once removals leave a single listener, the event warns again; removals that leave two do not.',
  () => {
    // Each step ends with its adds (see we01).
    const e = new EventEmitter();
    e.setMaxListeners(1);
    const f = () => {};
    const g = () => {};
    series(
      (next) => { e.on('x', () => {}); e.on('x', () => {}); setImmediate(next); },
      (next) => { log('two x'); e.removeAllListeners('x'); e.on('x', () => {}); e.on('x', () => {}); setImmediate(next); },
      (next) => { log('two x again'); e.on('y', f); e.on('y', () => {}); setImmediate(next); },
      (next) => { log('two y'); e.removeListener('y', f); e.on('y', () => {}); setImmediate(next); },
      (next) => { log('y: one removed, one more'); e.on('z', g); e.on('z', () => {}); e.on('z', () => {}); setImmediate(next); },
      (next) => { log('three z'); e.removeListener('z', g); e.on('z', () => {}); setImmediate(next); },
      () => log('z: one removed (two left), one more'));
  });

// test-event-emitter-check-listener-leaks.js, the process-wide part.
S('we05-defaultMaxListeners-change',
  'EventEmitter.defaultMaxListeners = 2 applies to every emitter without its own limit (existing ones too); an own limit wins.',
  () => {
    // Each step ends with its adds (see we01).
    const old = new EventEmitter();
    EventEmitter.defaultMaxListeners = 2;
    const e = new EventEmitter();
    const own = new EventEmitter();
    own.setMaxListeners(5);
    log('new', e.getMaxListeners(), 'old', old.getMaxListeners(), 'own', own.getMaxListeners());
    series(
      (next) => { e.on('two', () => {}); e.on('two', () => {}); setImmediate(next); },
      (next) => { log('two listeners'); e.on('two', () => {}); setImmediate(next); },
      (next) => { log('three listeners'); for (let i = 0; i < 3; i++) own.on('own', () => {}); setImmediate(next); },
      () => { log('own limit 5, three listeners'); EventEmitter.defaultMaxListeners = 10; });
  });

// test-event-emitter-error-monitor.js.
S('we06-errorMonitor-every-emit',
  "errorMonitor sees every 'error' emit (unhandled, then handled by a once listener) and no other event.",
  () => {
    const ee = new EventEmitter();
    ee.on(EventEmitter.errorMonitor, (e) => log('monitor', errc(e)));
    try { ee.emit('error', new Error('MyError')); } catch (e) { log('threw', errc(e)); }
    ee.once('error', (e) => log('once error', errc(e)));
    log('handled emit ->', ee.emit('error', new Error('MyError')));
    try { ee.emit('error', new Error('again')); } catch (e) { log('threw again', errc(e)); }
    ee.on('aEvent', () => log('aEvent'));
    ee.emit('aEvent');
    log('monitor count', ee.listenerCount(EventEmitter.errorMonitor), 'error count', ee.listenerCount('error'));
  });

// test-event-emitter-error-monitor.js on a stream (streams emit through emit()).
S('we07-stream-errorMonitor',
  "A Writable's errorMonitor listener sees its 'error' before the 'error' listeners, and before the error goes uncaught when there is none.",
  () => {
    const a = new Writable({ write(c, e, cb) { cb(new Error('a-fail')); } });
    a.on('error', (e) => log('a error', errc(e)));
    a.on(EventEmitter.errorMonitor, (e) => log('a monitor', errc(e)));
    a.on('close', () => log('a close'));
    a.write('x');
    const b = new Writable({ write(c, e, cb) { cb(); } });
    b.on(EventEmitter.errorMonitor, (e) => log('b monitor', errc(e)));
    b.destroy(new Error('b-fail'));
  });

// test-event-emitter-remove-listeners.js, the nested once('removeListener') case.
S('we08-removeListener-meta-nested',
  "once('removeListener') listeners see the listener list after the removal, and may remove the next listener from inside.",
  () => {
    const ee = new EventEmitter();
    function listener1() {} function listener2() {}
    ee.on('hello', listener1);
    ee.on('hello', listener2);
    ee.once('removeListener', (name, cb) => {
      log('meta 1', name, cb, 'left', ee.listeners('hello').map((f) => f.name));
      ee.once('removeListener', (name2, cb2) => log('meta 2', name2, cb2, 'left', ee.listeners('hello').map((f) => f.name)));
      ee.removeListener('hello', listener2);
      log('inside meta 1 after remove', ee.listeners('hello').map((f) => f.name));
    });
    ee.removeListener('hello', listener1);
    log('after', ee.listeners('hello').map((f) => f.name), 'meta listeners', ee.listenerCount('removeListener'));
  });

// test-event-emitter-remove-listeners.js, the remove-and-emit-inside-meta case.
S('we09-remove-and-emit-inside-removeListener',
  "A 'removeListener' listener that removes another listener and emits: the removed one does not run; the meta listener runs twice.",
  () => {
    const ee = new EventEmitter();
    function remove1() { log('remove1 (never)'); }
    function remove2() { log('remove2 (never)'); }
    ee.on('removeListener', function meta(name, cb) {
      log('meta', name, cb);
      if (cb !== remove1) return;
      this.removeListener('quux', remove2);
      log('emit quux ->', this.emit('quux'));
    });
    ee.on('quux', remove1);
    ee.on('quux', remove2);
    ee.removeListener('quux', remove1);
    log('quux count', ee.listenerCount('quux'));
  });

// test-event-emitter-remove-all-listeners.js.
S('we10-removeAllListeners-counts',
  "removeAllListeners(name) removes in LIFO order and each 'removeListener' sees the shrinking list; removeAllListeners() of an event without listeners is a no-op.",
  () => {
    const ee = new EventEmitter();
    ee.on('removeListener', (name) => log('meta', name, 'left', ee.listeners(name).length));
    function a() {} function b() {} function c() {}
    ee.on('baz', a); ee.on('baz', b); ee.on('baz', c);
    ee.on('foo', a);
    ee.removeAllListeners('baz');
    log('baz', ee.listenerCount('baz'), 'foo', ee.listenerCount('foo'));
    ee.removeAllListeners('nothing');
    log('names', ee.eventNames());
    ee.removeAllListeners();
    log('names after all', ee.eventNames());
  });

// test-event-emitter-special-event-names.js.
S('we11-special-event-names',
  "Event names such as '__proto__', '__defineGetter__' and 'toString' are ordinary names.",
  () => {
    const ee = new EventEmitter();
    function handler() {}
    log('toString count', ee.listenerCount('toString'));
    ee.on('__proto__', handler);
    ee.on('__defineGetter__', handler);
    ee.on('toString', handler);
    log('names', ee.eventNames());
    log('counts', ee.listenerCount('__proto__'), ee.listenerCount('__defineGetter__'), ee.listenerCount('toString'));
    ee.on('__proto__', (v) => log('__proto__ got', v));
    log('emit ->', ee.emit('__proto__', 1));
  });

// test-event-emitter-max-listeners.js on a stream.
S('we12-stream-max-listeners',
  "A Writable warns for its 11th 'drain' listener like any emitter; setMaxListeners(0) on another stream silences it.",
  () => {
    // The adds come last (see we01).
    const a = new Writable({ write(c, e, cb) { cb(); } });
    const b = new Writable({ write(c, e, cb) { cb(); } });
    b.setMaxListeners(0);
    log('max', a.getMaxListeners(), b.getMaxListeners());
    for (let i = 0; i < 11; i++) b.on('drain', () => {});
    for (let i = 0; i < 11; i++) a.on('drain', () => {});
  });

// test-event-emitter-once.js.
S('we13-once-emit-inside-itself',
  'A once() listener that emits its own event: the inner emit does not run it again; a second once() added inside runs on the inner emit.',
  () => {
    const ee = new EventEmitter();
    let depth = 0;
    ee.once('x', () => {
      depth++;
      log('once A depth', depth);
      ee.once('x', () => log('once B (added inside A)'));
      log('inner emit ->', ee.emit('x'));
    });
    log('outer emit ->', ee.emit('x'));
    log('third emit ->', ee.emit('x'));
  });

// ---- Duplex.from({ readable, writable }) (node's test-stream-duplex-from.js, the pair cases) --

S('dx56-from-pair-flow',
  "Duplex.from({ readable, writable }): writes reach the Writable, the Readable's data comes out of the Duplex; end() and push(null) end both ways.",
  () => {
    const r = new Readable({ read() {} });
    const w = new Writable({ write(c, e, cb) { log('w _write', c.toString()); cb(); } });
    const d = Duplex.from({ readable: r, writable: w });
    watch(d, 'd', ['data', 'end', 'finish', 'close']);
    watch(w, 'w', ['finish', 'close']);
    watch(r, 'r', ['end', 'close']);
    d.write('to-w');
    r.push('from-r');
    r.push(null);
    d.end();
  });

S('dx57-from-pair-destroy',
  "Destroying a Duplex made from a pair destroys both with AbortError, then the Duplex closes with it.",
  () => {
    const r = new Readable({ read() {} });
    const w = new Writable({ write(c, e, cb) { cb(); } });
    const d = Duplex.from({ readable: r, writable: w });
    watch(d, 'd', ['error', 'close']);
    watch(w, 'w', ['error', 'close']);
    watch(r, 'r', ['error', 'close']);
    d.destroy();
    log('destroyed', d.destroyed, w.destroyed, r.destroyed);
  });

S('dx58-from-pair-writable-error',
  "The Writable of the pair fails: the Readable is destroyed and the Duplex fails with the error.",
  () => {
    const r = new Readable({ read() {} });
    const w = new Writable({ write(c, e, cb) { cb(Object.assign(new Error('w'), { code: 'E_W' })); } });
    const d = Duplex.from({ readable: r, writable: w });
    watch(d, 'd', ['error', 'close']);
    watch(w, 'w', ['error', 'close']);
    watch(r, 'r', ['error', 'close']);
    d.write('x');
  });

S('dx59-from-pair-backpressure',
  "The pair's Writable has a high-water mark of 1 and completes on setImmediate: the Duplex's writes wait for its 'drain'.",
  () => {
    const r = new Readable({ read() {} });
    const w = new Writable({
      highWaterMark: 1,
      write(c, e, cb) { log('w _write', c.toString()); setImmediate(cb); },
    });
    const d = Duplex.from({ readable: r, writable: w });
    watch(w, 'w', ['drain', 'finish']);
    watch(d, 'd', ['drain', 'finish']);
    log('write a', d.write('a'));
    log('write b', d.write('b'));
    log('write c', d.write('c'));
    d.end();
    r.push(null);
    d.resume();
  });

// ---- Duplex with construct (node's test-stream-construct.js, the Duplex cases) -----------

S('dx52-construct-sync',
  "Duplex with construct calling back at once: a write and a read() made before it wait; the write goes first, the read ahead a tick later.",
  () => {
    const d = new Duplex({
      construct(cb) { log('construct'); cb(); },
      read() { log('_read'); this.push('r'); this.push(null); },
      write(c, e, cb) { log('_write', c.toString()); cb(); },
    });
    d.write('w');
    log('read() ->', d.read());
    tick('tick');
    watch(d, 'd', ['data', 'end', 'finish', 'close']);
    d.end();
  });

S('dx53-construct-error',
  "construct fails: 'error' then 'close'; neither _read nor _write runs; the write callback gets the error.",
  () => {
    const d = new Duplex({
      construct(cb) { log('construct'); setImmediate(() => cb(Object.assign(new Error('c'), { code: 'E_CONSTRUCT' }))); },
      read() { log('_read'); },
      write(c, e, cb) { log('_write'); cb(); },
    });
    d.write('w', (err) => log('write cb', errc(err)));
    d.resume();
    watch(d, 'd', ['error', 'close', 'end', 'finish']);
  });

S('dx54-destroy-before-construct-done',
  "destroy() while construct is pending: _destroy waits for construct, then 'close'; no _read.",
  () => {
    const d = new Duplex({
      construct(cb) { log('construct'); setImmediate(() => { log('construct cb'); cb(); }); },
      read() { log('_read'); },
      write(c, e, cb) { log('_write'); cb(); },
      destroy(err, cb) { log('_destroy', errc(err)); cb(err); },
    });
    watch(d, 'd', ['error', 'close']);
    d.resume();
    d.destroy();
    log('destroyed', d.destroyed);
  });

S('dx55-construct-async-then-flow',
  "construct calls back on setImmediate; a 'data' listener added before it: the flow starts after construct.",
  () => {
    let n = 0;
    const d = new Duplex({
      construct(cb) { log('construct'); setImmediate(() => { log('construct cb'); cb(); }); },
      read() { n++; log('_read', n); this.push(n < 3 ? `c${n}` : null); },
      write(c, e, cb) { cb(); },
    });
    watch(d, 'd', ['data', 'end']);
    imm('imm');
  });

// ---- Readable.from (rf): Node's test-readable-from*.js for synchronous iterables ----------

S('rf01-from-array-flowing',
  "Readable.from([1, 2, 3]) with a 'data' listener: values, 'end', 'close' among ticks.",
  () => {
    const r = Readable.from([1, 2, 3]);
    log('hwm', r.readableHighWaterMark, 'objectMode', r.readableObjectMode);
    r.on('data', (d) => { log('data', d); tick(`tick after ${d}`); });
    watch(r, 'r', ['end', 'close']);
    tick('tick0');
    imm('imm');
  });

S('rf02-from-array-paused',
  "Readable.from(array) read in 'readable' (paused mode): one value per read.",
  () => {
    const r = Readable.from(['a', 'b', 'c']);
    r.on('readable', () => {
      let v;
      while ((v = r.read()) !== null) log('read', v);
      log('readable done, len', r.readableLength);
    });
    watch(r, 'r', ['end', 'close']);
  });

S('rf03-from-generator-lazy',
  'A generator is pulled only as the stream is read, one value ahead (high-water mark 1).',
  () => {
    let pulled = 0;
    function* gen() { for (let i = 0; i < 5; i++) { pulled++; yield i; } }
    const r = Readable.from(gen());
    log('pulled at start', pulled);
    imm('imm1');
    setImmediate(() => {
      log('read', r.read(), 'pulled', pulled);
      setImmediate(() => {
        log('read', r.read(), 'pulled', pulled, 'len', r.readableLength);
      });
    });
  });

S('rf04-from-with-options',
  'Readable.from(iterable, { highWaterMark: 3 }): the options replace the defaults.',
  () => {
    let pulled = 0;
    function* gen() { for (let i = 0; i < 10; i++) { pulled++; yield i; } }
    const r = Readable.from(gen(), { highWaterMark: 3 });
    log('hwm', r.readableHighWaterMark, 'objectMode', r.readableObjectMode);
    r.read(0);
    setImmediate(() => log('pulled', pulled, 'len', r.readableLength));
  });

S('rf05-from-destroy-returns-iterator',
  "Destroying mid-way lets the iterator go (its finally runs), then 'close'.",
  () => {
    function* gen() {
      try { for (let i = 0; ; i++) yield i; } finally { log('iterator finally'); }
    }
    const r = Readable.from(gen());
    r.on('data', (d) => {
      log('data', d);
      if (d === 1) { r.destroy(); log('destroyed', r.destroyed); }
    });
    watch(r, 'r', ['end', 'close', 'error']);
  });

S('rf06-from-empty',
  "Readable.from([]): 'end' then 'close', no data.",
  () => {
    const r = Readable.from([]);
    watch(r, 'r', ['data', 'end', 'close']);
    r.resume();
  });

S('rf07-from-pipe-into-object-writable',
  'Readable.from(array) piped into an object-mode Writable that completes on setImmediate.',
  () => {
    const r = Readable.from(['x', 'y', 'z']);
    const w = new Writable({
      objectMode: true,
      write(c, e, cb) { log('_write', c); setImmediate(cb); },
    });
    watch(w, 'w', ['finish', 'close']);
    watch(r, 'r', ['end', 'close']);
    r.pipe(w);
  });

S('rf08-from-pause-resume',
  "pause() in the first 'data' and resume() on setImmediate: the values keep their order.",
  () => {
    const r = Readable.from([1, 2, 3, 4]);
    r.on('data', (d) => {
      log('data', d, 'flowing', r.readableFlowing);
      if (d === 1) { r.pause(); setImmediate(() => { log('resume'); r.resume(); }); }
    });
    watch(r, 'r', ['pause', 'resume', 'end', 'close']);
  });

S('rf09-from-destroy-with-error',
  "destroy(err) from the first 'data': 'error' with err, then 'close'; the iterator goes.",
  () => {
    function* gen() {
      try { yield 'a'; yield 'b'; yield 'c'; } finally { log('iterator finally'); }
    }
    const r = Readable.from(gen());
    r.on('data', (d) => {
      log('data', d);
      if (d === 'a') r.destroy(Object.assign(new Error('stop'), { code: 'E_STOP' }));
    });
    watch(r, 'r', ['end', 'error', 'close']);
  });

S('rf10-from-async-iterator-break',
  "for-await over Readable.from(array), breaking out after the second value: 'close', no 'end'.",
  () => {
    const r = Readable.from([1, 2, 3, 4]);
    watch(r, 'r', ['end', 'close']);
    (async () => {
      for await (const v of r) {
        log('got', v);
        if (v === 2) break;
      }
      log('after loop, destroyed', r.destroyed);
    })();
  });

// ───────────────────────────── dx: Duplex ─────────────────────────────────────
// Ported from node's test/parallel/test-stream-duplex-*.js and the Duplex cases of
// destroy.js: one emitter, allowHalfOpen, readable:false/writable:false, one 'error' and
// one 'close', autoDestroy/emitClose, properties at chosen points, pipes into and out of a
// Duplex.

const { Duplex, Transform, PassThrough } = require('stream');

// Both sides' public flags in one line.
function dxSnap(d, label) {
  log(label, 'destroyed', d.destroyed, 'closed', d.closed, 'errored', errc(d.errored),
    'readable', d.readable, 'writable', d.writable, 'rEnded', d.readableEnded,
    'wEnded', d.writableEnded, 'wFinished', d.writableFinished);
}

// A Duplex with a passive _read whose _write logs "_write <chunk>" and completes at once
// (slow: on setImmediate).
function dxLogged(opts = {}, slow = false) {
  return new Duplex({
    read() {},
    write(c, e, cb) { log('_write', c.toString()); if (slow) setImmediate(cb); else cb(); },
    ...opts,
  });
}

S('dx01-halfopen-both-sides-end',
  "allowHalfOpen (default): write, push, end(chunk), push(null): 'prefinish'/'finish' and 'end' each once, then one 'close'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['data', 'prefinish', 'finish', 'end', 'close']);
    d.write('a');
    d.push('x');
    d.end('b');
    d.push(null);
    log('sync-end', 'allowHalfOpen', d.allowHalfOpen);
  });

S('dx02-halfopen-readable-end-only',
  "allowHalfOpen: the readable side ending leaves the writable side open (no 'finish', no 'close') until end().",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['end', 'prefinish', 'finish', 'close']);
    d.resume();
    d.push(null);
    setImmediate(() => { dxSnap(d, 'after end'); d.end(); dxSnap(d, 'after end()'); });
  });

S('dx03-no-halfopen-end-ends-writable',
  "allowHalfOpen:false: 'end' makes the stream call end() on the next tick; 'finish' then 'close'.",
  () => {
    const d = dxLogged({ allowHalfOpen: false });
    watch(d, 'd', ['end', 'prefinish', 'finish', 'close']);
    d.on('end', () => { dxSnap(d, 'at end'); tick('tick after end'); });
    d.write('a');
    d.resume();
    d.push(null);
    log('allowHalfOpen', d.allowHalfOpen);
  });

S('dx04-no-halfopen-pending-async-write',
  "allowHalfOpen:false with a write in flight when 'end' comes: 'finish' waits for the write; 'close' after it.",
  () => {
    const d = dxLogged({ allowHalfOpen: false }, true);
    watch(d, 'd', ['end', 'finish', 'close']);
    d.write('a', (e) => log('write-cb', errc(e)));
    d.resume();
    d.push(null);
  });

S('dx05-no-halfopen-end-called-first',
  "allowHalfOpen:false after end(cb): 'end' finds the writable side ended and does not end it again.",
  () => {
    const d = dxLogged({ allowHalfOpen: false });
    watch(d, 'd', ['end', 'prefinish', 'finish', 'close', 'error']);
    d.end('a', (e) => log('end-cb', errc(e)));
    setImmediate(() => { dxSnap(d, 'after finish'); d.resume(); d.push(null); });
  });

S('dx06-halfopen-finish-first-close-waits',
  "allowHalfOpen: 'finish' first; the stream is not destroyed until the readable side emits 'end'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['finish', 'end', 'close']);
    d.end('a');
    setImmediate(() => {
      dxSnap(d, 'after finish');
      d.push('x');
      d.push(null);
      d.on('data', (c) => log('data', c));
    });
  });

S('dx07-readable-false',
  "readable:false: the readable side starts ended (readable false, readableEnded true); 'finish' then 'close'.",
  () => {
    const d = dxLogged({ readable: false });
    watch(d, 'd', ['end', 'finish', 'close']);
    dxSnap(d, 'created');
    d.write('a');
    d.end();
  });

S('dx08-readable-false-push',
  "readable:false: push() is a push after EOF: 'error' (ERR_STREAM_PUSH_AFTER_EOF) then 'close'.",
  () => {
    const d = dxLogged({ readable: false });
    watch(d, 'd', ['error', 'close']);
    log('push ->', d.push('x'));
    dxSnap(d, 'after push');
  });

S('dx09-writable-false',
  "writable:false: the writable side starts finished; the readable side's 'end' is followed by 'close'.",
  () => {
    const d = new Duplex({ writable: false, read() {} });
    watch(d, 'd', ['data', 'end', 'finish', 'close']);
    dxSnap(d, 'created');
    d.push('x');
    d.push(null);
  });

S('dx10-writable-false-write',
  "writable:false: write() is a write after end: false, cb(ERR_STREAM_WRITE_AFTER_END), 'error', 'close'.",
  () => {
    const d = new Duplex({ writable: false, read() {} });
    watch(d, 'd', ['error', 'close']);
    log('write ->', d.write('a', (e) => log('write-cb', errc(e))));
    dxSnap(d, 'after write');
  });

S('dx11-destroy-no-error',
  "destroy(): both sides destroyed at once; no 'end', no 'finish', one 'close' on the next tick.",
  () => {
    const d = dxLogged();
    d.resume();
    watch(d, 'd', ['end', 'finish', 'error', 'close']);
    d.write('a');
    d.destroy();
    dxSnap(d, 'after destroy');
    d.on('close', () => dxSnap(d, 'at close'));
  });

S('dx12-destroy-with-error',
  "destroy(err): errored at once; 'error' then 'close' on the next tick.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['end', 'finish', 'error', 'close']);
    d.destroy(new Error('E'));
    dxSnap(d, 'after destroy');
    d.on('error', () => dxSnap(d, 'at error'));
    d.on('close', () => dxSnap(d, 'at close'));
  });

S('dx13-destroy-twice-one-error-one-close',
  "destroy(e1), destroy(e2), destroy(e3) from 'error': one 'error' (e1), one 'close'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['error', 'close']);
    d.destroy(new Error('e1'));
    d.destroy(new Error('e2'));
    d.on('error', () => d.destroy(new Error('e3')));
    log('errored', errc(d.errored));
  });

S('dx14-destroy-in-_read',
  "_read destroying the stream with an error: 'error' then 'close'; the writable side is destroyed too.",
  () => {
    const d = new Duplex({
      read() { log('_read'); this.destroy(new Error('R')); },
      write(c, e, cb) { cb(); },
    });
    watch(d, 'd', ['end', 'finish', 'error', 'close']);
    d.resume();
    d.on('close', () => dxSnap(d, 'at close'));
  });

S('dx15-write-error-destroys-both',
  "_write calling back with an error: write-cb(err), one 'error', one 'close'; the readable side is gone too.",
  () => {
    const d = new Duplex({ read() {}, write(c, e, cb) { cb(new Error('W')); } });
    watch(d, 'd', ['data', 'end', 'error', 'close']);
    d.push('x');
    log('write ->', d.write('a', (e) => log('write-cb', errc(e))));
    d.on('close', () => dxSnap(d, 'at close'));
  });

S('dx16-final-error',
  "_final calling back with an error: end-cb(err), 'error', 'close'; no 'finish'.",
  () => {
    const d = new Duplex({
      read() {},
      write(c, e, cb) { cb(); },
      final(cb) { log('_final'); setImmediate(() => cb(new Error('F'))); },
    });
    watch(d, 'd', ['prefinish', 'finish', 'end', 'error', 'close']);
    d.end('a', (e) => log('end-cb', errc(e)));
  });

S('dx17-custom-destroy-swallows',
  "A _destroy calling back without the error: no 'error', one 'close'.",
  () => {
    const d = new Duplex({
      read() {},
      write(c, e, cb) { cb(); },
      destroy(err, cb) { log('_destroy', errc(err)); cb(); },
    });
    watch(d, 'd', ['end', 'finish', 'error', 'close']);
    d.resume();
    d.destroy(new Error('E'));
    dxSnap(d, 'after destroy');
  });

S('dx18-destroy-async-_destroy',
  "_destroy completing later: closed flips when it calls back; 'error' and 'close' the tick after.",
  () => {
    const d = new Duplex({
      read() {},
      write(c, e, cb) { cb(); },
      destroy(err, cb) { log('_destroy', errc(err)); setImmediate(() => { log('_destroy done'); cb(err); }); },
    });
    watch(d, 'd', ['error', 'close']);
    d.destroy(new Error('E'));
    dxSnap(d, 'after destroy');
    imm('imm');
  });

S('dx19-emitClose-false',
  "emitClose:false: both sides end, the stream is destroyed, no 'close'.",
  () => {
    const d = dxLogged({ emitClose: false });
    watch(d, 'd', ['finish', 'end', 'close']);
    d.resume();
    d.end('a');
    d.push(null);
    setImmediate(() => dxSnap(d, 'later'));
  });

S('dx20-autoDestroy-false',
  "autoDestroy:false: both sides end, nothing destroyed; an explicit destroy() emits 'close'.",
  () => {
    const d = dxLogged({ autoDestroy: false });
    watch(d, 'd', ['finish', 'end', 'close']);
    d.resume();
    d.end('a');
    d.push(null);
    setImmediate(() => { dxSnap(d, 'after both ends'); d.destroy(); dxSnap(d, 'after destroy'); });
  });

S('dx21-autoDestroy-false-write-error',
  "autoDestroy:false and a _write error: 'error' once, no 'close'; errored set, readable and writable false.",
  () => {
    const d = new Duplex({ autoDestroy: false, read() {}, write(c, e, cb) { cb(new Error('W')); } });
    watch(d, 'd', ['error', 'close']);
    d.write('a', (e) => log('write-cb', errc(e)));
    setImmediate(() => dxSnap(d, 'later'));
  });

S('dx22-end-then-push-null',
  "end() then push(null) in the same tick, flowing: 'prefinish', 'finish', 'end', then 'close'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['prefinish', 'finish', 'end', 'close']);
    d.resume();
    d.end();
    d.push(null);
    tick('tick');
  });

S('dx23-push-null-then-end',
  "push(null) then end() in the same tick, flowing: the same events as end() first.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['prefinish', 'finish', 'end', 'close']);
    d.resume();
    d.push(null);
    d.end();
    tick('tick');
  });

S('dx24-no-halfopen-push-null-then-end',
  "allowHalfOpen:false, push(null) then end(cb): 'end' finds the writable side ending; one 'finish', one 'close'.",
  () => {
    const d = dxLogged({ allowHalfOpen: false });
    watch(d, 'd', ['prefinish', 'finish', 'end', 'close', 'error']);
    d.resume();
    d.push(null);
    d.end((e) => log('end-cb', errc(e)));
  });

S('dx25-pipe-into-duplex',
  "A Readable piped into a Duplex: 'pipe', writes, 'unpipe', 'finish'; no 'close' until the readable side ends.",
  () => {
    const src = new Readable({ read() {} });
    src.__name = 'src';
    const d = dxLogged();
    watch(d, 'd', ['pipe', 'unpipe', 'finish', 'end', 'close']);
    src.pipe(d);
    src.push('a');
    src.push('b');
    src.push(null);
    setImmediate(() => { dxSnap(d, 'after finish'); d.resume(); d.push(null); });
  });

S('dx26-pipe-out-of-duplex',
  "A Duplex piped into a Writable: data written, dest 'finish' at the Duplex's 'end'; the Duplex closes only after end().",
  () => {
    const d = dxLogged();
    d.__name = 'd';
    const dst = new Writable({ write(c, e, cb) { log('dst _write', c.toString()); cb(); } });
    watch(dst, 'dst', ['pipe', 'unpipe', 'finish', 'close']);
    watch(d, 'd', ['end', 'finish', 'close']);
    d.pipe(dst);
    d.push('x');
    d.push('y');
    d.push(null);
    setImmediate(() => { dxSnap(d, 'after end'); d.end(); });
  });

S('dx27-pipe-through-echo-duplex',
  "src.pipe(echo).pipe(dst): the Duplex pushes what is written (upper-cased) and ends its readable side in _final.",
  () => {
    const src = new Readable({ read() {} });
    const d = new Duplex({
      read() {},
      write(c, e, cb) { log('echo _write', c.toString()); this.push(c.toString().toUpperCase()); cb(); },
      final(cb) { log('echo _final'); this.push(null); cb(); },
    });
    const dst = new Writable({ write(c, e, cb) { log('dst _write', c.toString()); setImmediate(cb); } });
    watch(d, 'echo', ['finish', 'end', 'close']);
    watch(dst, 'dst', ['finish', 'close']);
    src.pipe(d).pipe(dst);
    src.push('ab');
    src.push('cd');
    src.push(null);
  });

S('dx28-props-walkthrough',
  "Both sides' flags at creation, after write, after end(), at 'finish', after push(null), at 'end' and at 'close'.",
  () => {
    const d = dxLogged({}, true);
    dxSnap(d, 'created');
    d.write('a');
    dxSnap(d, 'after write');
    d.end();
    dxSnap(d, 'after end()');
    d.on('finish', () => {
      dxSnap(d, 'at finish');
      d.push(null);
      dxSnap(d, 'after push(null)');
      d.resume();
    });
    d.on('end', () => dxSnap(d, 'at end'));
    d.on('close', () => dxSnap(d, 'at close'));
  });

S('dx29-object-mode-one-side',
  'readableObjectMode only: numbers come out as values, the writable side takes bytes; each side reports its mode.',
  () => {
    const d = new Duplex({
      readableObjectMode: true,
      read() {},
      write(c, e, cb) { log('_write', c.toString(), e, c.length); this.push(c.length); cb(); },
    });
    log('readableObjectMode', d.readableObjectMode, 'writableObjectMode', d.writableObjectMode);
    watch(d, 'd', ['data', 'finish']);
    d.write('abc');
    d.write('de');
    d.push(0);
    d.end();
  });

S('dx30-hwm-options',
  'highWaterMark sets both sides and wins over the sides own; readable/writableHighWaterMark set one side; write() false at the writable mark.',
  () => {
    const cases = [
      ['r5 w7', { readableHighWaterMark: 5, writableHighWaterMark: 7 }],
      ['hwm3 r5', { highWaterMark: 3, readableHighWaterMark: 5 }],
      ['obj', { objectMode: true }],
      ['wobj r100', { writableObjectMode: true, readableHighWaterMark: 100 }],
      ['robj w9', { readableObjectMode: true, writableHighWaterMark: 9 }],
    ];
    for (const [label, o] of cases) {
      const d = new Duplex({ ...o, read() {}, write(c, e, cb) { cb(); } });
      log(label, 'readableHighWaterMark', d.readableHighWaterMark, 'writableHighWaterMark', d.writableHighWaterMark);
    }
    const d = dxLogged({ writableHighWaterMark: 2 }, true);
    log('write a ->', d.write('a'), 'write b ->', d.write('b'), 'len', d.writableLength, 'needDrain', d.writableNeedDrain);
    d.on('drain', () => log('drain'));
  });

S('dx31-write-after-end',
  "write() after end(): cb(ERR_STREAM_WRITE_AFTER_END), one 'error', one 'close'; the readable side is destroyed too.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['finish', 'error', 'close']);
    d.end();
    log('write ->', d.write('x', (e) => log('write-cb', errc(e))));
    d.on('close', () => dxSnap(d, 'at close'));
  });

S('dx32-push-after-destroy',
  "push() on a destroyed Duplex returns false and emits nothing; write() gets ERR_STREAM_DESTROYED.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['data', 'error', 'close']);
    d.destroy();
    log('push ->', d.push('x'), 'readableLength', d.readableLength);
    log('write ->', d.write('y', (e) => log('write-cb', errc(e))));
  });

S('dx33-destroy-in-data-listener',
  "destroy() in the first 'data' of two buffered chunks: the second is not emitted; 'close' follows.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['end', 'error', 'close']);
    d.push('a');
    d.push('b');
    d.on('data', (c) => { log('data', c); d.destroy(); });
  });

S('dx34-no-halfopen-unconsumed-end',
  "allowHalfOpen:false, push(null) with nothing reading: no 'end' and the writable side stays open until a read().",
  () => {
    const d = dxLogged({ allowHalfOpen: false });
    watch(d, 'd', ['end', 'finish', 'close']);
    d.push(null);
    setImmediate(() => {
      dxSnap(d, 'before read');
      log('read ->', d.read());
    });
  });

S('dx35-cork-writev',
  'A Duplex with _writev: corked writes go out in one _writev at uncork().',
  () => {
    const d = new Duplex({
      read() {},
      write(c, e, cb) { log('_write', c.toString()); cb(); },
      writev(chunks, cb) { log('_writev', chunks.map((x) => x.chunk.toString()).join(',')); cb(); },
    });
    d.cork();
    d.write('a');
    d.write('b');
    log('corked', d.writableCorked, 'len', d.writableLength);
    d.uncork();
    d.write('c');
    log('after uncork');
  });

S('dx36-readable-event-and-read',
  "'readable' and read() on a Duplex: one chunk per 'readable', then null and 'end'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['end', 'close']);
    d.on('readable', () => {
      let c;
      log('readable', 'len', d.readableLength);
      while ((c = d.read()) !== null) log('read', c);
    });
    d.push('ab');
    setImmediate(() => { d.push('cd'); setImmediate(() => { d.push(null); d.end(); }); });
  });

S('dx37-setEncoding',
  'setEncoding on a Duplex: a character split across two pushes comes out whole; readableEncoding reports it.',
  () => {
    const d = dxLogged();
    d.setEncoding('utf8');
    log('readableEncoding', d.readableEncoding);
    watch(d, 'd', ['data', 'end']);
    d.push(Buffer.from([0xe2, 0x82]));
    d.push(Buffer.from([0xac, 0x21]));
    d.push(null);
  });

S('dx38-writable-false-no-halfopen',
  "writable:false with allowHalfOpen:false: 'end' does not try to end the writable side; 'close' follows.",
  () => {
    const d = new Duplex({ writable: false, allowHalfOpen: false, read() {} });
    watch(d, 'd', ['end', 'prefinish', 'finish', 'error', 'close']);
    d.resume();
    d.push(null);
  });

S('dx39-destroy-error-no-listener',
  "destroy(err) on a Duplex with no 'error' listener: uncaught exception, and no 'close' after it.",
  () => {
    const d = dxLogged();
    d.on('close', () => log('d:close'));
    d.destroy(new Error('E'));
    imm('imm');
  });

// ───────────────────────────── tf: Transform, PassThrough ─────────────────────
// Ported from node's test/parallel/test-stream-transform-*.js,
// test-stream-passthrough-*.js and test-stream2-transform.js: sync and async callbacks,
// several pushes per chunk, callback(null, value), _flush, errors, object mode on either
// side, the high-water marks (readableHighWaterMark 0 too), backpressure between the two
// sides, destroy mid-way, push(null) inside _transform, PassThrough with bytes, objects,
// strings and encodings, and pipe chains.

// A Transform whose _transform logs "_transform <chunk> <enc>" and passes the chunk
// upper-cased, at once (slow: on setImmediate).
function tfUpper(opts = {}, slow = false) {
  return new Transform({
    transform(c, e, cb) {
      log('_transform', c.toString(), e);
      const out = c.toString().toUpperCase();
      if (slow) setImmediate(() => cb(null, out)); else cb(null, out);
    },
    ...opts,
  });
}

S('tf01-sync-transform',
  "Synchronous _transform with callback(null, value): 'data' per chunk, 'prefinish', 'finish', 'end', 'close'.",
  () => {
    const t = tfUpper();
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'close']);
    log('write ->', t.write('ab'));
    t.end('cd');
    log('sync-end');
  });

S('tf02-async-transform',
  'Asynchronous _transform: the next chunk waits for the callback; write callbacks in order; then finish and end.',
  () => {
    const t = tfUpper({}, true);
    watch(t, 't', ['data', 'finish', 'end', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    log('len', t.writableLength);
    t.end('c', (e) => log('end-cb', errc(e)));
  });

S('tf03-several-pushes-per-chunk',
  "_transform pushing each character then calling back: one 'data' per push, in order.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { for (const ch of c.toString()) this.push(ch); cb(); },
    });
    watch(t, 't', ['data', 'end']);
    t.write('abc');
    t.end('de');
  });

S('tf04-push-and-callback-value',
  'this.push(x) then callback(null, y): x before y; callback(null, null) pushes nothing.',
  () => {
    const t = new Transform({
      transform(c, e, cb) {
        this.push(`p${c}`);
        if (c.toString() === 'n') cb(null, null); else cb(null, `v${c}`);
      },
    });
    watch(t, 't', ['data', 'end']);
    t.write('1');
    t.write('n');
    t.end('2');
  });

S('tf05-flush-pushes-data',
  "_flush pushing one chunk and calling back with another: both before 'end'; 'finish' after the flush callback.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { cb(null, c); },
      flush(cb) { log('_flush'); this.push('F1'); cb(null, 'F2'); },
    });
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'close']);
    t.end('a', (e) => log('end-cb', errc(e)));
  });

S('tf06-flush-async',
  "_flush calling back later: no 'prefinish'/'finish' until then; the pushed chunk and 'end' after.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { cb(null, c); },
      flush(cb) { log('_flush'); setImmediate(() => { log('flush done'); cb(null, 'late'); }); },
    });
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'close']);
    t.end('a');
    imm('imm');
  });

S('tf07-flush-error',
  "_flush calling back with an error: end-cb(err), 'error', 'close'; no 'finish', no 'end'.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { cb(null, c); },
      flush(cb) { cb(new Error('FL')); },
    });
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'error', 'close']);
    t.end('a', (e) => log('end-cb', errc(e)));
  });

S('tf08-transform-error-sync',
  "_transform calling back with an error at once: write() false, write-cb(err), 'error', 'close'.",
  () => {
    const t = new Transform({ transform(c, e, cb) { cb(new Error('T')); } });
    watch(t, 't', ['data', 'finish', 'end', 'error', 'close']);
    log('write ->', t.write('a', (e) => log('write-cb', errc(e))));
    t.on('close', () => dxSnap(t, 'at close'));
  });

S('tf09-transform-error-async-buffered',
  "_transform failing later with writes buffered: every buffered callback gets the error, then 'error', 'close'.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { log('_transform', c.toString()); setImmediate(() => cb(new Error('T'))); },
    });
    watch(t, 't', ['error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    t.end((e) => log('end-cb', errc(e)));
  });

S('tf10-object-mode',
  'objectMode Transform: values in, values out (doubled), 0 included.',
  () => {
    const t = new Transform({ objectMode: true, transform(n, e, cb) { cb(null, n * 2); } });
    watch(t, 't', ['data', 'end']);
    for (const n of [0, 1, 21]) t.write(n);
    t.end();
    log('objectMode', t.readableObjectMode, t.writableObjectMode, 'hwm', t.readableHighWaterMark, t.writableHighWaterMark);
  });

S('tf11-readable-object-mode',
  'readableObjectMode only: bytes in, one number (the length) out per chunk; the flush pushes the total.',
  () => {
    let total = 0;
    const t = new Transform({
      readableObjectMode: true,
      transform(c, e, cb) { total += c.length; cb(null, c.length); },
      flush(cb) { cb(null, total); },
    });
    watch(t, 't', ['data', 'end']);
    t.write('abc');
    t.write(Buffer.from('de'));
    t.end();
  });

S('tf12-writable-object-mode',
  'writableObjectMode only: numbers in, their text out as bytes; the writable side counts objects.',
  () => {
    const t = new Transform({
      writableObjectMode: true,
      writableHighWaterMark: 2,
      transform(n, e, cb) { setImmediate(() => cb(null, `<${n}>`)); },
    });
    watch(t, 't', ['data', 'drain', 'end']);
    log('write 1 ->', t.write(1), 'write 2 ->', t.write(2), 'len', t.writableLength);
    t.end(3);
  });

S('tf13-backpressure-read-resumes',
  'Nobody reading: the readable side fills to its mark, the transform callback is held, the writable side buffers; read(n) lets it go.',
  () => {
    const t = new Transform({
      readableHighWaterMark: 4,
      writableHighWaterMark: 4,
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
    });
    t.on('drain', () => log('drain'));
    for (const c of ['ab', 'cd', 'ef', 'gh', 'ij']) {
      log('write', c, '->', t.write(c), 'wlen', t.writableLength, 'rlen', t.readableLength);
    }
    setImmediate(() => {
      log('later', 'wlen', t.writableLength, 'rlen', t.readableLength);
      const r = t.read(4);
      log('read(4)', r, 'wlen', t.writableLength, 'rlen', t.readableLength);
      setImmediate(() => {
        log('after read', 'wlen', t.writableLength, 'rlen', t.readableLength);
        log('read(4)', t.read(4), 'wlen', t.writableLength, 'rlen', t.readableLength);
      });
    });
  });

S('tf14-readable-hwm-zero-object',
  'objectMode highWaterMark 0 with an async callback: write() false, one value per read, drain after the read.',
  () => {
    const t = new Transform({
      objectMode: true, highWaterMark: 0,
      transform(c, e, cb) { process.nextTick(() => cb(null, c)); },
    });
    log('write 1 ->', t.write(1));
    t.on('drain', () => { log('drain'); log('write 2 ->', t.write(2)); t.end(); });
    t.once('readable', () => {
      log('readable');
      log('read', t.read());
      log('read', t.read());
      t.once('readable', () => { log('readable again'); log('read', t.read()); });
    });
    t.on('end', () => log('end'));
  });

S('tf15-readable-hwm-zero-sets-writable',
  'readableHighWaterMark 0 makes the writable mark 0 unless given; highWaterMark 0 sets both.',
  () => {
    const cases = [
      ['r0', { readableHighWaterMark: 0 }],
      ['r0 w5', { readableHighWaterMark: 0, writableHighWaterMark: 5 }],
      ['hwm0', { highWaterMark: 0 }],
      ['r666 w777', { readableHighWaterMark: 666, writableHighWaterMark: 777 }],
      ['obj r0', { objectMode: true, readableHighWaterMark: 0 }],
    ];
    for (const [label, o] of cases) {
      const t = new Transform({ ...o, transform(c, e, cb) { cb(null, c); } });
      log(label, 'readableHighWaterMark', t.readableHighWaterMark, 'writableHighWaterMark', t.writableHighWaterMark);
    }
  });

S('tf16-passthrough-hwm-zero-drain',
  "PassThrough highWaterMark 0: write() false; read() gives the chunk and 'drain' follows within it; a second read() is null.",
  () => {
    const pt = new PassThrough({ highWaterMark: 0 });
    pt.on('drain', () => log('drain'));
    log('write ->', pt.write('hello1'));
    log('read', pt.read());
    log('read', pt.read());
  });

S('tf17-destroy-mid-async-transform',
  "destroy() while a _transform is in flight: 'close'; its late callback pushes nothing; the buffered write's callback gets ERR_STREAM_DESTROYED.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { log('_transform', c.toString()); setImmediate(() => { log('late callback'); cb(null, c); }); },
    });
    watch(t, 't', ['data', 'end', 'finish', 'error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    tick('tick');
    process.nextTick(() => { t.destroy(); dxSnap(t, 'after destroy'); });
  });

S('tf18-push-null-inside-transform',
  "_transform pushing null: 'end' comes without end(); the write callback is deferred a tick; later writes still run _transform.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { log('_transform', c.toString()); this.push(c); this.push(null); cb(); },
    });
    watch(t, 't', ['data', 'end', 'finish', 'error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    tick('tick');
    setImmediate(() => {
      dxSnap(t, 'after end');
      t.write('b', (e) => log('cb b', errc(e)));
      t.end();
    });
  });

S('tf19-nexttick-callbacks-order',
  "objectMode, _transform and _flush calling back on process.nextTick: data, 'finish', end-cb, then the flush completes and 'end'.",
  () => {
    const t = new Transform({
      objectMode: true,
      transform(n, e, next) { log('_transform', n); this.push(n); process.nextTick(next); },
      flush(done) { log('_flush'); process.nextTick(() => { log('flush done'); done(); }); },
    });
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'close']);
    t.write(1);
    t.write(4);
    t.end(7, () => log('end-cb'));
  });

S('tf20-transform-callback-only-flush-sum',
  "A _transform that only counts (callback() with no value): no 'data' until _flush pushes the sum.",
  () => {
    let sum = 0;
    const t = new Transform({
      transform(c, e, cb) { sum += c.length; cb(); },
      flush(cb) { cb(null, `sum=${sum}`); },
    });
    watch(t, 't', ['data', 'finish', 'end']);
    t.write('abc');
    t.write('de');
    t.end();
  });

S('tf21-destroy-with-error',
  "Transform destroy(err): 'error' then 'close'; no 'finish', no 'end'; flags at 'close'.",
  () => {
    const t = tfUpper();
    t.resume();
    watch(t, 't', ['end', 'finish', 'error', 'close']);
    t.write('a');
    t.destroy(new Error('E'));
    t.on('close', () => dxSnap(t, 'at close'));
  });

S('tf22-custom-destroy',
  "A Transform's _destroy sees the error; calling back without it: no 'error', one 'close'.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { cb(null, c); },
      destroy(err, cb) { log('_destroy', errc(err)); cb(); },
    });
    watch(t, 't', ['error', 'close']);
    t.destroy(new Error('E'));
  });

S('tf23-write-after-end',
  "write() after end() on a Transform: cb(ERR_STREAM_WRITE_AFTER_END), 'error', 'close'; no 'finish', no 'end'.",
  () => {
    const t = tfUpper();
    watch(t, 't', ['data', 'finish', 'end', 'error', 'close']);
    t.end('a');
    log('write ->', t.write('b', (e) => log('write-cb', errc(e))));
  });

S('tf24-passthrough-bytes',
  'PassThrough of bytes: strings and Buffers come out as Buffers, in order; read(n) splits them.',
  () => {
    const pt = new PassThrough();
    pt.write('foog');
    pt.write(Buffer.from('bark'));
    pt.write('bazy');
    pt.write('kuel');
    pt.end();
    log('read(5)', pt.read(5));
    log('read(5)', pt.read(5));
    log('read(5)', pt.read(5));
    log('read(5)', pt.read(5));
    pt.on('end', () => log('end'));
    pt.resume();
  });

S('tf25-passthrough-objects',
  'PassThrough in objectMode: each value comes out as it went in.',
  () => {
    const pt = new PassThrough({ objectMode: true });
    watch(pt, 'pt', ['data', 'end', 'close']);
    pt.write('one');
    pt.write('');
    pt.write('three');
    pt.end('four');
  });

S('tf26-passthrough-decodeStrings-false',
  'PassThrough with decodeStrings:false: the string reaches _transform with its encoding and is pushed as utf8 text.',
  () => {
    const pt = new PassThrough({ decodeStrings: false });
    watch(pt, 'pt', ['data', 'end']);
    pt.write('abc');
    pt.write('6869', 'hex');
    pt.end();
  });

S('tf27-passthrough-setEncoding',
  "PassThrough with setEncoding: 'utf8' joins a split character; 'hex' gives text of the bytes.",
  () => {
    const a = new PassThrough();
    a.setEncoding('utf8');
    watch(a, 'utf8', ['data']);
    a.write(Buffer.from([0xe2, 0x82]));
    a.write(Buffer.from([0xac]));
    a.end();
    const b = new PassThrough();
    b.setEncoding('hex');
    watch(b, 'hex', ['data']);
    b.end('hi');
  });

S('tf28-passthrough-pipe-chain',
  "src.pipe(pt1).pipe(pt2).pipe(dst): the data and every stream's 'finish'/'end'/'close' in order.",
  () => {
    const src = new Readable({ read() {} });
    const pt1 = new PassThrough();
    const pt2 = new PassThrough();
    const dst = new Writable({ write(c, e, cb) { log('dst _write', c.toString()); cb(); } });
    watch(src, 'src', ['end', 'close']);
    watch(pt1, 'pt1', ['finish', 'end', 'close']);
    watch(pt2, 'pt2', ['finish', 'end', 'close']);
    watch(dst, 'dst', ['finish', 'close']);
    src.pipe(pt1).pipe(pt2).pipe(dst);
    src.push('a');
    src.push('b');
    src.push(null);
  });

S('tf29-pipe-through-slow-transform',
  'A Readable piped through an async Transform into a slow Writable: chunks are transformed one at a time, in order.',
  () => {
    const src = new Readable({ read() {} });
    const t = tfUpper({ highWaterMark: 2 }, true);
    const dst = new Writable({ highWaterMark: 2, write(c, e, cb) { log('dst _write', c.toString()); setImmediate(cb); } });
    watch(t, 't', ['finish', 'end', 'close']);
    watch(dst, 'dst', ['finish', 'close']);
    src.pipe(t).pipe(dst);
    for (const c of ['ab', 'cd', 'ef']) src.push(c);
    src.push(null);
  });

S('tf30-objectmode-falsey-values',
  'objectMode: callback(null, 0) and push(false)-like values come out; callback(null, null) pushes nothing.',
  () => {
    const t = new Transform({
      objectMode: true,
      transform(n, e, cb) { if (n < 0) cb(null, null); else cb(null, n); },
    });
    watch(t, 't', ['data', 'end']);
    for (const n of [0, -1, 0, 5]) t.write(n);
    t.end();
  });

S('tf31-destroy-inside-transform',
  "_transform destroying the stream and never calling back: the in-flight write's callback never runs; the next gets ERR_STREAM_DESTROYED.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { log('_transform', c.toString()); this.destroy(); },
    });
    watch(t, 't', ['data', 'error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    dxSnap(t, 'after writes');
  });

S('tf32-end-chunk-flush-order',
  "end(chunk, cb) with a _flush that pushes: the chunk's data, the flush data, 'prefinish', end-cb, 'finish', 'end', 'close'.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
      flush(cb) { log('_flush'); this.push('tail'); cb(); },
    });
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'close']);
    t.end('z', (e) => log('end-cb', errc(e)));
    log('sync-end');
  });

S('tf33-flush-skipped-after-destroy',
  'destroy() then end(cb): _flush never runs; the end callback is never called; one close.',
  () => {
    const t = new Transform({
      transform(c, e, cb) { cb(null, c); },
      flush(cb) { log('_flush NOT expected'); cb(); },
    });
    watch(t, 't', ['finish', 'end', 'error', 'close']);
    t.destroy();
    t.end((e) => log('end-cb', errc(e)));
  });

S('tf34-write-false-and-drain',
  "writableHighWaterMark 3 with an async _transform: write() false at the mark, 'drain' once the writes complete.",
  () => {
    const t = tfUpper({ writableHighWaterMark: 3 }, true);
    t.resume();
    watch(t, 't', ['drain', 'finish', 'end']);
    log('write ab ->', t.write('ab'), 'write cd ->', t.write('cd'), 'len', t.writableLength, 'needDrain', t.writableNeedDrain);
    t.on('drain', () => t.end());
  });

S('tf35-backpressure-data-listener-later',
  "Nobody reading: writes back up behind the full readable side; a 'data' listener added later drains everything.",
  () => {
    const t = new Transform({
      highWaterMark: 2,
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
    });
    const rets = ['a', 'b', 'c', 'd'].map((c) => t.write(c));
    log('writes', rets, 'wlen', t.writableLength, 'rlen', t.readableLength);
    t.end();
    setImmediate(() => {
      log('later', 'wlen', t.writableLength, 'rlen', t.readableLength);
      watch(t, 't', ['data', 'finish', 'end', 'close']);
    });
  });

S('tf36-errored-flags',
  "Flags of a Transform after a _transform error: at 'error' and at 'close'.",
  () => {
    const t = new Transform({ transform(c, e, cb) { setImmediate(() => cb(new Error('T'))); } });
    t.write('a');
    t.on('error', () => dxSnap(t, 'at error'));
    t.on('close', () => dxSnap(t, 'at close'));
  });

S('tf37-passthrough-objects-into-writable',
  'An object PassThrough piped into an object Writable: values in order, then finish on both.',
  () => {
    const pt = new PassThrough({ objectMode: true });
    const dst = new Writable({ objectMode: true, write(v, e, cb) { log('dst _write', v); setImmediate(cb); } });
    watch(pt, 'pt', ['end', 'finish', 'close']);
    watch(dst, 'dst', ['finish', 'close']);
    pt.pipe(dst);
    pt.write(1);
    pt.write(2);
    pt.end(3);
  });

S('tf38-readable-hwm-zero-bytes',
  "A byte Transform with readableHighWaterMark 0: every write() returns false; a 'data' listener takes each chunk and 'drain' follows.",
  () => {
    const t = new Transform({
      readableHighWaterMark: 0,
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
    });
    log('write a ->', t.write('a'), 'write b ->', t.write('b'), 'wlen', t.writableLength, 'rlen', t.readableLength);
    t.on('drain', () => { log('drain'); t.end(); });
    setImmediate(() => watch(t, 't', ['data', 'end']));
  });

S('dx40-writable-false-end-cb',
  "writable:false: end(cb) finds the side finished: cb(ERR_STREAM_ALREADY_FINISHED) on the next tick, no 'error'.",
  () => {
    const d = new Duplex({ writable: false, read() {} });
    watch(d, 'd', ['finish', 'error', 'close']);
    d.end((e) => log('end-cb', errc(e)));
    dxSnap(d, 'after end');
  });

S('dx41-destroy-in-end-no-halfopen',
  "allowHalfOpen:false, destroy() inside 'end': the scheduled end() of the writable side finds it destroyed; no 'finish'.",
  () => {
    const d = dxLogged({ allowHalfOpen: false });
    watch(d, 'd', ['end', 'prefinish', 'finish', 'error', 'close']);
    d.on('end', () => d.destroy());
    d.write('a', (e) => log('write-cb', errc(e)));
    d.resume();
    d.push(null);
  });

S('dx42-destroy-in-finish-buffered-readable',
  "destroy() inside 'finish' while the readable side still holds data: no 'data', no 'end', one 'close'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['finish', 'end', 'close']);
    d.push('x');
    d.push(null);
    d.on('finish', () => { log('rlen', d.readableLength); d.destroy(); log('read ->', d.read()); });
    d.end();
  });

S('dx43-error-after-readable-ended',
  "The readable side has emitted 'end' (half-open) when _write fails: one 'error', one 'close'.",
  () => {
    const d = new Duplex({ read() {}, write(c, e, cb) { setImmediate(() => cb(new Error('W'))); } });
    watch(d, 'd', ['end', 'finish', 'error', 'close']);
    d.resume();
    d.push(null);
    d.on('end', () => d.write('a', (e) => log('write-cb', errc(e))));
  });

S('dx44-push-after-eof-pending-writes',
  "push() after push(null) on a Duplex with writes in flight: ERR_STREAM_PUSH_AFTER_EOF destroys both sides; the buffered write's callback gets that error.",
  () => {
    const d = dxLogged({}, true);
    watch(d, 'd', ['error', 'close']);
    d.write('a', (e) => log('cb a', errc(e)));
    d.write('b', (e) => log('cb b', errc(e)));
    d.push(null);
    d.push('late');
    dxSnap(d, 'after push');
  });

S('dx45-autoDestroy-false-readable-error',
  "autoDestroy:false and a push after EOF: 'error' once, errored on both sides, no 'close'; a write then fails.",
  () => {
    const d = dxLogged({ autoDestroy: false });
    watch(d, 'd', ['error', 'close']);
    d.push(null);
    d.push('late');
    dxSnap(d, 'after push');
    setImmediate(() => {
      dxSnap(d, 'later');
      log('write ->', d.write('x', (e) => log('write-cb', errc(e))));
    });
  });

S('dx46-pipe-into-duplex-end-false',
  "src.pipe(d, { end: false }): no 'finish' at the source's end; d.end() later finishes it.",
  () => {
    const src = new Readable({ read() {} });
    const d = dxLogged();
    watch(d, 'd', ['finish', 'end', 'close']);
    src.pipe(d, { end: false });
    src.push('a');
    src.push(null);
    src.on('end', () => setImmediate(() => { dxSnap(d, 'after src end'); d.end(); d.push(null); d.resume(); }));
  });

S('dx47-pause-resume-flowing',
  "pause() in 'data' stops the flow (readableFlowing false), resume() on an immediate restarts it; 'end' after all.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['pause', 'resume', 'end']);
    d.on('data', (c) => {
      log('data', c, 'flowing', d.readableFlowing);
      if (c.toString() === 'a') { d.pause(); setImmediate(() => { log('resume now', d.isPaused()); d.resume(); }); }
    });
    d.push('a');
    d.push('b');
    d.push(null);
  });

S('tf39-pipe-into-transform-that-ends',
  "A Transform pushing null on its first chunk, piped from a busy Readable: 'end' comes early and the source is left paused.",
  () => {
    let loops = 5;
    const src = new Readable({
      highWaterMark: 16 * 1024,
      read() { if (loops--) { log('src _read', loops); this.push(Buffer.alloc(20000)); } },
    });
    const t = new Transform({
      highWaterMark: 16 * 1024,
      transform(chunk, enc, cb) { log('_transform', chunk.length); this.push(null); cb(); },
    });
    src.pipe(t);
    t.on('data', () => log('NOT expected data'));
    t.on('end', () => log('t:end', 'loops', loops, 'src paused', src.isPaused()));
  });

S('tf40-destroy-during-async-flush',
  "destroy() while _flush is pending: its late callback pushes nothing; no 'prefinish', 'finish' or 'end'; the end callback is never called.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { cb(null, c); },
      flush(cb) {
        log('_flush');
        process.nextTick(() => { t.destroy(); dxSnap(t, 'after destroy'); });
        setImmediate(() => { log('flush done'); cb(null, 'late'); });
      },
    });
    watch(t, 't', ['data', 'prefinish', 'finish', 'end', 'error', 'close']);
    t.end('a', (e) => log('end-cb', errc(e)));
  });

S('tf41-destroy-with-held-callback',
  "destroy() while a transform callback is held (readable side full): the held write never completes, so the buffered writes' callbacks are never called either; one 'close'.",
  () => {
    const t = new Transform({
      highWaterMark: 1,
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
    });
    watch(t, 't', ['error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    t.write('c', (e) => log('cb c', errc(e)));
    setImmediate(() => {
      log('wlen', t.writableLength, 'rlen', t.readableLength);
      t.destroy();
      dxSnap(t, 'after destroy');
    });
  });

S('tf42-end-releases-held-callbacks',
  "After end(), a chunk transformed while the readable side is full completes at once (wState.ended): one read lets every chunk through, and the end callback runs before anyone reads them.",
  () => {
    const t = new Transform({
      highWaterMark: 2,
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
    });
    for (const c of ['ab', 'cd', 'ef', 'gh']) t.write(c, () => log('cb', c));
    t.end(() => log('end-cb'));
    setImmediate(() => {
      log('before read', 'wlen', t.writableLength, 'rlen', t.readableLength);
      log('read(2)', t.read(2));
      log('after read', 'wlen', t.writableLength, 'rlen', t.readableLength);
      setImmediate(() => {
        t.on('data', (c) => log('data', c));
        t.on('end', () => log('end'));
      });
    });
  });

S('tf43-passthrough-end-before-pipe',
  "PassThrough ended before anyone reads, then piped: the buffered data flows and the destination finishes.",
  () => {
    const pt = new PassThrough();
    watch(pt, 'pt', ['finish', 'end', 'close']);
    pt.write('a');
    pt.end('b');
    setImmediate(() => {
      dxSnap(pt, 'before pipe');
      const dst = new Writable({ write(c, e, cb) { log('dst _write', c.toString()); cb(); } });
      watch(dst, 'dst', ['finish', 'close']);
      pt.pipe(dst);
    });
  });

S('tf44-flush-pushes-many-object-hwm1',
  "objectMode highWaterMark 1, _flush pushing three values with nobody reading: all buffered; 'end' only after a consumer comes.",
  () => {
    const t = new Transform({
      objectMode: true, highWaterMark: 1,
      transform(n, e, cb) { cb(); },
      flush(cb) { log('push ->', this.push(1), this.push(2), this.push(3)); cb(); },
    });
    watch(t, 't', ['finish', 'end', 'close']);
    t.end(0);
    setImmediate(() => {
      log('rlen', t.readableLength, 'ended', t.readableEnded);
      t.on('data', (v) => log('data', v));
    });
  });

S('tf45-transform-error-after-push-null',
  "_transform pushing null then calling back with an error: 'end' is not emitted; 'error' then 'close'.",
  () => {
    const t = new Transform({
      transform(c, e, cb) { this.push(c); this.push(null); cb(new Error('T')); },
    });
    watch(t, 't', ['data', 'end', 'finish', 'error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
  });

S('dx48-read-size-argument',
  "_read is called with the readable high-water mark; each push of a flowing Duplex calls it again until push(null).",
  () => {
    let n = 0;
    const d = new Duplex({
      readableHighWaterMark: 10,
      read(size) { log('_read', size); if (++n <= 2) this.push('x'.repeat(4)); else this.push(null); },
      write(c, e, cb) { cb(); },
    });
    watch(d, 'd', ['data', 'end', 'finish', 'close']);
    d.end();
  });

S('dx49-unshift',
  'unshift() on a Duplex puts a chunk back in front of what was pushed.',
  () => {
    const d = dxLogged();
    d.push('cd');
    log('unshift ->', d.unshift('ab'), 'len', d.readableLength);
    watch(d, 'd', ['data', 'end']);
    d.push(null);
  });

S('dx50-destroy-with-callback',
  "destroy(err, cb): cb(err) runs when _destroy completes, before 'error' and 'close'.",
  () => {
    const d = dxLogged();
    watch(d, 'd', ['error', 'close']);
    d.destroy(new Error('E'), (e) => log('destroy-cb', errc(e)));
    log('sync-end');
  });

S('dx51-object-duplex-echo-pipe',
  'An objectMode Duplex echoing values (doubled) into an object Writable, ending its readable side in _final.',
  () => {
    const d = new Duplex({
      objectMode: true,
      read() {},
      write(v, e, cb) { this.push(v * 2); cb(); },
      final(cb) { this.push(null); cb(); },
    });
    const dst = new Writable({ objectMode: true, write(v, e, cb) { log('dst _write', v); cb(); } });
    watch(d, 'd', ['finish', 'end', 'close']);
    watch(dst, 'dst', ['finish', 'close']);
    d.pipe(dst);
    d.write(1);
    d.write(2);
    d.end(3);
  });

S('tf46-no-halfopen-push-null-buffered-writes',
  "allowHalfOpen:false Transform pushing null on the second of three chunks: 'end' ends the writable side, and the third chunk's push is a push after EOF.",
  () => {
    const t = new Transform({
      allowHalfOpen: false,
      transform(c, e, cb) {
        log('_transform', c.toString());
        if (c.toString() === 'b') this.push(null); else this.push(c);
        cb();
      },
    });
    watch(t, 't', ['data', 'end', 'prefinish', 'finish', 'error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    t.write('c', (e) => log('cb c', errc(e)));
  });

S('tf47-passthrough-base64-encoding',
  'PassThrough with setEncoding(base64): text comes out in whole 3-byte groups; the rest at the end.',
  () => {
    const pt = new PassThrough();
    pt.setEncoding('base64');
    watch(pt, 'pt', ['data', 'end']);
    pt.write('a');
    pt.write('bc');
    pt.write('defg');
    pt.end();
  });

S('tf48-cork-transform',
  'cork() on a Transform: the writes wait; uncork() hands them to _transform one at a time (a Transform has no _writev).',
  () => {
    const t = tfUpper();
    watch(t, 't', ['data']);
    t.cork();
    t.write('a', () => log('cb a'));
    t.write('b', () => log('cb b'));
    log('corked', t.writableCorked, 'len', t.writableLength);
    t.uncork();
    log('after uncork');
  });

S('tf49-destroy-error-with-held-callback-and-end',
  "destroy(err) with a held transform callback, a buffered write and a pending end(cb): 'error' and 'close', and none of the callbacks runs.",
  () => {
    const t = new Transform({
      highWaterMark: 1,
      transform(c, e, cb) { log('_transform', c.toString()); cb(null, c); },
    });
    watch(t, 't', ['error', 'close']);
    t.write('a', (e) => log('cb a', errc(e)));
    t.write('b', (e) => log('cb b', errc(e)));
    t.end((e) => log('end-cb', errc(e)));
    setImmediate(() => t.destroy(new Error('E')));
  });

S('tf50-readable-event-object-split',
  "objectMode Transform pushing one value per character, read through 'readable' and read(): every value, then 'end'.",
  () => {
    const t = new Transform({
      objectMode: true,
      transform(s, e, cb) { for (const ch of s) this.push(ch); cb(); },
    });
    t.on('readable', () => {
      let v;
      while ((v = t.read()) !== null) log('read', v);
    });
    t.on('end', () => log('end'));
    t.write('ab');
    t.write('cde');
    t.end();
  });

// ───────────────────────────── fr: fs.ReadStream ─────────────────────────────
// fs.createReadStream over real files under os.tmpdir() (tmpPath), each removed by the
// scenario: 'open'/'ready' before the data, start/end ranges, the high-water mark as the
// read size, encodings, open and read errors, destroy before the open and mid-way, a
// caller's fd with autoClose off, pause/resume, pipe() and pipeline() into a write stream,
// an empty file. Fd numbers are never logged (they differ between runs), and nothing
// compares the worker pool's timing with setImmediate, whose order against it varies.

// Logs the events of a file read stream; 'data' as the chunk and bytesRead.
function watchRead(r, name, events) {
  for (const ev of events) {
    if (ev === 'open') r.on('open', (fd) => log(`${name}:open`, typeof fd, 'fd===r.fd', fd === r.fd, 'pending', r.pending));
    else if (ev === 'data') r.on('data', (d) => log(`${name}:data`, d, 'bytesRead', r.bytesRead));
    else if (ev === 'error') r.on('error', (e) => log(`${name}:error`, errc(e)));
    else r.on(ev, () => log(`${name}:${ev}`));
  }
}

S('fr01-readstream-event-order',
  "fs.createReadStream: 'open'(fd) and 'ready' after the first ticks, then 'data', 'end', 'close'; pending, fd and bytesRead along the way.",
  () => {
    const p = tmpPath('fr01');
    fs.writeFileSync(p, 'hello world');
    const r = fs.createReadStream(p);
    log('pending', r.pending, 'fd', r.fd, 'bytesRead', r.bytesRead, 'path ok', r.path === p);
    log('hwm', r.readableHighWaterMark, 'flowing', r.readableFlowing);
    watchRead(r, 'r', ['open', 'ready', 'data', 'end', 'close', 'error']);
    r.on('ready', () => tick('tick after ready'));
    r.on('close', () => {
      log('at close: pending', r.pending, 'fd', r.fd, 'destroyed', r.destroyed, 'closed', r.closed,
        'ended', r.readableEnded, 'bytesRead', r.bytesRead);
      fs.unlinkSync(p);
    });
    tick('tick');
  });

S('fr02-readstream-start-end',
  'start/end ranges (end inclusive): a middle range, start only, end 0, start past the end, one byte; start > end throws ERR_OUT_OF_RANGE.',
  () => {
    const p = tmpPath('fr02');
    fs.writeFileSync(p, '0123456789');
    try { fs.createReadStream(p, { start: 5, end: 2 }); } catch (e) { log('threw', e.code, e.message); }
    const ranges = [[2, 5], [7, undefined], [undefined, 0], [20, undefined], [3, 3]];
    series(
      ...ranges.map(([start, end]) => (next) => {
        const name = `[${start},${end}]`;
        const r = fs.createReadStream(p, { start, end });
        watchRead(r, name, ['data', 'end', 'error']);
        r.on('close', () => { log(`${name}:close bytesRead`, r.bytesRead); next(); });
      }),
      () => fs.unlinkSync(p),
    );
  });

S('fr03-readstream-hwm-chunks',
  'highWaterMark is the read size: 10 bytes at hwm 3 come as 3+3+3+1; the default is 64 KiB under every release.',
  () => {
    const p = tmpPath('fr03');
    fs.writeFileSync(p, 'abcdefghij');
    const d = fs.createReadStream(p);
    log('default hwm', d.readableHighWaterMark);
    d.destroy();
    const r = fs.createReadStream(p, { highWaterMark: 3 });
    log('hwm', r.readableHighWaterMark);
    watchRead(r, 'r', ['data', 'end', 'error']);
    r.on('close', () => { log('r:close bytesRead', r.bytesRead); fs.unlinkSync(p); });
  });

S('fr04-readstream-encoding',
  "encoding 'utf8' at hwm 2 joins characters split between reads (a read that ends mid-character emits nothing); 'hex' at hwm 4.",
  () => {
    const p = tmpPath('fr04');
    const q = tmpPath('fr04b');
    fs.writeFileSync(p, 'héllo wörld €');
    fs.writeFileSync(q, 'abcdef');
    series(
      (next) => {
        const r = fs.createReadStream(p, { encoding: 'utf8', highWaterMark: 2 });
        log('utf8 encoding', r.readableEncoding);
        r.on('data', (d) => log('utf8 data', typeof d, d));
        watchRead(r, 'utf8', ['end', 'error']);
        r.on('close', () => { log('utf8 bytesRead', r.bytesRead); next(); });
      },
      (next) => {
        const r = fs.createReadStream(q, { encoding: 'hex', highWaterMark: 4 });
        r.on('data', (d) => log('hex data', d));
        watchRead(r, 'hex', ['end', 'error']);
        r.on('close', next);
      },
      () => { fs.unlinkSync(p); fs.unlinkSync(q); },
    );
  });

S('fr05-readstream-enoent',
  "A missing file: 'error' ENOENT with Node's message, syscall, path and errno, then 'close'; no 'open'. With autoClose false: 'error' only.",
  () => {
    const missing = '/nonexistent/dir/file';
    series(
      (next) => {
        const r = fs.createReadStream(missing);
        watchRead(r, 'r', ['open', 'ready', 'data', 'end']);
        r.on('error', (e) => log('r:error', e.code, e.message, e.syscall, e.path, e.errno,
          'destroyed', r.destroyed, 'pending', r.pending));
        r.on('close', () => { log('r:close closed', r.closed, 'errored', errc(r.errored)); next(); });
      },
      () => {
        const r = fs.createReadStream(missing, { autoClose: false });
        watchRead(r, 'noclose', ['open', 'close']);
        r.on('error', (e) => {
          log('noclose:error', errc(e), 'destroyed', r.destroyed);
          tick('tick after error');
        });
      },
    );
  });

S('fr06-readstream-eisdir',
  "A directory opens, so 'open' and 'ready' come, then the first read fails: 'error' EISDIR (syscall read), then 'close'.",
  () => {
    const d = tmpPath('fr06');
    fs.mkdirSync(d);
    const r = fs.createReadStream(d);
    watchRead(r, 'r', ['open', 'ready', 'data', 'end']);
    r.on('error', (e) => log('r:error', e.code, e.message, e.syscall, 'path', e.path));
    r.on('close', () => { log('r:close pending', r.pending, 'bytesRead', r.bytesRead); fs.rmdirSync(d); });
    r.resume();
  });

S('fr07-readstream-destroy-before-open',
  "destroy() before the open completes: the file is still opened ('open' and 'ready' come, stream already destroyed), then closed: 'close'. No data, no 'end'.",
  () => {
    const p = tmpPath('fr07');
    fs.writeFileSync(p, 'data');
    const r = fs.createReadStream(p);
    for (const ev of ['open', 'ready', 'data', 'end', 'close']) {
      r.on(ev, () => {
        log(`r:${ev}`, 'pending', r.pending, 'destroyed', r.destroyed, 'closed', r.closed);
        if (ev !== 'data') tick(`tick after ${ev}`);
      });
    }
    r.on('error', (e) => log('r:error', errc(e)));
    r.destroy();
    log('after destroy: destroyed', r.destroyed, 'closed', r.closed, 'pending', r.pending);
    r.on('close', () => fs.unlinkSync(p));
  });

S('fr08-readstream-destroy-error-before-failed-open',
  "destroy(err) before an open that fails: 'error' carries the destroy's error (code EBOOM), then 'close'; no 'open'.",
  () => {
    const r = fs.createReadStream('/nonexistent/dir/file');
    watchRead(r, 'r', ['open', 'ready', 'data', 'end', 'close', 'error']);
    r.destroy(Object.assign(new Error('boom'), { code: 'EBOOM' }));
    log('errored', errc(r.errored), 'destroyed', r.destroyed);
  });

S('fr09-readstream-destroy-midway',
  "destroy() in the first 'data' listener: no more data, no 'end'; 'close' follows; bytesRead counts the one read.",
  () => {
    const p = tmpPath('fr09');
    fs.writeFileSync(p, 'aaaabbbbccccdddd');
    const r = fs.createReadStream(p, { highWaterMark: 4 });
    watchRead(r, 'r', ['end', 'error']);
    r.on('data', (d) => {
      log('r:data', d);
      r.destroy();
      log('destroyed', r.destroyed, 'aborted', r.readableAborted);
    });
    r.on('close', () => {
      log('r:close bytesRead', r.bytesRead, 'pending', r.pending, 'ended', r.readableEnded);
      fs.unlinkSync(p);
    });
  });

S('fr10-readstream-fd-autoclose-false',
  "Two streams over one caller's fd: the first (start 0, end 2, autoClose false) ends without 'close' and leaves the fd open; the second (start 3) reads the rest and closes it. No 'open'/'ready'.",
  () => {
    const p = tmpPath('fr10');
    fs.writeFileSync(p, 'abcdef');
    const fd = fs.openSync(p, 'r');
    const r1 = fs.createReadStream(null, { fd, start: 0, end: 2, autoClose: false });
    log('r1 pending', r1.pending);
    watchRead(r1, 'r1', ['open', 'ready', 'data', 'close', 'error']);
    r1.on('end', () => {
      log('r1:end destroyed', r1.destroyed, 'pending', r1.pending);
      let open = true;
      try { fs.fstatSync(fd); } catch (e) { open = false; }
      log('fd open after end', open);
      const r2 = fs.createReadStream(null, { fd, start: 3 });
      watchRead(r2, 'r2', ['open', 'ready', 'data', 'end', 'error']);
      r2.on('close', () => {
        let closed = false;
        try { fs.fstatSync(fd); } catch (e) { closed = e.code === 'EBADF'; }
        log('r2:close fd closed', closed);
        fs.unlinkSync(p);
      });
    });
  });

S('fr11-readstream-pause-resume',
  "pause() in the first 'data' listener stops the flow; resume() on the next tick restarts it: 'pause', 'resume', then the rest in order.",
  () => {
    const p = tmpPath('fr11');
    fs.writeFileSync(p, 'aaaabbbbcccc');
    const r = fs.createReadStream(p, { highWaterMark: 4 });
    let first = true;
    r.on('data', (d) => {
      log('r:data', d);
      if (first) {
        first = false;
        r.pause();
        log('paused', r.isPaused(), 'flowing', r.readableFlowing);
        process.nextTick(() => { log('resuming'); r.resume(); });
      }
    });
    watchRead(r, 'r', ['pause', 'resume', 'end', 'error']);
    r.on('close', () => { log('r:close bytesRead', r.bytesRead); fs.unlinkSync(p); });
  });

S('fr12-readstream-pipe-to-writestream',
  "rs.pipe(ws) between two files at hwm 5: each stream's events in order, the copy byte for byte.",
  () => {
    const a = tmpPath('fr12a');
    const b = tmpPath('fr12b');
    fs.writeFileSync(a, 'the quick brown fox jumps');
    const rs = fs.createReadStream(a, { highWaterMark: 5 });
    const ws = fs.createWriteStream(b);
    const re = []; const we = [];
    for (const ev of ['open', 'ready', 'end', 'close', 'error']) rs.on(ev, () => re.push(ev));
    rs.on('data', (d) => re.push(`data ${d}`));
    for (const ev of ['open', 'ready', 'pipe', 'unpipe', 'finish', 'close', 'error']) ws.on(ev, () => we.push(ev));
    let open = 2;
    const done = () => {
      if (--open) return;
      log('rs:', re.join(' | '));
      log('ws:', we.join(' | '));
      log('copy equal', fs.readFileSync(b, 'utf8') === fs.readFileSync(a, 'utf8'), 'bytesWritten', ws.bytesWritten);
      fs.unlinkSync(a); fs.unlinkSync(b);
    };
    rs.on('close', done);
    ws.on('close', done);
    log('pipe returns ws', rs.pipe(ws) === ws);
  });

S('fr13-readstream-empty-file',
  "An empty file: 'open', 'ready', then 'end' and 'close' with no 'data'; bytesRead 0.",
  () => {
    const p = tmpPath('fr13');
    fs.writeFileSync(p, '');
    const r = fs.createReadStream(p);
    watchRead(r, 'r', ['open', 'ready', 'data', 'end', 'error']);
    r.on('close', () => { log('r:close bytesRead', r.bytesRead, 'ended', r.readableEnded); fs.unlinkSync(p); });
    r.resume();
  });

S('fr14-readstream-readable-read',
  "Paused mode: each 'readable' (one per read at hwm 4) read() to null; readableLength; 'end' then 'close'.",
  () => {
    const p = tmpPath('fr14');
    fs.writeFileSync(p, '0123456789');
    const r = fs.createReadStream(p, { highWaterMark: 4 });
    r.on('readable', () => {
      let c;
      while ((c = r.read()) !== null) log('read', c, 'len', r.readableLength);
      log('readable done, bytesRead', r.bytesRead);
    });
    watchRead(r, 'r', ['end', 'error']);
    r.on('close', () => { log('r:close'); fs.unlinkSync(p); });
  });

S('fr15-readstream-read-error-autoclose-false',
  "autoClose false on a directory: 'open', 'ready', 'error' EISDIR and no 'close', the fd kept (pending false) until destroy(), then 'close'.",
  () => {
    const d = tmpPath('fr15');
    fs.mkdirSync(d);
    const r = fs.createReadStream(d, { autoClose: false });
    watchRead(r, 'r', ['open', 'ready', 'data', 'end']);
    r.on('error', (e) => {
      log('r:error', errc(e), 'destroyed', r.destroyed, 'pending', r.pending);
      process.nextTick(() => { log('destroying'); r.destroy(); });
    });
    r.on('close', () => { log('r:close pending', r.pending); fs.rmdirSync(d); });
    r.resume();
  });

S('fr16-readstream-pipeline-to-writestream',
  'stream.pipeline(fs.createReadStream, fs.createWriteStream): the callback gets null after both are done; the copy is exact.',
  () => {
    const a = tmpPath('fr16a');
    const b = tmpPath('fr16b');
    fs.writeFileSync(a, 'x'.repeat(100000));
    const rs = fs.createReadStream(a, { highWaterMark: 8192 });
    const ws = fs.createWriteStream(b);
    streamPipeline(rs, ws, (err) => {
      log('pipeline', errc(err), 'rs destroyed', rs.destroyed, 'ws finished', ws.writableFinished);
      log('bytesRead', rs.bytesRead, 'bytesWritten', ws.bytesWritten, 'equal', fs.readFileSync(b).equals(fs.readFileSync(a)));
      fs.unlinkSync(a); fs.unlinkSync(b);
    });
  });

S('fr17-readstream-pipeline-missing-source',
  'stream.pipeline from a missing file: the callback gets ENOENT and the write stream is destroyed.',
  () => {
    const b = tmpPath('fr17b');
    const rs = fs.createReadStream('/nonexistent/dir/file');
    const ws = fs.createWriteStream(b);
    streamPipeline(rs, ws, (err) => {
      log('pipeline', errc(err), 'rs destroyed', rs.destroyed, 'ws destroyed', ws.destroyed);
      ws.on('close', () => { try { fs.unlinkSync(b); } catch (e) { /* never created */ } });
      if (ws.closed) { try { fs.unlinkSync(b); } catch (e) { /* never created */ } }
    });
  });

module.exports = { scenarios, slowSink, syncSink };

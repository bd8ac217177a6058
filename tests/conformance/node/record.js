'use strict';
// Records the expected traces of the conformance suite from a node.
//
//   node tests/conformance/node/record.js            re-record every scenario
//   node tests/conformance/node/record.js NAME...    re-record the named scenarios only
//   node tests/conformance/node/record.js --check    compare with the committed files, write nothing
//   node tests/conformance/node/record.js --print NAME...   print traces, write nothing
//
// Which node runs the scenarios, and where its traces go:
//   --node PATH     the node binary at PATH
//   --node MAJOR    node MAJOR from the cache that fetch-node.js fills (fetched when missing)
//   (neither)       $CONFORMANCE_NODE (a path or a major) if set, else the node running this file
//   --out DIR       the trace directory, relative to tests/conformance/; by default `expected`
//                   for node v20 (the recorded baseline) and `expected-v<major>` for any other
//
// Each scenario runs in its own process (harness.js). Its trace goes to
// ../<out>/<name>.trace: one trace line per line, UTF-8, each line ending in "\n".
// A full re-record also deletes traces of scenarios that no longer exist; recording into
// `expected` also adds a `pending` line to ../status.txt for every new scenario.
const { execFile, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { scenarios } = require('./scenarios');
const { ensureNode, FetchError } = require('./fetch-node');

const BASELINE_MAJOR = 20;
const root = path.join(__dirname, '..');
const statusFile = path.join(root, 'status.txt');

const usage = () => {
  console.error('usage: record.js [--check | --print] [--node PATH|MAJOR] [--out DIR] [NAME...]');
  process.exit(2);
};
const args = process.argv.slice(2);
const flags = new Set();
const opts = {};
const names = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--node' || a === '--out') {
    if (i + 1 >= args.length) usage();
    opts[a.slice(2)] = args[++i];
  } else if (a === '--check' || a === '--print') {
    flags.add(a);
  } else if (a.startsWith('--')) {
    console.error(`unknown option ${a}`);
    usage();
  } else {
    names.push(a);
  }
}
const check = flags.has('--check');
const print = flags.has('--print');
for (const n of names) {
  if (!scenarios.some((s) => s.name === n)) {
    console.error(`unknown scenario ${n}`);
    process.exit(2);
  }
}
const selected = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;

// The node that runs the scenarios: a path, or a major fetched into the cache.
function resolveNode(spec) {
  if (!spec) return process.execPath;
  if (/^[1-9][0-9]*$/.test(spec)) {
    try {
      return ensureNode(spec);
    } catch (e) {
      if (!(e instanceof FetchError)) throw e;
      console.error(`record: cannot get node ${spec}: ${e.message}`);
      process.exit(3);
    }
  }
  if (!fs.existsSync(spec)) {
    console.error(`record: no node binary at ${spec}`);
    process.exit(2);
  }
  return path.resolve(spec);
}
const nodePath = resolveNode(opts.node || process.env.CONFORMANCE_NODE);
const nodeVersion = nodePath === process.execPath ? process.version
  : execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim();
const major = Number(nodeVersion.slice(1).split('.')[0]);
const outName = opts.out || (major === BASELINE_MAJOR ? 'expected' : `expected-v${major}`);
const expectedDir = path.resolve(root, outName);
const isBaseline = expectedDir === path.join(root, 'expected');
if (isBaseline && major !== BASELINE_MAJOR) {
  console.error(`record: expected/ holds node v${BASELINE_MAJOR}'s traces; node ${nodeVersion} records into expected-v${major}/ (or pass --out)`);
  process.exit(2);
}

function runOne(name) {
  return new Promise((resolve, reject) => {
    execFile(nodePath, ['--no-warnings', path.join(__dirname, 'harness.js'), name],
      { encoding: 'utf8', timeout: 60000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${name}: ${err.message}\n${stderr}`));
        let trace;
        try { trace = JSON.parse(stdout); } catch (e) { return reject(new Error(`${name}: bad output ${stdout}`)); }
        for (const line of trace) {
          if (/[\r\n]/.test(line)) return reject(new Error(`${name}: trace line contains a line break: ${JSON.stringify(line)}`));
        }
        resolve(trace);
      });
  });
}

// Runs the selected scenarios on a small pool of processes; results keep scenario order.
async function runAll(list) {
  const out = new Array(list.length);
  let next = 0;
  const workers = Math.max(1, Math.min(os.cpus().length, 4));
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < list.length) {
      const i = next++;
      out[i] = await runOne(list[i].name);
    }
  }));
  return out;
}

const toFile = (trace) => trace.map((l) => `${l}\n`).join('');
const fileOf = (name) => path.join(expectedDir, `${name}.trace`);

function statusNames() {
  if (!fs.existsSync(statusFile)) return new Set();
  return new Set(fs.readFileSync(statusFile, 'utf8').split('\n')
    .map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[0]));
}

async function main() {
  const traces = await runAll(selected);
  if (print) {
    selected.forEach((s, i) => console.log(`# ${s.name}\n${toFile(traces[i])}`));
    return 0;
  }
  const known = new Set(scenarios.map((s) => s.name));
  const onDisk = fs.existsSync(expectedDir)
    ? fs.readdirSync(expectedDir).filter((f) => f.endsWith('.trace')).map((f) => f.slice(0, -6)) : [];
  const stale = names.length ? [] : onDisk.filter((n) => !known.has(n));

  if (check) {
    let bad = 0;
    selected.forEach((s, i) => {
      const want = fs.existsSync(fileOf(s.name)) ? fs.readFileSync(fileOf(s.name), 'utf8') : null;
      const got = toFile(traces[i]);
      if (want !== got) {
        bad++;
        console.log(`MISMATCH ${s.name}${want === null ? ' (no expected file)' : ''}`);
        const w = want === null ? [] : want.split('\n');
        const g = got.split('\n');
        for (let j = 0; j < Math.max(w.length, g.length); j++) {
          if (w[j] !== g[j]) { console.log(`  line ${j + 1}\n    recorded: ${JSON.stringify(w[j])}\n    node ${nodeVersion}: ${JSON.stringify(g[j])}`); break; }
        }
      }
    });
    for (const n of stale) { bad++; console.log(`STALE ${n}.trace: no such scenario`); }
    console.log(bad ? `${bad} problem(s) against ${outName}/ with node ${nodeVersion}` : `all ${selected.length} traces in ${outName}/ match node ${nodeVersion}`);
    return bad ? 1 : 0;
  }

  fs.mkdirSync(expectedDir, { recursive: true });
  let changed = 0;
  selected.forEach((s, i) => {
    const f = fileOf(s.name);
    const text = toFile(traces[i]);
    if (!fs.existsSync(f) || fs.readFileSync(f, 'utf8') !== text) {
      changed++;
      fs.writeFileSync(f, text);
      console.log(`wrote ${path.relative(process.cwd(), f)}`);
    }
  });
  for (const n of stale) { fs.unlinkSync(fileOf(n)); console.log(`removed stale ${n}.trace`); }
  const listed = isBaseline ? statusNames() : new Set(selected.map((s) => s.name));
  const added = selected.filter((s) => !listed.has(s.name)).map((s) => s.name);
  if (added.length) {
    fs.appendFileSync(statusFile, added.map((n) => `${n}  pending\n`).join(''));
    console.log(`added ${added.length} pending line(s) to status.txt`);
  }
  console.log(`${selected.length} scenarios recorded with node ${nodeVersion} into ${path.relative(process.cwd(), expectedDir) || '.'}, ${changed} changed`);
  if (stale.length && isBaseline) console.log('remove the stale names from status.txt too');
  return 0;
}

main().then((code) => process.exit(code), (e) => { console.error(e.message); process.exit(1); });

'use strict';
// Compares two directories of recorded traces, scenario by scenario.
//
//   node tests/conformance/node/compare.js expected expected-v26
//
// Directories are relative to tests/conformance/. Prints every scenario whose traces differ
// with the differing lines (`-` first directory, `+` second, numbered as in the files), then
// a count. Exit status 0 when the traces are identical, 1 when some differ, 2 on bad use.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const [a, b] = process.argv.slice(2);
if (!a || !b || process.argv.length !== 4) {
  console.error('usage: node tests/conformance/node/compare.js DIR_A DIR_B');
  process.exit(2);
}

function traces(dir) {
  const full = path.resolve(root, dir);
  if (!fs.existsSync(full)) {
    console.error(`compare: no directory ${full}`);
    process.exit(2);
  }
  const out = new Map();
  for (const f of fs.readdirSync(full).filter((n) => n.endsWith('.trace')).sort()) {
    const text = fs.readFileSync(path.join(full, f), 'utf8');
    out.set(f.slice(0, -6), text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  }
  return out;
}

// The lines of `x` and `y` that are not in their longest common subsequence, with line numbers.
function diffLines(x, y) {
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`  - ${i + 1}: ${x[i]}`);
      i++;
    } else {
      out.push(`  + ${j + 1}: ${y[j]}`);
      j++;
    }
  }
  return out;
}

const ta = traces(a);
const tb = traces(b);
let differ = 0;
for (const name of [...new Set([...ta.keys(), ...tb.keys()])].sort()) {
  if (!ta.has(name) || !tb.has(name)) {
    differ++;
    console.log(`${name}: only in ${ta.has(name) ? a : b}/`);
    continue;
  }
  const x = ta.get(name);
  const y = tb.get(name);
  if (x.length === y.length && x.every((l, k) => l === y[k])) continue;
  differ++;
  console.log(name);
  for (const l of diffLines(x, y)) console.log(l);
}
console.log(`${differ} of ${new Set([...ta.keys(), ...tb.keys()]).size} scenarios differ between ${a}/ and ${b}/`);
process.exit(differ ? 1 : 0);

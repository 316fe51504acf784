'use strict';
// Compiles apps/ and libs/ into dist/ once, before any suite runs: suites that start the built
// API, projector or CLI (several at a time when jest runs two workers) then find dist current
// and never compile into the same files at the same moment.
const { build } = require('../../scripts/build');

module.exports = async function globalSetup() {
  const { compiled, ms } = build();
  if (compiled) process.stderr.write(`\nbuilt ${compiled} file(s) with swc in ${ms} ms before the suites\n`);
};

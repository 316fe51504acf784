#!/usr/bin/env node
'use strict';
// Runs an app of the monorepo, compiling first the sources newer than their
// build. Build output goes to stderr so that commands printing data on stdout
// (`npm run -s token`, exports) stay clean.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const argv = process.argv.slice(2);
const buildOnly = argv[0] === '--build-only';
const [target, ...args] = buildOnly ? argv.slice(1) : argv;
// `api` runs the app's main; `api:demo/main` another entry of the same app.
const [app, entryName = 'main'] = target.split(':');
const entry = join(root, 'dist', 'apps', app, 'src', `${entryName}.js`);

// Compiles what changed since the last run (SWC, file by file: about a second from scratch;
// type checking is `npm run typecheck`). Its one line goes to stderr.
const { build } = require('./build');
if (buildOnly) {
  const { compiled, removed, ms } = build();
  if (compiled || removed) process.stderr.write(`built ${compiled} file(s) with swc in ${ms} ms\n`);
  process.exit(0);
}
// Before running an app, the build runs in a process of its own, and only when something changed: its
// compilers (SWC's native module, about 20 MB resident; TypeScript for the console, more) would
// otherwise stay loaded in the app's process for as long as it runs.
if (build({ check: true }).stale) {
  const built = spawnSync(process.execPath, [join(__dirname, 'build.js')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
process.argv = [process.argv[0], entry, ...args];
require(entry);

#!/usr/bin/env node
'use strict';
// Runs an app of the monorepo, building it first when its sources are newer than
// the build. Build output goes to stderr so that commands printing data on stdout
// (`npm run -s token`, exports) stay clean.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const argv = process.argv.slice(2);
const buildOnly = argv[0] === '--build-only';
const [target, ...args] = buildOnly ? argv.slice(1) : argv;
// `api` runs the app's main; `api:demo/main` another entry of the same app.
const [app, entryName = 'main'] = target.split(':');
const entry = join(root, 'dist', 'apps', app, 'src', `${entryName}.js`);

function newestSource(dir, newest = 0) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) newest = newestSource(path, newest);
    else if (/\.(ts|js|json)$/.test(name) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name)) newest = Math.max(newest, st.mtimeMs);
  }
  return newest;
}

const sources = Math.max(newestSource(join(root, 'apps')), newestSource(join(root, 'libs')));
if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
  process.stderr.write(`building ${app}…\n`);
  const nest = join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  const built = spawnSync(process.execPath, [nest, 'build', app], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
if (buildOnly) process.exit(0);
process.argv = [process.argv[0], entry, ...args];
require(entry);

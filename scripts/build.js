#!/usr/bin/env node
'use strict';
/**
 * The fast build behind `npm start`, `npm run cli` and the tests that run the
 * built apps: every source of apps/ and libs/ compiled file by file with SWC
 * (already a dependency, through jest) into dist/, in the layout `nest build`
 * (tsc) gives, in a second or two instead of about a minute.
 *
 * What it keeps from tsc: legacy decorators with their design-type metadata
 * (Nest's dependency injection reads it), CommonJS, ES2022, source maps, the
 * `@app/<lib>/…` aliases rewritten to relative paths, and the JSON files the
 * code imports. What it leaves out: type checking, which is `npm run
 * typecheck` (and `npm run build`, the full tsc build the Docker image uses).
 *
 * The console (apps/console) is built too, by scripts/build-console.js, as
 * browser ES modules into dist/console.
 *
 * Tests and test kits (`testing/` folders) are left out, as tsconfig.build.json
 * leaves them out of the tsc build. Only files newer than their output are compiled again; outputs whose source
 * is gone are removed, so a deleted module cannot be loaded from a stale dist.
 */
const { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const out = join(root, 'dist');
const SOURCE = /\.(ts|js)$/;
const SKIP = /\.(spec|int-spec|e2e-spec)\.ts$|\.d\.ts$/;

const options = (file) => ({
  filename: file,
  sourceMaps: true,
  sourceFileName: relative(dirname(target(file, '.js')), file),
  swcrc: false,
  jsc: {
    parser: { syntax: file.endsWith('.ts') ? 'typescript' : 'ecmascript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
    baseUrl: root,
    paths: {
      '@app/proof/*': ['./libs/proof/src/*'],
      '@app/domain/*': ['./libs/domain/src/*'],
      '@app/event-store/*': ['./libs/event-store/src/*'],
      '@app/projections/*': ['./libs/projections/src/*'],
      '@app/platform/*': ['./libs/platform/src/*'],
    },
  },
  module: { type: 'commonjs', strict: false, noInterop: false },
});

function target(file, ext) {
  return join(out, relative(root, file)).replace(/\.(ts|js|json)$/, ext);
}

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    // Test kits (given/when/then, fixtures) live in testing/ folders: the tests load them from source, dist never holds them.
    if (entry.isDirectory() && entry.name === 'testing') continue;
    // The console runs in the browser as ES modules: scripts/build-console.js builds it into dist/console.
    if (entry.isDirectory() && path === join(root, 'apps', 'console')) continue;
    if (entry.isDirectory()) {
      yield* sources(path);
    } else if ((SOURCE.test(entry.name) && !SKIP.test(entry.name)) || entry.name.endsWith('.json')) yield path;
  }
}

/**
 * Compiles what changed. `{ check: true }` compiles nothing: it only tells
 * whether a build would change dist/ (`{ stale }`), without loading a compiler.
 */
function build({ check = false } = {}) {
  const started = Date.now();
  let transformFileSync;
  const wanted = new Set();
  let compiled = 0;
  for (const top of ['apps', 'libs']) {
    for (const file of sources(join(root, top))) {
      const isJson = file.endsWith('.json');
      const dest = target(file, isJson ? '.json' : '.js');
      wanted.add(dest);
      if (!isJson) wanted.add(`${dest}.map`);
      if (existsSync(dest) && statSync(dest).mtimeMs >= statSync(file).mtimeMs) continue;
      if (check) return { stale: true };
      mkdirSync(dirname(dest), { recursive: true });
      if (isJson) copyFileSync(file, dest);
      else {
        // Loaded on the first file to compile: SWC's native module is about 20 MB resident.
        transformFileSync ??= require('@swc/core').transformFileSync;
        const { code, map } = transformFileSync(file, options(file));
        writeFileSync(dest, `${code}\n//# sourceMappingURL=${relative(dirname(dest), dest)}.map\n`);
        if (map) writeFileSync(`${dest}.map`, map);
      }
      compiled++;
    }
  }
  let removed = 0;
  for (const top of ['apps', 'libs']) {
    const dir = join(out, top);
    if (!existsSync(dir)) continue;
    for (const file of walk(dir)) {
      if (!wanted.has(file)) {
        if (check) return { stale: true };
        rmSync(file);
        removed++;
      }
    }
  }
  const web = require('./build-console').buildConsole({ check });
  if (check) return { stale: web.stale };
  return { compiled: compiled + web.compiled, removed: removed + web.removed, ms: Date.now() - started };
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

module.exports = { build };

if (require.main === module) {
  const { compiled, removed, ms } = build();
  process.stderr.write(`built dist/ with swc: ${compiled} file(s) compiled, ${removed} stale removed, ${ms} ms\n`);
}

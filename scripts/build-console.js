'use strict';
/**
 * Builds the console (apps/console) into dist/console: each TypeScript file of
 * apps/console/src transpiled by the TypeScript compiler, file by file, into a
 * native ES module the browser loads as is (no bundler), and the static files
 * of apps/console/public copied beside them. Like scripts/build.js it only
 * redoes what changed and removes outputs whose source is gone; type checking
 * is `npm run typecheck` (and `npm run build`), with apps/console/tsconfig.json.
 */
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const app = join(root, 'apps', 'console');
const out = join(root, 'dist', 'console');
const SKIP = /\.spec\.ts$|\.d\.ts$/;

function* walk(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function compilerOptions(ts) {
  const { config, error } = ts.readConfigFile(join(app, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(config, ts.sys, app).options;
}

/** As scripts/build.js's `build`: `{ check: true }` only tells whether something would change (`{ stale }`). */
function buildConsole({ check = false } = {}) {
  const started = Date.now();
  const wanted = new Set();
  let compiled = 0;
  let ts;
  let options;
  for (const file of walk(join(app, 'src'))) {
    if (!file.endsWith('.ts') || SKIP.test(file)) continue;
    const dest = join(out, relative(join(app, 'src'), file)).replace(/\.ts$/, '.js');
    wanted.add(dest);
    wanted.add(`${dest}.map`);
    if (existsSync(dest) && statSync(dest).mtimeMs >= statSync(file).mtimeMs) continue;
    if (check) return { stale: true };
    // Loaded on the first file to compile: a start with nothing changed does not pay for it.
    ts ??= require('typescript');
    options ??= compilerOptions(ts);
    const { outputText, sourceMapText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file, reportDiagnostics: false });
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, outputText);
    if (sourceMapText) writeFileSync(`${dest}.map`, sourceMapText);
    compiled++;
  }
  for (const file of walk(join(app, 'public'))) {
    const dest = join(out, relative(join(app, 'public'), file));
    wanted.add(dest);
    if (existsSync(dest) && statSync(dest).mtimeMs >= statSync(file).mtimeMs) continue;
    if (check) return { stale: true };
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(file, dest);
    compiled++;
  }
  let removed = 0;
  for (const file of walk(out)) {
    if (!wanted.has(file)) {
      if (check) return { stale: true };
      rmSync(file);
      removed++;
    }
  }
  if (check) return { stale: false };
  return { compiled, removed, ms: Date.now() - started };
}

module.exports = { buildConsole };

if (require.main === module) {
  const { compiled, removed, ms } = buildConsole();
  process.stderr.write(`built dist/console: ${compiled} file(s), ${removed} stale removed, ${ms} ms\n`);
}

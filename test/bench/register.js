'use strict';
/**
 * Lets plain `node` run the TypeScript benchmark after a bare `npm install`:
 * `.ts` files are compiled in memory by @swc/core with the settings jest uses
 * (legacy decorators + metadata, which NestJS needs), and the `@app/<lib>/<path>`
 * aliases resolve to `libs/<lib>/src/<path>` as in jest.config.js. No build step,
 * no dist/ that could be stale.
 */
const Module = require('node:module');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const root = join(__dirname, '..', '..');
const ALIAS = /^@app\/(proof|domain|event-store|projections|platform)\/(.*)$/;

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, parent, ...rest) {
  const m = ALIAS.exec(request);
  return originalResolve.call(this, m ? join(root, 'libs', m[1], 'src', m[2]) : request, parent, ...rest);
};

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  // Inline maps keep --cpu-prof profiles readable in TypeScript terms.
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const source = require('node:fs').readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
if (!process.execArgv.includes('--enable-source-maps')) process.setSourceMapsEnabled?.(true);

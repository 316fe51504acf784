#!/usr/bin/env node
'use strict';
/**
 * `node test/bench/start.js`: the operator-facing start-up figures, each
 * printed on its own line (performance is measured here, never asserted in a
 * test):
 *   - build: dist/ from scratch with scripts/build.js (SWC), what `npm start`,
 *     `npm run cli` and the process tests pay on a fresh clone;
 *   - first start: from no dist/ and no data directory to GET /health = 200,
 *     through scripts/launch.js as `npm start` runs it;
 *   - token: median wall time of `launch.js cli token` over 10 runs (npm's
 *     own start-up, ~0.2 s, comes on top with `npm run -s token`).
 * It moves dist/ aside for the first two and puts it back.
 */
const { spawn, spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, renameSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { createServer } = require('node:net');

const root = join(__dirname, '..', '..');
const launch = join(root, 'scripts', 'launch.js');
const dist = join(root, 'dist');

const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

async function firstStart() {
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-bench-start-'));
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, [launch, 'api'], { cwd: root, env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', DATABASE_URL: '' }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return Date.now() - started;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function tokenMedian(runs = 10) {
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-bench-token-'));
  const times = [];
  try {
    for (let i = 0; i < runs + 1; i++) {
      const started = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [launch, 'cli', 'token', '--sub', 'bench', '--role', 'admin'], { cwd: root, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (run.status !== 0) throw new Error(`token failed: ${run.stderr}`);
      if (i > 0) times.push(ms); // the first run creates the development key
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

async function main() {
  const aside = `${dist}.bench-aside-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, aside);
  try {
    const started = Date.now();
    const built = spawnSync(process.execPath, [join(root, 'scripts', 'build.js')], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(built.stderr);
    console.log(`build from scratch (scripts/build.js, swc): ${Date.now() - started} ms (${built.stderr.trim()})`);
    rmSync(dist, { recursive: true, force: true });
    console.log(`first start, no dist/ and no data directory, to GET /health 200: ${await firstStart()} ms`);
  } finally {
    rmSync(dist, { recursive: true, force: true });
    if (existsSync(aside)) renameSync(aside, dist);
  }
  const t = tokenMedian();
  console.log(`token (node scripts/launch.js cli token), 10 runs: median ${t.median.toFixed(0)} ms, min ${t.min.toFixed(0)} ms, max ${t.max.toFixed(0)} ms`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

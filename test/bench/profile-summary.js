#!/usr/bin/env node
'use strict';
/**
 * Where the API's CPU goes while the HTTP suite posts scores, from the V8 CPU
 * profile the bench writes with BENCH_PROFILE_DIR (docs/performance.md):
 *
 *   BENCH_PROFILE_DIR=/tmp/prof npm run bench -- --quick --only=http
 *   node test/bench/profile-summary.js /tmp/prof/CPU.*.0.001.cpuprofile /tmp/prof/CPU.*.1.002.cpuprofile
 *
 * The first file is the API's main thread (thread 0 in V8's file name), the
 * optional second one the read side's thread (thread 1, on a server database:
 * docs/projections.md "Where projections run"). Only the seconds in which the
 * score route runs on the main thread and the progress route does not are
 * counted (the scores phase, its one-second warm-up included), in both. Each sample goes to the first area, in
 * the order below, that a frame of its stack belongs to; a sample of a
 * callback whose caller is lost across an await lands in "other".
 */
const { readFileSync } = require('node:fs');

const AREAS = [
  ['projections (read models)', /\/projections\/src\//],
  ['ledger sealer', /\/ledger\/sealer|\/ledger\/ledger\.service/],
  ['personal data (vault, sealing texts)', /\/personal-data\//],
  ['event store (append, group commit)', /postgres-event-store|instrumented-event-store/],
  ['command (handler, runner, domain decision)', /score-criterion|command-runner|candidate-loading|stream-states|idempotency|\/domain\/src\//],
  ['authentication (token, guard)', /\/auth\//],
  ['validation (class-validator, class-transformer)', /class-validator|class-transformer|validation\.pipe/],
  ['Nest (router, pipes, interceptors, rxjs)', /@nestjs|\/rxjs\//],
  ['Fastify (routing, hooks, replies, body)', /\/fastify\/|find-my-way|\/http\/json-body|http-security/],
  ['metrics and logs', /prom-client|observability|pino/],
  ['pg driver (messages, rows)', /node_modules\/pg\/|pg-protocol|pg-pool/],
];

function graphOf(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackOf = (id) => {
    const urls = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) urls.push(byId.get(cur).callFrame.url);
    return urls;
  };
  // When each sample was taken, in the profiles' common clock (µs): the profile's start plus the deltas.
  let clock = profile.startTime ?? 0;
  const times = profile.samples.map((_, i) => (clock += profile.timeDeltas[i] ?? 0));
  return { byId, stackOf, times };
}

/** The seconds of `profile` (the API's main thread) in which the score route runs and the progress route does not, as [start, end) µs. */
function scoresWindows(profile) {
  const { stackOf, times } = graphOf(profile);
  const origin = profile.startTime ?? 0;
  const seconds = new Map();
  profile.samples.forEach((id, i) => {
    const s = Math.floor((times[i] - origin) / 1e6);
    const urls = stackOf(id);
    const o = seconds.get(s) ?? { score: 0, progress: 0 };
    // The route's own code running (not its module being loaded at start).
    if (urls.some((u) => u.includes('score-criterion')) && !urls.some((u) => u.startsWith('node:internal/modules'))) o.score++;
    if (urls.some((u) => u.includes('progress.controller'))) o.progress++;
    seconds.set(s, o);
  });
  return [...seconds].filter(([, o]) => o.score > 0 && o.progress === 0).map(([s]) => [origin + s * 1e6, origin + (s + 1) * 1e6]);
}

/**
 * Where `profile`'s samples go during `windows` (by default its own scores
 * phase; for the read side's thread, the main thread's: its profile has no
 * route of its own).
 */
function summarize(profile, windows = scoresWindows(profile)) {
  const { byId, stackOf, times } = graphOf(profile);
  const areas = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    if (!windows.some(([from, to]) => times[i] >= from && times[i] < to)) return;
    const d = profile.timeDeltas[i] ?? 0;
    total += d;
    const leaf = byId.get(id).callFrame;
    let area;
    if (leaf.functionName === '(idle)') area = 'idle (waiting for the database or the clients)';
    else if (leaf.functionName === '(garbage collector)') area = 'garbage collector';
    // The system call of a socket write: to the database or to a client (on a busy machine it also
    // holds the time the kernel gives the woken reader before returning).
    else if (leaf.functionName === 'writev' || leaf.functionName === 'writeBuffer') area = 'socket writes (system calls)';
    else {
      const urls = stackOf(id);
      area = AREAS.find(([, re]) => urls.some((u) => re.test(u)))?.[0] ?? 'other (Node core, microtasks)';
    }
    areas.set(area, (areas.get(area) ?? 0) + d);
  });
  return { seconds: windows.length, totalMs: total / 1000, areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, share: us / total })) };
}

if (require.main === module) {
  const [file, threadFile] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node test/bench/profile-summary.js <main thread .cpuprofile> [<read side thread .cpuprofile>]\n');
    process.exit(2);
  }
  const main = JSON.parse(readFileSync(file, 'utf8'));
  const windows = scoresWindows(main);
  if (windows.length === 0) {
    process.stderr.write('no second of this profile runs the score route alone: is it the API process of an HTTP run?\n');
    process.exit(1);
  }
  const table = (title, { areas }) => {
    process.stdout.write(`| ${title} | share |\n|---|---|\n`);
    for (const { area, share } of areas) process.stdout.write(`| ${area} | ${(100 * share).toFixed(1)} % |\n`);
  };
  const summary = summarize(main, windows);
  process.stdout.write(`scores phase: ${summary.seconds} s of profile, ${Math.round(summary.totalMs)} ms sampled\n\n`);
  table("where the API's time goes", summary);
  if (threadFile) {
    const thread = summarize(JSON.parse(readFileSync(threadFile, 'utf8')), windows);
    process.stdout.write(`\nthe read side's thread over the same seconds: ${Math.round(thread.totalMs)} ms sampled\n\n`);
    table("where the read side's thread's time goes", thread);
  }
}

module.exports = { summarize, scoresWindows };

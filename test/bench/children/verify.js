'use strict';
// Verifies one bundle in a process of its own, so that its peak RSS is the
// verifier's alone; prints { ok, events, ms, cpuMs, maxRssMb, heapMb } as JSON.
// cpuMs is the CPU time of all its threads (user + system): on a busy machine it moves
// much less than the elapsed time, so it is what tells whether a change to the verifier
// made it do less work.
const { readFileSync } = require('node:fs');
const { verifyBundle } = require('../../../libs/proof/src/verify-bundle');
const { rawPublicKey } = require('../../../libs/proof/src/witness');

const file = process.argv[2];
// Optional: a witness public key that must have cosigned (as verify --witness-key).
const witnessKeys = process.argv[3] ? [{ file: process.argv[3], raw: rawPublicKey(readFileSync(process.argv[3], 'utf8')) }] : undefined;
let peakHeap = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
verifyBundle(file, {
  witnessKeys,
  onProgress: (seq) => {
    if (seq % 10000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  },
}).then((result) => {
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({
    ok: result.ok,
    reason: result.ok ? undefined : result.reason,
    events: result.ok ? result.events : 0,
    cosignatures: result.ok ? result.cosignatures : 0,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapMb: Math.round(peakHeap / 1048576),
  }) + '\n');
});

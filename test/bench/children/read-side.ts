/**
 * Replays a loaded log through each read model the way a live runner applies
 * it while scores come in: batches of `batchSize` events (what 100 ms of
 * scores at the HTTP suite's rate make), the runner's state memo and its fold
 * states written behind (all written every fifty batches: five seconds of a
 * live runner's), into a new generation beside the live one. In a process of
 * its own, so that its CPU time is the replay's; PostgreSQL's CPU is that of
 * this process's connections (their application name). Each projection
 * replays the log twice and the second pass is reported (the first one warms
 * the code up).
 * Prints { events, batchSize, projections: [{ name, nodeUsPerEvent,
 * dbUsPerEvent, ms }] } as JSON; dbUsPerEvent is null when the server is
 * not on this machine.
 */
import { tmpdir } from 'node:os';
import { openDatabase } from '@app/event-store/database';
import { checkpointOf, LOG_START, StoredEvent } from '@app/event-store/event-store';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { DEFAULT_MEMO_ENTRIES, ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { StateMemo } from '@app/projections/engine/state-memo';
import { PROJECTION_INTERVAL_DEFAULT_MS, PROJECTION_STATES_EVERY_DEFAULT_MS } from '@app/platform/config';
import { PROJECTIONS } from '@app/projections/projections';
import { cpuBetween, round, serverCpuUs } from '../lib';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A batch stands for the live runner's least interval between two batches (PROJECTION_INTERVAL_DEFAULT_MS) of a steady flow of scores. */
const STATES_EVERY_BATCHES = PROJECTION_STATES_EVERY_DEFAULT_MS / PROJECTION_INTERVAL_DEFAULT_MS;

async function main(): Promise<void> {
  const [url, schema, appName, batchArg] = process.argv.slice(2);
  const batchSize = Number(batchArg);
  process.env.PGAPPNAME = appName;
  const db = await openDatabase({ url, dataDir: tmpdir(), schema, poolSize: 4, statementTimeoutMs: 600_000 });
  try {
    const store = new PostgresEventStore(db.pool, { signal: db.signal });
    const runtime = new ProjectionRuntime(db, store, PROJECTIONS, { logger: quiet });
    await runtime.init();
    // Read as a live runner reads (upcast, without metadata), before anything is measured.
    const log: StoredEvent[] = [];
    for (let after = LOG_START; ; ) {
      const batch = await store.readAll({ after, limit: 5000, upcast: true, metadata: false });
      if (batch.length === 0) break;
      log.push(...batch);
      after = checkpointOf(batch[batch.length - 1]);
    }
    const projections = [];
    for (const projection of PROJECTIONS) {
      let last = { nodeUs: 0, dbUs: null as number | null, ms: 0 };
      for (let pass = 0; pass < 2; pass++) {
        const target = await runtime.checkpoints.createGeneration(projection, { active: false });
        const memo = new StateMemo(DEFAULT_MEMO_ENTRIES);
        const db0 = await serverCpuUs(url, appName);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let checkpoint = LOG_START;
        for (let i = 0, batch = 1; i < log.length; i += batchSize, batch++) {
          // Fold states written behind are all written every PROJECTION_STATES_EVERY_DEFAULT_MS of the live runner's batches.
          const statesEveryMs = batch % STATES_EVERY_BATCHES === 0 ? 0 : Number.POSITIVE_INFINITY;
          checkpoint = await runtime.checkpoints.applyBatch(projection, target.generation, checkpoint, log.slice(i, i + batchSize), { requireActive: false, memo, statesEveryMs });
        }
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        const db1 = await serverCpuUs(url, appName);
        last = { nodeUs: cpu.user + cpu.system, dbUs: db0 && db1 ? cpuBetween(db0, db1) : null, ms };
        await runtime.checkpoints.dropGeneration(projection, target.generation);
      }
      projections.push({
        name: projection.name,
        nodeUsPerEvent: round(last.nodeUs / log.length, 1),
        dbUsPerEvent: last.dbUs === null ? null : round(last.dbUs / log.length, 1),
        ms: Math.round(last.ms),
      });
    }
    process.stdout.write(JSON.stringify({ events: log.length, batchSize, projections }) + '\n');
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

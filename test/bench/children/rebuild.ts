/**
 * Rebuilds the candidate progress read model of an existing schema through the
 * projection engine's rebuild API, in a process of its own so that its peak RSS
 * is the rebuild's; prints { events, ms, cpuMs, maxRssMb } as JSON (cpuMs: this
 * process's CPU time during the rebuild, which a busy machine disturbs much
 * less than the elapsed time; the database's share is not in it).
 */
import { tmpdir } from 'node:os';
import { openDatabase } from '@app/event-store/database';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { CANDIDATE_PROGRESS } from '@app/projections/candidate-progress/candidate-progress.projection';
import { PROJECTIONS } from '@app/projections/projections';

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function main(): Promise<void> {
  const [url, schema] = process.argv.slice(2);
  const db = await openDatabase({ url, dataDir: tmpdir(), schema, poolSize: 4, statementTimeoutMs: 600_000 });
  try {
    const store = new PostgresEventStore(db.pool, { signal: db.signal });
    const runtime = new ProjectionRuntime(db, store, PROJECTIONS, { logger: quiet });
    await runtime.init();
    let peakRss = process.memoryUsage().rss;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const startRss = process.memoryUsage().rss;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const { events } = await runtime.rebuild(CANDIDATE_PROGRESS);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sample);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM candidate_progress');
    process.stdout.write(JSON.stringify({
      events,
      rows: rows[0].n,
      ms: Math.round(ms),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      startRssMb: Math.round(startRss / 1048576),
      peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1048576),
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }) + '\n');
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

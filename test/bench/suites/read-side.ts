import { tmpdir } from 'node:os';
import { openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { loadBigLog } from '../big-log';
import { childResult, dropSchema, tsChild, uniqueName } from '../lib';

/**
 * Suite: what the read models cost per event while scores come in, measured
 * apart from the HTTP load (whose figures a shared 2-core machine moves by
 * ±10-25 % from one run to the next): a log of `candidates` × 100 events
 * (registered, enrolled in 4 blocks, 98 scores), scored candidate after
 * candidate as the HTTP suite scores them (one cohort), replayed through
 * each projection in live-sized batches with the runner's state memo, in a
 * child process (children/read-side.ts). CPU per event of that process and
 * of its PostgreSQL connections.
 */
export interface ReadSideResult {
  events: number;
  batchSize: number;
  projections: Array<{ name: string; nodeUsPerEvent: number; dbUsPerEvent: number | null; ms: number }>;
}

/** About 100 ms of scores at the HTTP suite's rate: what a live runner applies per batch (PROJECTION_INTERVAL_MS). */
export const READ_SIDE_BATCH = 250;

export async function readSideSuite(url: string, candidates: number): Promise<ReadSideResult> {
  const schema = uniqueName('bench_read');
  const db = await openDatabase({ url, dataDir: tmpdir(), schema, poolSize: 2, statementTimeoutMs: 600_000 });
  try {
    await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
    await loadBigLog(db.pool, candidates, 100, candidates);
  } finally {
    await db.close();
  }
  try {
    return await childResult<ReadSideResult>(tsChild('read-side.ts', url, schema, schema, String(READ_SIDE_BATCH)), 'read-side child', { ...process.env, LOG_LEVEL: 'silent' });
  } finally {
    await dropSchema(url, schema);
  }
}

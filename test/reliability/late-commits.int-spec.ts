import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { Projection } from '@app/projections/engine/projection';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { CANDIDATE_PROGRESS, candidateProgressProjection } from '@app/projections/candidate-progress/candidate-progress.projection';
import { PROGRESS_EVENT_TYPES } from '@app/projections/candidate-progress/candidate-progress.evolve';
import { candidateEvents, newWorld, referentialWrite } from '@app/projections/testing/progress-fixtures';
import { serverDatabase, TestDatabase } from '../support/databases';

const ROUNDS = 20;
const LATE_WRITERS = 6;
const FAST_WRITERS = 8;
const MAX_HOLD_MS = 600;
const APPLY_LOG = 'reliability-apply-log';

/**
 * One row per event, keyed by position, with no ON CONFLICT: applying an event
 * twice fails the batch (and stops the runner), skipping one leaves a hole.
 */
const applyLog: Projection = {
  name: APPLY_LOG,
  codeVersion: 1,
  tables: { reliability_apply_log: (t) => `CREATE TABLE ${t} (position bigint PRIMARY KEY, transaction_id xid8 NOT NULL)` },
  handles: () => true,
  async apply(events, { client, table }) {
    await client.query(`INSERT INTO ${table('reliability_apply_log')} (position, transaction_id) SELECT unnest($1::bigint[]), unnest($2::text[])::xid8`, [
      events.map((e) => e.globalPosition),
      events.map((e) => e.transactionId),
    ]);
  },
};

/**
 * Late commits: in each of 20 rounds, writers take their positions, then hold
 * their transaction open for a random time (pg_sleep after the store's own
 * append statement, on the same connection) while fast writers commit higher
 * positions around them, and the projections follow the log live. Pass: every
 * event is applied exactly once by the apply-log projection (primary key on
 * position: a duplicate fails, a skip leaves a hole), the progress projection
 * counted exactly the events it handles and equals a fresh rebuild.
 */
describe('reliability: late commits while projections run', () => {
  let t: TestDatabase;
  let runtime: ProjectionRuntime;

  beforeAll(async () => {
    t = await serverDatabase({ poolSize: 30 });
  });
  afterAll(async () => {
    await runtime?.stop();
    await t?.dispose();
  });

  it('projects every event exactly once, none skipped', async () => {
    const store = new PostgresEventStore(t.db.pool, { signal: t.db.signal, pollIntervalMs: 200 });
    const world = newWorld();
    await store.appendMany([referentialWrite(world)]);
    const quiet = { log: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
    runtime = new ProjectionRuntime(t.db, store, [candidateProgressProjection, applyLog], { batchSize: 25, lockRetryMs: 200, failureRetryMs: 60_000, logger: quiet });
    await runtime.init();
    runtime.start();

    let index = 0;
    let lateCommits = 0;
    let heldMs = 0;
    const late = async () => {
      const candidateId = randomUUID();
      const { candidate } = candidateEvents(world, candidateId, index++);
      const client = await t.db.pool.connect();
      try {
        await client.query('BEGIN');
        // The store's own append statement, on this transaction's connection.
        const inTransaction = new PostgresEventStore(client as unknown as Pool);
        const result = await inTransaction.append(`candidate-${candidateId}`, candidate, { expectedVersion: 'no-stream' });
        const hold = Math.random() * MAX_HOLD_MS;
        heldMs += hold;
        await client.query('SELECT pg_sleep($1)', [hold / 1000]);
        // A commit is late when a higher position is already visible to everyone.
        const { rows } = await t.db.pool.query('SELECT coalesce(max(global_position), 0) AS p FROM events');
        if (Number(rows[0].p) > result.positions[0]) lateCommits++;
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    };
    const fast = async () => {
      const candidateId = randomUUID();
      const { candidate } = candidateEvents(world, candidateId, index++);
      await store.append(`candidate-${candidateId}`, candidate, { expectedVersion: 'no-stream' });
    };

    const started = Date.now();
    for (let round = 0; round < ROUNDS; round++) {
      const writers = [...Array.from({ length: LATE_WRITERS }, late), ...Array.from({ length: FAST_WRITERS }, async () => {
        await new Promise((r) => setTimeout(r, Math.random() * MAX_HOLD_MS));
        await fast();
      })];
      await Promise.all(writers);
    }
    const writing = Date.now() - started;

    // The committed head, not the gap-safe horizon (an open transaction of another suite can hold that back).
    const head = Number((await t.db.pool.query('SELECT max(global_position) AS p FROM events')).rows[0].p);
    const caughtUp = Date.now();
    expect(await runtime.waitFor(APPLY_LOG, head, 30_000)).toBe(true);
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, head, 30_000)).toBe(true);
    const catchUpMs = Date.now() - caughtUp;
    await runtime.stop();

    const status = await runtime.status();
    const { rows: log } = await t.db.pool.query('SELECT global_position AS p, type FROM events ORDER BY global_position');
    const { rows: applied } = await t.db.pool.query('SELECT position AS p FROM reliability_apply_log ORDER BY position');
    const logPositions = log.map((r) => Number(r.p));
    const appliedPositions = applied.map((r) => Number(r.p));
    const appliedSet = new Set(appliedPositions);
    const skipped = logPositions.filter((p) => !appliedSet.has(p));
    const handledByProgress = log.filter((r) => PROGRESS_EVENT_TYPES.has(r.type)).length;
    const progress = status.find((s) => s.name === CANDIDATE_PROGRESS)!;
    const logStatus = status.find((s) => s.name === APPLY_LOG)!;

    const active = await runtime.checkpoints.active(CANDIDATE_PROGRESS);
    const live = await runtime.checkpoints.tableHash(candidateProgressProjection, active!.generation);
    await runtime.rebuild(CANDIDATE_PROGRESS);
    const rebuilt = await runtime.checkpoints.tableHash(candidateProgressProjection, (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!.generation);

    console.log(
      `late commits: ${ROUNDS} rounds × (${LATE_WRITERS} held + ${FAST_WRITERS} fast writers) in ${(writing / 1000).toFixed(1)} s, ` +
        `${lateCommits} transactions committed after a higher position was visible, ${(heldMs / 1000).toFixed(1)} s held in total; ` +
        `${logPositions.length} events in the log, ${appliedPositions.length} applied once by the apply-log (${skipped.length} skipped), ` +
        `progress applied ${progress.eventsApplied} of ${handledByProgress} it handles, live read model = fresh rebuild: ${live === rebuilt}; caught up ${catchUpMs} ms after the last commit`,
    );
    expect(status.map((s) => s.status)).toEqual(['live', 'live']);
    expect(logStatus.failures + progress.failures).toBe(0);
    expect(skipped).toEqual([]);
    expect(appliedPositions).toEqual(logPositions);
    expect(logStatus.eventsApplied).toBe(logPositions.length);
    expect(progress.eventsApplied).toBe(handledByProgress);
    expect(live).toBe(rebuilt);
    // The test must have produced late commits to mean anything.
    expect(lateCommits).toBeGreaterThan(ROUNDS);
  });
});

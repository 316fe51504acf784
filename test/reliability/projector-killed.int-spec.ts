import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { CANDIDATE_PROGRESS } from '@app/projections/candidate-progress/candidate-progress.projection';
import { PROGRESS_EVENT_TYPES } from '@app/projections/candidate-progress/candidate-progress.evolve';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { PROJECTIONS } from '@app/projections/projections';
import { candidateWrites, newWorld, referentialWrite } from '@app/projections/testing/progress-fixtures';
import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { serverDatabase, TestDatabase, TEST_DATABASE_URL } from '../support/databases';
import { ensureBuilt } from '../support/processes';

const EVENTS = 10_000;
const KILLS = Number(process.env.PROJECTOR_KILLS || 20);
const BATCH = 40;
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Projector killed: 10,000 events are appended first, then the projector
 * process catches up on them and is SIGKILLed 20 times at random points (some
 * while it starts, most in the middle of its batches), restarted each time.
 * Pass: once the last one has caught up, the read model's tables hash the same
 * as a fresh rebuild from the log, and the projection counted every event it
 * handles exactly once.
 */
describe('reliability: the projector is SIGKILLed 20 times while catching up', () => {
  let t: TestDatabase;
  let runtime: ProjectionRuntime;
  let keys: ReturnType<typeof dataDirWithTokens>;
  let projector: AppProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    t = await serverDatabase();
    keys = dataDirWithTokens();
    runtime = new ProjectionRuntime(t.db, new PostgresEventStore(t.db.pool), PROJECTIONS, { logger: quiet });
    await runtime.init(); // this process only observes and rebuilds
  }, 300_000); // the first suite to need dist builds it
  afterAll(async () => {
    await projector?.kill('SIGKILL');
    await t?.dispose();
    keys?.dispose();
  });

  it('ends with read models equal to a fresh rebuild', async () => {
    const store = new PostgresEventStore(t.db.pool);
    const count = async () => Number((await t.db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    const position = async () => (await runtime.checkpoints.active(CANDIDATE_PROGRESS))?.checkpoint.position ?? 0;
    const world = newWorld();
    await store.appendMany([referentialWrite(world)]);
    for (let offset = 0; (await count()) < EVENTS; offset += 100) {
      await store.appendMany(candidateWrites(world, Array.from({ length: 100 }, () => randomUUID()), offset));
    }
    const total = await count();
    // The committed head, not the gap-safe horizon (an open transaction of another suite can hold that back).
    const head = Number((await t.db.pool.query('SELECT max(global_position) AS p FROM events')).rows[0].p);

    const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, DATA_DIR: keys.dataDir, PROJECTION_BATCH_SIZE: String(BATCH), LOG_LEVEL: 'warn' };
    // Why a projector made no progress: its output, and the oldest open transactions of the
    // cluster (one of another suite holds back the gap-safe horizon of every reader).
    const stalls: string[] = [];
    const stallReport = async (p: AppProcess) => {
      const { rows } = await t.db.pool.query(
        `SELECT datname, state, now() - xact_start AS age, left(query, 80) AS query FROM pg_stat_activity
          WHERE backend_xid IS NOT NULL OR backend_xmin IS NOT NULL ORDER BY xact_start LIMIT 3`,
      );
      const report = `no progress; oldest transactions ${JSON.stringify(rows)}; projector output: ${p.proc.output().slice(-1500)}`;
      console.log(`projector killed: ${report}`);
      return report;
    };
    const kills: Array<{ at: number; phase: 'starting' | 'catching up' | 'caught up'; lifeMs: number }> = [];
    const started = Date.now();
    for (let k = 0; k < KILLS; k++) {
      const before = await position();
      projector = await appProcess('projector', env);
      const born = Date.now();
      if (Math.random() < 0.2) {
        // Somewhere in its start (migrations, DDL, taking the lock), but no later than its first
        // batch: a projector that starts quickly would otherwise run at full speed for the rest of
        // the pause and catch up on thousands of events in one life.
        const until = Date.now() + Math.random() * 1500;
        while (Date.now() < until && (await position()) === before) await sleep(2);
      } else {
        // Somewhere in the middle of its batches: once it has applied one to ten batches. Counted
        // in events, not time: the projector applies batches of 40 in a few milliseconds on a
        // quiet machine and far slower on a loaded one, and a kill timed in milliseconds landed
        // mostly after it had caught up on the first and mostly at start on the second.
        const deadline = Date.now() + 30_000;
        const target = Math.min(head, before + BATCH * (1 + Math.floor(Math.random() * 10)));
        while ((await position()) < target && Date.now() < deadline) await sleep(2);
        if ((await position()) === before) stalls.push(await stallReport(projector));
      }
      await projector.kill('SIGKILL');
      const at = await position();
      kills.push({ at, phase: at >= head ? 'caught up' : at === before ? 'starting' : 'catching up', lifeMs: Date.now() - born });
    }
    projector = await appProcess('projector', env);
    const deadline = Date.now() + 120_000;
    while ((await position()) < head && Date.now() < deadline) await sleep(50);
    if ((await position()) < head) stalls.push(await stallReport(projector));
    await projector.kill('SIGTERM');
    const elapsed = Date.now() - started;

    const state = (await runtime.status()).find((s) => s.name === CANDIDATE_PROGRESS)!;
    const { rows } = await t.db.pool.query('SELECT type FROM events');
    const handled = rows.filter((r) => PROGRESS_EVENT_TYPES.has(r.type)).length;
    const active = (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!;
    const afterKills = await runtime.checkpoints.tableHash(runtime.projection(CANDIDATE_PROGRESS), active.generation);
    await runtime.rebuild(CANDIDATE_PROGRESS);
    const rebuilt = await runtime.checkpoints.tableHash(runtime.projection(CANDIDATE_PROGRESS), (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!.generation);

    console.log(
      `projector killed: ${total} events, ${KILLS} SIGKILLs in ${(elapsed / 1000).toFixed(1)} s ` +
        `(${kills.filter((k) => k.phase === 'starting').length} while starting, ${kills.filter((k) => k.phase === 'catching up').length} mid catch-up, ` +
        `${kills.filter((k) => k.phase === 'caught up').length} after; checkpoints at kill ${kills.map((k) => k.at).join(', ')} of ${head}); ` +
        `final position ${state.position}, ${state.eventsApplied} events applied once for ${handled} handled; ` +
        `${stalls.length} stalls ${stalls.join(' | ')}; read model ${afterKills.split(' ').map((p) => p.split(':').slice(0, 2).join(' ')).join(', ')} rows; equals a fresh rebuild: ${afterKills === rebuilt}`,
    );
    expect(state.position).toBeGreaterThanOrEqual(head);
    expect(state.status).toBe('live');
    expect(state.eventsApplied).toBe(handled);
    expect(afterKills).toBe(rebuilt);
    expect(kills.filter((k) => k.phase === 'catching up').length).toBeGreaterThanOrEqual(KILLS / 2);
  }, 900_000); // 21 process starts on a busy runner; a stalled start is reported, not hidden
});

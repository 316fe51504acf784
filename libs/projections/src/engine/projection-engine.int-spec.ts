import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, Database } from '@app/event-store/database';
import { checkpointOf, StoredEvent, StoreUnavailableError } from '@app/event-store/event-store';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { embeddedDatabase, serverDatabase, TestDatabase, TEST_DATABASE_URL } from '../../../../test/support/databases';
import { CandidateProgressQuery } from '../candidate-progress/candidate-progress.query';
import { CANDIDATE_PROGRESS, candidateProgressProjection } from '../candidate-progress/candidate-progress.projection';
import { READ_MODEL_ENTITIES } from '../read-model-entities';
import { candidateWrites, ev, newWorld, referentialWrite, World } from '../testing/progress-fixtures';
import { sessionStream } from '@app/domain/session/session';
import { sharedDataSource } from './data-source';
import { BACK_OFFICE, backOfficeProjection } from '../back-office/back-office.projection';
import { CheckpointMoved, Projection, ROWS_PER_STATEMENT } from './projection';
import { StateMemo } from './state-memo';
import { ProjectionLogger, ProjectionRuntime } from './projection-runtime';
import { ProjectionCheckpoints } from './checkpoints';

jest.setTimeout(60_000);

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function runtimeOn(
  db: Database,
  projections: Projection[],
  options: { batchSize?: number; rebuildBatchSize?: number; failureRetryMs?: number; minIntervalMs?: number; memoEntries?: number; statesEveryMs?: number; logger?: ProjectionLogger } = {},
) {
  const store = new PostgresEventStore(db.pool, { signal: db.signal, pollIntervalMs: 200 });
  const dataSource = await sharedDataSource(db, READ_MODEL_ENTITIES);
  const runtime = new ProjectionRuntime(db, store, projections, { lockRetryMs: 200, logger: quiet, ...options });
  await runtime.init();
  return { runtime, store, dataSource };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function seed(store: PostgresEventStore, world: World, candidates: number, perTransaction = 50): Promise<string[]> {
  const ids = Array.from({ length: candidates }, () => randomUUID());
  for (let i = 0; i < ids.length; i += perTransaction) await store.appendMany(candidateWrites(world, ids.slice(i, i + perTransaction), i));
  return ids;
}

/** Every committed event, not only those past the gap-safe horizon (another suite's open transaction may hold that back). */
async function committedHead(db: Database): Promise<number> {
  return Number((await db.pool.query('SELECT coalesce(max(global_position), 0) AS p FROM events')).rows[0].p);
}

/** The whole log, once every committed event is past the gap-safe horizon (another suite's open transaction may hold it back a while). */
async function wholeLog(store: PostgresEventStore, db: Database): Promise<StoredEvent[]> {
  const committed = Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  let events: StoredEvent[] = [];
  await until(async () => (events = await store.readAll({ limit: 10_000, upcast: true })).length === committed, 20_000, 'every seeded event visible');
  return events;
}

/** A rebuild stops at the gap-safe horizon; follow the log live up to every committed event before comparing. */
async function settle(runtime: ProjectionRuntime, db: Database): Promise<void> {
  runtime.start();
  expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(db), 30_000)).toBe(true);
  await runtime.stop();
}

async function activeHash(runtime: ProjectionRuntime, name = CANDIDATE_PROGRESS): Promise<string> {
  const active = await runtime.checkpoints.active(name);
  return runtime.checkpoints.tableHash(runtime.projection(name), active!.generation);
}

describe('projection engine on PostgreSQL', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  let world: World;

  beforeEach(async () => {
    t = await serverDatabase();
    store = new PostgresEventStore(t.db.pool);
    world = newWorld();
    await store.appendMany([referentialWrite(world)]);
  });
  afterEach(async () => t?.dispose());

  it('commits a batch with its checkpoint or not at all: a crash mid-batch leaves the tables as a clean run makes them', async () => {
    await seed(store, world, 60);
    let calls = 0;
    const crashing: Projection = {
      ...candidateProgressProjection,
      async apply(events, tx) {
        await candidateProgressProjection.apply(events, tx); // the writes happen, then the process "dies"
        if (++calls === 3) throw new Error('simulated crash in the middle of a batch');
      },
    };
    const first = await runtimeOn(t.db, [crashing], { batchSize: 100, failureRetryMs: 60_000 });
    first.runtime.start();
    await until(async () => (await first.runtime.status())[0].status === 'failed', 10_000, 'failure');
    const [failed] = await first.runtime.status();
    expect(failed.error).toMatch(/simulated crash/);
    expect(failed.position).toBeGreaterThan(0);
    expect(failed.position).toBeLessThan(await committedHead(t.db));
    // Exactly the events up to the checkpoint are in the table: two whole batches, nothing of the third.
    const { rows } = await t.db.pool.query(`SELECT max(last_position) AS p FROM candidate_progress`);
    expect(Number(rows[0].p)).toBeLessThanOrEqual(failed.position);
    await first.runtime.stop();

    const second = await runtimeOn(t.db, [candidateProgressProjection], { batchSize: 100 });
    second.runtime.start();
    const head = await committedHead(t.db);
    expect(await second.runtime.waitFor(CANDIDATE_PROGRESS, head, 30_000)).toBe(true);
    await second.runtime.stop();
    const resumed = await activeHash(second.runtime);
    expect((await second.runtime.status())[0].status).toBe('live');

    await second.runtime.rebuild(CANDIDATE_PROGRESS);
    await settle(second.runtime, t.db);
    expect(await activeHash(second.runtime)).toBe(resumed);
  });

  it('a batch commits without waiting for the disk, and only that transaction: the pooled connections keep the server setting', async () => {
    await seed(store, world, 30);
    const inBatch: string[] = [];
    const watching: Projection = {
      ...candidateProgressProjection,
      async apply(events, tx) {
        inBatch.push((await tx.client.query('SHOW synchronous_commit')).rows[0].synchronous_commit);
        await candidateProgressProjection.apply(events, tx);
      },
    };
    const { runtime } = await runtimeOn(t.db, [watching], { batchSize: 20 });
    runtime.start();
    try {
      expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    } finally {
      await runtime.stop();
    }
    expect(inBatch.length).toBeGreaterThan(1);
    expect(new Set(inBatch)).toEqual(new Set(['off']));
    const server = (await t.db.pool.query("SELECT reset_val FROM pg_settings WHERE name = 'synchronous_commit'")).rows[0].reset_val;
    const after = await Promise.all(Array.from({ length: 4 }, () => t.db.pool.query('SHOW synchronous_commit')));
    expect(after.map((r) => r.rows[0].synchronous_commit)).toEqual(Array(4).fill(server));
  });

  it('keeps to its least interval under a steady flow, except for a read waiting on it', async () => {
    await seed(store, world, 5);
    const { runtime } = await runtimeOn(t.db, [candidateProgressProjection], { minIntervalMs: 5000 });
    runtime.start();
    try {
      expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
      const caughtUp = (await runtime.status())[0].position;
      // Right after a batch: left alone, the runner would not apply this before five seconds.
      await seed(store, world, 1);
      const head = await committedHead(t.db);
      await new Promise((r) => setTimeout(r, 300));
      expect((await runtime.status())[0].position).toBe(caughtUp);
      const asked = performance.now();
      expect(await runtime.waitFor(CANDIDATE_PROGRESS, head, 30_000)).toBe(true);
      expect(performance.now() - asked).toBeLessThan(3000);
    } finally {
      await runtime.stop();
    }
  });

  it('replaying events already applied changes nothing', async () => {
    await seed(store, world, 20);
    const { runtime } = await runtimeOn(t.db, [candidateProgressProjection]);
    runtime.start();
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    await runtime.stop();
    const before = await activeHash(runtime);
    const events: StoredEvent[] = await store.readAll({ limit: 10_000 });
    const client = await t.db.pool.connect();
    try {
      await client.query('BEGIN');
      const active = await runtime.checkpoints.active(CANDIDATE_PROGRESS);
      await candidateProgressProjection.apply(events.filter((e) => candidateProgressProjection.handles(e.type)), {
        client,
        generation: active!.generation,
        table: (base) => `${base}_g${active!.generation}`,
      });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await activeHash(runtime)).toBe(before);
  });

  it('two processes at once: one runner holds the lock, the other takes over when it stops, no event applied twice', async () => {
    // A projection that inserts one row per event without ON CONFLICT: applying an event twice would fail it.
    const logProjection = (runnerName: string): Projection => ({
      name: 'apply-log',
      codeVersion: 1,
      tables: { apply_log: (t) => `CREATE TABLE ${t} (position bigint PRIMARY KEY, runner text NOT NULL)` },
      handles: () => true,
      async apply(events, { client, table }) {
        await client.query(`INSERT INTO ${table('apply_log')} (position, runner) SELECT unnest($1::bigint[]), $2`, [events.map((e) => e.globalPosition), runnerName]);
      },
    });
    const other = await openDatabase({ url: TEST_DATABASE_URL, dataDir: '/tmp', schema: t.schema, poolSize: 5 });
    try {
      const a = await runtimeOn(t.db, [logProjection('a')], { batchSize: 20 });
      const b = await runtimeOn(other, [logProjection('b')], { batchSize: 20 });
      a.runtime.start();
      await until(() => a.runtime.runnerStatus('apply-log') === 'live', 5000, 'a live');
      b.runtime.start();
      let writing = true;
      const writer = (async () => {
        while (writing) await seed(store, world, 5, 5);
      })();
      await until(async () => (await t.db.pool.query('SELECT count(*) AS n FROM apply_log')).rows[0].n > 100, 10_000, 'a applying');
      expect(b.runtime.runnerStatus('apply-log')).toBe('waiting-for-lock');
      const stoppedAt = Date.now();
      await a.runtime.stop();
      await until(() => b.runtime.runnerStatus('apply-log') === 'live', 5000, 'b takes over');
      expect(Date.now() - stoppedAt).toBeLessThan(3000);
      await new Promise((r) => setTimeout(r, 300));
      writing = false;
      await writer;
      expect(await b.runtime.waitFor('apply-log', await committedHead(t.db), 30_000)).toBe(true);
      await b.runtime.stop();
      const { rows } = await t.db.pool.query(
        `SELECT (SELECT count(*) FROM events) AS events, count(*) AS applied, count(DISTINCT position) AS distinct_positions,
                count(*) FILTER (WHERE runner = 'a') AS by_a, count(*) FILTER (WHERE runner = 'b') AS by_b FROM apply_log`,
      );
      expect(Number(rows[0].applied)).toBe(Number(rows[0].events));
      expect(Number(rows[0].distinct_positions)).toBe(Number(rows[0].events));
      expect(Number(rows[0].by_a)).toBeGreaterThan(0);
      expect(Number(rows[0].by_b)).toBeGreaterThan(0);
      expect((await b.runtime.status())[0].status).toBe('live');
    } finally {
      await other.close();
    }
  });

  it('a rebuild under concurrent writes ends identical to a from-scratch rebuild, and queries answer meanwhile', async () => {
    await seed(store, world, 100);
    const { runtime, dataSource } = await runtimeOn(t.db, [candidateProgressProjection], { batchSize: 50 });
    runtime.start();
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    const query = new CandidateProgressQuery(dataSource, store);
    const someone = (await t.db.pool.query('SELECT candidate_id FROM candidate_progress LIMIT 1')).rows[0].candidate_id;
    const generationBefore = (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!.generation;

    let writing = true;
    let answered = 0;
    const writer = (async () => {
      let k = 1000;
      while (writing) await seed(store, world, 3, 3).then(() => (k += 3));
    })();
    const reader = (async () => {
      while (writing) {
        if (await query.live(someone)) answered++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const rebuilt = await runtime.rebuild(CANDIDATE_PROGRESS);
    await new Promise((r) => setTimeout(r, 200));
    writing = false;
    await Promise.all([writer, reader]);
    expect(rebuilt.generation).toBe(generationBefore + 1);
    expect(answered).toBeGreaterThan(0);
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    await runtime.stop();
    const live = await activeHash(runtime);
    // The old generation's tables are gone.
    const { rows } = await t.db.pool.query(`SELECT to_regclass('candidate_progress_g${generationBefore}') AS t`);
    expect(rows[0].t).toBeNull();

    await runtime.rebuild(CANDIDATE_PROGRESS);
    await settle(runtime, t.db);
    expect(await activeHash(runtime)).toBe(live);
    const count = (await t.db.pool.query('SELECT count(*) AS n FROM candidate_progress')).rows[0].n;
    expect(Number(count)).toBeGreaterThan(100);
  });

  it('a rebuild in large batches gives the same rows as following the log in small ones, and as folding the log in memory', async () => {
    const other = newWorld();
    await store.appendMany([referentialWrite(other)]);
    const ids = [...(await seed(store, world, 120, 7)), ...(await seed(store, other, 60, 60))];
    const { runtime, dataSource } = await runtimeOn(t.db, [candidateProgressProjection], { batchSize: 7, rebuildBatchSize: 5000 });
    runtime.start();
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    await runtime.stop();
    const live = await activeHash(runtime);
    const query = new CandidateProgressQuery(dataSource, store);
    const answers = await Promise.all(ids.map((id) => query.live(id)));
    expect(answers.every(Boolean)).toBe(true);

    const large = await runtime.rebuild(CANDIDATE_PROGRESS);
    expect(large.events).toBeGreaterThan(1000);
    await settle(runtime, t.db);
    expect(await activeHash(runtime)).toBe(live);

    // Batches that end anywhere (a per-rebuild batch size): many reads ahead over the rebuild, same rows.
    await runtime.rebuild(CANDIDATE_PROGRESS, { batchSize: 13 });
    await settle(runtime, t.db);
    expect(await activeHash(runtime)).toBe(live);

    // The live answers are what time travel computes by folding the log with the same evolve.
    expect(await Promise.all(ids.map((id) => query.at(id, {})))).toEqual(answers);
  });

  it('a live runner takes the states of its earlier batches from its memo, and writes the rows a rebuild writes', async () => {
    await seed(store, world, 40, 5);
    const memoSizes: number[] = [];
    const watched = (projection: Projection): Projection => ({
      ...projection,
      async apply(events, tx) {
        if (tx.memo) memoSizes.push(tx.memo.size);
        await projection.apply(events, tx);
      },
    });
    const { runtime } = await runtimeOn(t.db, [watched(candidateProgressProjection), watched(backOfficeProjection)], { batchSize: 6 });
    runtime.start();
    for (const name of [CANDIDATE_PROGRESS, BACK_OFFICE]) expect(await runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
    await runtime.stop();
    // Batches of 6 events cut through each candidate's ten or so: most batches find states in the memo.
    expect(memoSizes.filter((n) => n > 0).length).toBeGreaterThan(memoSizes.length / 2);
    expect(Number((await t.db.pool.query('SELECT count(*) AS n FROM back_office_candidates')).rows[0].n)).toBe(40);
    const live = [await activeHash(runtime), await activeHash(runtime, BACK_OFFICE)];

    for (const name of [CANDIDATE_PROGRESS, BACK_OFFICE]) await runtime.rebuild(name);
    runtime.start();
    for (const name of [CANDIDATE_PROGRESS, BACK_OFFICE]) expect(await runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
    await runtime.stop();
    expect([await activeHash(runtime), await activeHash(runtime, BACK_OFFICE)]).toEqual(live);
  });

  describe('fold states written behind', () => {
    const both = [CANDIDATE_PROGRESS, BACK_OFFICE];
    const count = async (table: string) => Number((await t.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const statesAt = async (name: string) => (await new ProjectionCheckpoints(t.db.pool, t.db.schema, store).active(name))!;
    /** Rebuilt from the log, the hashes of both projections' tables (what a live runner must end with). */
    async function rebuiltHashes(runtime: ProjectionRuntime): Promise<string[]> {
      for (const name of both) await runtime.rebuild(name);
      runtime.start();
      for (const name of both) expect(await runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
      await runtime.stop();
      return [await activeHash(runtime), await activeHash(runtime, BACK_OFFICE)];
    }

    it('a live runner keeps them in its memo while the views follow the log, and writes them all when it stops', async () => {
      const ids = await seed(store, world, 30, 5);
      const { runtime, dataSource } = await runtimeOn(t.db, [candidateProgressProjection, backOfficeProjection], { batchSize: 6, statesEveryMs: 600_000 });
      runtime.start();
      for (const name of both) expect(await runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
      // The views are there, the states not yet: the checkpoint says from where they were left behind.
      expect(await count('candidate_progress')).toBe(30);
      expect(await count('deliberation_sheet')).toBe(30);
      for (const table of ['progress_states', 'back_office_candidates', 'back_office_files']) expect(await count(table)).toBe(0);
      for (const name of both) {
        const row = await statesAt(name);
        expect(row.states).not.toBeNull();
        expect(row.states!.position).toBeLessThan(row.checkpoint.position);
      }
      const query = new CandidateProgressQuery(dataSource, store);
      expect((await Promise.all(ids.map((id) => query.live(id)))).every(Boolean)).toBe(true);
      await runtime.stop();
      for (const name of both) expect((await statesAt(name)).states).toBeNull();
      expect(await count('progress_states')).toBe(30);
      expect(await count('back_office_files')).toBe(30);
      const live = [await activeHash(runtime), await activeHash(runtime, BACK_OFFICE)];
      expect(await rebuiltHashes(runtime)).toEqual(live);
    });

    it('a runner that restarts after a crash folds the events since they were written into them, then goes on: the rows a rebuild writes', async () => {
      await seed(store, world, 24, 4);
      // Memos of 8 entries: the states are all written whenever a table holds 8 behind, and left behind in between.
      let crashed = false;
      const crashing = (projection: Projection): Projection => ({
        ...projection,
        async writeStates(states, tx) {
          if (crashed) throw new Error('the process died before writing its states');
          await projection.writeStates!(states, tx);
        },
      });
      const first = await runtimeOn(t.db, [crashing(candidateProgressProjection), crashing(backOfficeProjection)], { batchSize: 5, memoEntries: 8, statesEveryMs: 600_000 });
      first.runtime.start();
      for (const name of both) expect(await first.runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
      // Two candidates more: fewer than the memo's limit, so their states stay behind.
      await seed(store, world, 2, 2);
      for (const name of both) expect(await first.runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
      crashed = true;
      await first.runtime.stop();
      for (const name of both) {
        const row = await statesAt(name);
        expect(row.states!.position).toBeGreaterThan(0); // written a few times, and left behind since
        expect(row.states!.position).toBeLessThan(row.checkpoint.position);
      }
      expect(await count('progress_states')).toBeGreaterThan(0);
      expect(await count('progress_states')).toBeLessThan(26);
      await seed(store, world, 4, 2); // and the log goes on meanwhile

      const logged: string[] = [];
      const second = await runtimeOn(t.db, [candidateProgressProjection, backOfficeProjection], { batchSize: 7, logger: { ...quiet, log: (m: string) => logged.push(m) } });
      second.runtime.start();
      for (const name of both) expect(await second.runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
      await second.runtime.stop();
      expect(logged.filter((m) => /folding the events after position \d+ into the fold states written behind/.test(m))).toHaveLength(2);
      expect(await count('progress_states')).toBe(30);
      const live = [await activeHash(second.runtime), await activeHash(second.runtime, BACK_OFFICE)];
      expect(await rebuiltHashes(second.runtime)).toEqual(live);
    });

    it('a batch that fails after states were left behind makes the runner start over from where they were written', async () => {
      await seed(store, world, 20, 4);
      let calls = 0;
      let statesOnly = 0;
      const flaky = (projection: Projection): Projection => ({
        ...projection,
        async apply(events, tx) {
          if (tx.statesOnly) statesOnly++;
          // A connection lost in the middle of the fourth batch: not a failure of the projection, retried.
          if (++calls === 4) throw new StoreUnavailableError('connection lost');
          await projection.apply(events, tx);
        },
      });
      const { runtime } = await runtimeOn(t.db, [flaky(candidateProgressProjection)], { batchSize: 6, statesEveryMs: 600_000 });
      runtime.start();
      expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
      await runtime.stop();
      expect(calls).toBeGreaterThan(4);
      // The states the memo held were lost with the batch: the runner folded the events before it again.
      expect(statesOnly).toBeGreaterThan(0);
      expect((await runtime.status())[0].failures).toBe(0);
      const live = await activeHash(runtime);
      await runtime.rebuild(CANDIDATE_PROGRESS);
      await settle(runtime, t.db);
      expect(await activeHash(runtime)).toBe(live);
    });
  });

  it('writes a batch of more rows than a statement takes in pieces, and counts the new candidates of every session', async () => {
    // Two sessions of the same referential, opened and applied first: the batch of candidates then changes no session row.
    const second: World = { ...world, sessionId: randomUUID(), juryId: randomUUID() };
    for (const w of [world, second]) {
      const session = { sessionId: w.sessionId, referentialId: w.referentialId, title: 'Session', startsOn: '2026-06-01', endsOn: '2026-06-30' };
      await store.appendMany([{ streamId: sessionStream(w.sessionId), expectedVersion: 'no-stream', events: [ev('SessionOpened', session)] }]);
    }
    const pieces = new Set<number | undefined>();
    const watched: Projection = {
      ...backOfficeProjection,
      async apply(events, tx) {
        pieces.add(tx.rowsPerStatement);
        await backOfficeProjection.apply(events, tx);
      },
    };
    const { runtime } = await runtimeOn(t.db, [candidateProgressProjection, watched], { batchSize: 1000 });
    runtime.start();
    try {
      for (const name of [CANDIDATE_PROGRESS, BACK_OFFICE]) expect(await runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
      // One transaction, one batch: 30 sheet lines of the first session, then 15 of the second, in pieces of 25.
      expect(ROWS_PER_STATEMENT).toBeLessThan(30);
      const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
      await store.appendMany([...candidateWrites(world, ids(30)), ...candidateWrites(second, ids(15))]);
      for (const name of [CANDIDATE_PROGRESS, BACK_OFFICE]) expect(await runtime.waitFor(name, await committedHead(t.db), 30_000)).toBe(true);
    } finally {
      await runtime.stop();
    }
    expect([...pieces]).toEqual([ROWS_PER_STATEMENT]);
    expect(Number((await t.db.pool.query('SELECT count(*) AS n FROM candidate_progress')).rows[0].n)).toBe(45);
    const { rows } = await t.db.pool.query('SELECT session_id, candidates FROM back_office_sessions ORDER BY candidates DESC');
    expect(rows).toEqual([
      { session_id: world.sessionId, candidates: 30 },
      { session_id: second.sessionId, candidates: 15 },
    ]);
  });

  it('a batch that fails, or finds its checkpoint moved, leaves the memo empty; one that commits keeps what it wrote', async () => {
    await seed(store, world, 8);
    const { runtime } = await runtimeOn(t.db, [candidateProgressProjection]);
    const active = (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!;
    const events = await wholeLog(store, t.db);
    const memo = new StateMemo(100);
    const failing: Projection = {
      ...candidateProgressProjection,
      async apply(batch, tx) {
        await candidateProgressProjection.apply(batch, tx);
        throw new Error('after writing and staging');
      },
    };
    const apply = (projection: Projection, from = active.checkpoint) =>
      runtime.checkpoints.applyBatch(projection, active.generation, from, events, { requireActive: true, memo });
    await expect(apply(failing)).rejects.toThrow(/after writing and staging/);
    expect(memo.size).toBe(0);
    await apply(candidateProgressProjection);
    expect(memo.size).toBe(9); // the eight candidates' states and the referential they name
    expect(memo.take(`progress_referentials_g${active.generation}`, world.referentialId)).toMatchObject({ referentialId: world.referentialId });
    await expect(apply(candidateProgressProjection)).rejects.toThrow(CheckpointMoved); // the checkpoint is past `from` now
    expect(memo.size).toBe(0);
  });

  it('a batch the projection handles none of moves only its checkpoint, in one statement, which still finds a moved checkpoint or an inactive generation', async () => {
    await seed(store, world, 3);
    const none: Projection = {
      name: 'handles-none',
      codeVersion: 1,
      tables: { handles_none: (table) => `CREATE TABLE ${table} (id int)` },
      handles: () => false,
      apply: async () => {
        throw new Error('a batch it handles none of is not applied');
      },
    };
    const { runtime } = await runtimeOn(t.db, [none]);
    const active = (await runtime.checkpoints.active('handles-none'))!;
    const events = await wholeLog(store, t.db);
    const memo = new StateMemo(10);
    memo.stage('t', 'k', { kept: true });
    memo.commit();
    const statements = jest.spyOn(Client.prototype, 'query');
    const sent = () => statements.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text).trim().split(/\s/)[0]);
    const apply = (from: typeof active.checkpoint, requireActive = true) => runtime.checkpoints.applyBatch(none, active.generation, from, events, { requireActive, memo });

    const moved = await apply(active.checkpoint);
    expect(moved).toEqual(checkpointOf(events[events.length - 1]));
    expect(sent()).toEqual(['UPDATE']);
    expect((await runtime.checkpoints.active('handles-none'))!.checkpoint).toEqual(moved);
    expect(memo.size).toBe(1); // nothing staged, nothing lost

    await expect(apply(active.checkpoint)).rejects.toThrow(/is at .*, expected/);
    expect(memo.size).toBe(0); // a batch that did not commit empties the memo, as any other
    await t.db.pool.query(`UPDATE projection_checkpoints SET active = false WHERE name = 'handles-none'`);
    await expect(apply(moved)).rejects.toThrow(/no longer active/);
    await expect(apply(moved, false)).resolves.toEqual(moved); // a rebuild's generation is not active yet
    await t.db.pool.query(`DELETE FROM projection_checkpoints WHERE name = 'handles-none'`);
    await expect(apply(moved, false)).rejects.toThrow(CheckpointMoved);
    expect(sent()).not.toContain('BEGIN');
    statements.mockRestore();
  });

  it('read-model tables whose rows are rewritten whole keep them uncompressed on half-filled pages, those made before the setting included', async () => {
    const fresh = await serverDatabase({ migrate: false });
    try {
      await fresh.db.pool.query('CREATE TABLE back_office_candidates_g4 (candidate_id text PRIMARY KEY, state jsonb)');
      const { runtime } = await runtimeOn(fresh.db, [candidateProgressProjection, backOfficeProjection]);
      const { rows } = await fresh.db.pool.query(
        `SELECT relname, reloptions FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'
            AND relname IN ('back_office_candidates_g4', 'back_office_candidates_g1', 'candidate_progress_g1', 'deliberation_sheet_g1', 'progress_referentials_g1')`,
      );
      const options = Object.fromEntries(rows.map((r) => [r.relname, r.reloptions]));
      expect(options).toEqual({
        back_office_candidates_g4: ['toast_tuple_target=8160', 'fillfactor=50'],
        back_office_candidates_g1: ['toast_tuple_target=8160', 'fillfactor=50'],
        candidate_progress_g1: ['toast_tuple_target=8160', 'fillfactor=50'],
        deliberation_sheet_g1: ['toast_tuple_target=8160', 'fillfactor=50'],
        progress_referentials_g1: null,
      });
      expect(runtime.projections).toHaveLength(2);
    } finally {
      await fresh.dispose();
    }
  });

  it('a rebuild stopped by a failing event leaves the live generation answering; the next rebuild starts over', async () => {
    await seed(store, world, 40);
    const { runtime } = await runtimeOn(t.db, [candidateProgressProjection], { rebuildBatchSize: 50 });
    await runtime.rebuild(CANDIDATE_PROGRESS);
    await settle(runtime, t.db);
    const live = await runtime.checkpoints.active(CANDIDATE_PROGRESS);
    const hash = await activeHash(runtime);
    let calls = 0;
    const failing: Projection = {
      ...candidateProgressProjection,
      async apply(events, tx) {
        if (++calls === 3) throw new Error('bad event');
        await candidateProgressProjection.apply(events, tx);
      },
    };
    const broken = await runtimeOn(t.db, [failing], { rebuildBatchSize: 50 });
    // The third batch fails while the fourth is being read.
    await expect(broken.runtime.rebuild(CANDIDATE_PROGRESS)).rejects.toThrow(/candidate-progress stopped: bad event/);
    expect((await runtime.checkpoints.active(CANDIDATE_PROGRESS))!.generation).toBe(live!.generation);
    expect(await activeHash(runtime)).toBe(hash);
    const again = await runtime.rebuild(CANDIDATE_PROGRESS);
    await settle(runtime, t.db);
    expect(again.generation).toBeGreaterThan(live!.generation);
    expect(await activeHash(runtime)).toBe(hash);
    expect((await runtime.checkpoints.rows(CANDIDATE_PROGRESS)).length).toBe(1);
  });

  it('a new code version rebuilds itself beside the live tables on start', async () => {
    await seed(store, world, 30);
    const v1 = await runtimeOn(t.db, [candidateProgressProjection]);
    v1.runtime.start();
    expect(await v1.runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    await v1.runtime.stop();
    const hash = await activeHash(v1.runtime);
    const nextVersion = candidateProgressProjection.codeVersion + 1;
    const v2 = await runtimeOn(t.db, [{ ...candidateProgressProjection, codeVersion: nextVersion }]);
    v2.runtime.start();
    await until(async () => (await v2.runtime.checkpoints.active(CANDIDATE_PROGRESS))!.codeVersion === nextVersion, 30_000, 'switch to the next version');
    expect(await v2.runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
    await v2.runtime.stop();
    const active = (await v2.runtime.checkpoints.active(CANDIDATE_PROGRESS))!;
    expect(active.generation).toBe(2);
    expect(await activeHash(v2.runtime)).toBe(hash);
  });

  it('time travel (atPosition, asOf) answers what the live read model answered at that position', async () => {
    const { runtime, dataSource } = await runtimeOn(t.db, [candidateProgressProjection], { batchSize: 7 });
    runtime.start();
    const query = new CandidateProgressQuery(dataSource, store);
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const snapshots: Array<{ position: number; asOf: string; views: unknown[] }> = [];
    // Candidate by candidate, event by event (via small transactions), take the live answer after each step.
    for (let i = 0; i < ids.length; i++) {
      for (const write of candidateWrites(world, [ids[i]], i)) {
        for (const event of write.events) {
          const recordedNow = { ...event, metadata: { ...event.metadata, recordedAt: new Date().toISOString() } };
          const position = (await store.append(write.streamId, [recordedNow], { expectedVersion: 'any' })).lastPosition;
          expect(await runtime.waitFor(CANDIDATE_PROGRESS, position, 30_000)).toBe(true);
          const asOf = new Date().toISOString();
          await new Promise((r) => setTimeout(r, 2)); // the next event is recorded strictly later
          snapshots.push({ position, asOf, views: await Promise.all(ids.map((id) => query.live(id))) });
        }
      }
    }
    await runtime.stop();
    expect(snapshots.length).toBeGreaterThan(40);
    for (const snap of snapshots) {
      const atPosition = await Promise.all(ids.map((id) => query.at(id, { position: snap.position })));
      expect(atPosition).toEqual(snap.views);
    }
    for (const snap of snapshots.filter((_, k) => k % 5 === 0)) {
      expect(await Promise.all(ids.map((id) => query.at(id, { asOf: snap.asOf })))).toEqual(snap.views);
    }
    expect(snapshots.at(-1)!.views.some((v) => (v as { certified: boolean } | null)?.certified)).toBe(true);
  });

  it('read-your-writes: waits on the runner without polling, and gives up when the projection cannot catch up', async () => {
    const { runtime } = await runtimeOn(t.db, [candidateProgressProjection]);
    const [id] = await seed(store, world, 1);
    const head = await committedHead(t.db);
    const started = Date.now();
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, head, 300)).toBe(false); // not running
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    runtime.start();
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, head, 30_000)).toBe(true);
    const written = await store.append(`candidate-${id}`, candidateWrites(world, [id], 2)[0].events.slice(2, 3), { expectedVersion: 'any' });
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, written.lastPosition, 30_000)).toBe(true);
    const active = (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!;
    expect(active.checkpoint.position).toBeGreaterThanOrEqual(written.lastPosition);
    await runtime.stop();
  });
});

describe('projection engine on the embedded database (one connection for everything)', () => {
  it('follows the log, waits for a position, time-travels and rebuilds while live without deadlocking the single connection', async () => {
    const t = await embeddedDatabase();
    try {
      const store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 200 });
      // Small rebuild batches: the rebuild reads its next batch while applying one, on the same single connection.
      const { runtime, dataSource } = await runtimeOn(t.db, [candidateProgressProjection], { batchSize: 20, rebuildBatchSize: 25 });
      runtime.start();
      const world = newWorld();
      await store.appendMany([referentialWrite(world)]);
      const ids = await seed(store, world, 30, 10);
      const head = await committedHead(t.db);
      expect(await runtime.waitFor(CANDIDATE_PROGRESS, head, 30_000)).toBe(true);
      const query = new CandidateProgressQuery(dataSource, store);
      const live = await Promise.all(ids.map((id) => query.live(id)));
      // Writes, queries and a rebuild all at once on the one connection.
      const [rebuilt] = await Promise.all([
        runtime.rebuild(CANDIDATE_PROGRESS),
        seed(store, world, 10, 5),
        Promise.all(ids.map((id) => query.at(id, { position: head }))).then((then) => expect(then).toEqual(live)),
      ]);
      expect(rebuilt.generation).toBe(2);
      expect(await runtime.waitFor(CANDIDATE_PROGRESS, await committedHead(t.db), 30_000)).toBe(true);
      expect(await Promise.all(ids.map((id) => query.live(id)))).toEqual(live);
      await runtime.stop();
    } finally {
      await t.dispose();
    }
  });
});

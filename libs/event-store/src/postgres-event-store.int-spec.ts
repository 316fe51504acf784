import { randomUUID } from 'node:crypto';
import { BACKENDS, serverDatabase, TestDatabase } from '../../../test/support/databases';
import { AppendResult, ConcurrencyError, EventStoreInputError, LOG_START, NewEvent, StoredEvent } from './event-store';
import { leafHash } from '@app/proof/canonical';
import { GroupCommitOptions, PostgresEventStore } from './postgres-event-store';

const meta = () => ({
  actor: { id: 'u-test', role: 'admin' },
  correlationId: randomUUID(),
  causationId: null,
  recordedAt: new Date().toISOString(),
});
const ev = (type: string, data: unknown = {}): NewEvent => ({ type, data, metadata: meta() });

const stream = () => `test-${randomUUID()}`;

// Every guarantee holds whether appends are written alone or gathered into groups (the default).
const GROUPING: Array<[string, GroupCommitOptions | false]> = [
  ['group commit on', {}],
  ['group commit off', false],
];

describe.each(BACKENDS)('event store conformance on %s', (_name, open) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await open();
  });
  afterAll(async () => t?.dispose());

  describe.each(GROUPING)('%s', (_mode, groupCommit) => {
    let store: PostgresEventStore;

    beforeAll(() => {
      store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 50, groupCommit });
    });

    it('appends in order and reads the stream back with versions 1..n', async () => {
      const s = stream();
      const first = await store.append(s, [ev('A', { n: 1 }), ev('B', { n: 2 })], { expectedVersion: 'no-stream' });
      expect(first.streamVersion).toBe(2);
      expect(first.positions).toHaveLength(2);
      expect(first.positions[0]).toBeLessThan(first.positions[1]);
      const second = await store.append(s, [ev('C', { n: 3 })], { expectedVersion: 2 });
      expect(second.streamVersion).toBe(3);
      const read = await store.readStream(s);
      expect(read.map((e) => [e.version, e.type, e.data.n])).toEqual([[1, 'A', 1], [2, 'B', 2], [3, 'C', 3]]);
      expect(await store.readStream(s, { fromVersion: 2, toVersion: 2 })).toHaveLength(1);
      expect(await store.streamVersion(s)).toBe(3);
      expect(await store.streamVersion(stream())).toBe(0);
    });

    it("honours 'no-stream', a number and 'any'", async () => {
      const s = stream();
      await store.append(s, [ev('A')], { expectedVersion: 'no-stream' });
      await expect(store.append(s, [ev('A')], { expectedVersion: 'no-stream' })).rejects.toBeInstanceOf(ConcurrencyError);
      await expect(store.append(s, [ev('A')], { expectedVersion: 5 })).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', actual: 1, expected: 5 });
      await expect(store.append(stream(), [ev('A')], { expectedVersion: 3 })).rejects.toBeInstanceOf(ConcurrencyError);
      expect((await store.append(s, [ev('B')], { expectedVersion: 1 })).streamVersion).toBe(2);
      expect((await store.append(s, [ev('C'), ev('D')], { expectedVersion: 'any' })).streamVersion).toBe(4);
      expect((await store.append(stream(), [ev('E')], { expectedVersion: 'any' })).streamVersion).toBe(1);
      expect((await store.append(stream(), [ev('E')], { expectedVersion: 0 })).streamVersion).toBe(1);
      expect((await store.readStream(s)).map((e) => e.version)).toEqual([1, 2, 3, 4]);
    });

    it('lets exactly one of 16 concurrent appenders win each version', async () => {
      const s = stream();
      await store.append(s, [ev('Start')], { expectedVersion: 'no-stream' });
      const wins: number[] = [];
      const otherErrors: unknown[] = [];
      let conflicts = 0;
      const writer = async (w: number) => {
        for (let round = 0; round < 6; round++) {
          const version = await store.streamVersion(s);
          try {
            const r = await store.append(s, [ev('Wrote', { w, round })], { expectedVersion: version });
            wins.push(r.streamVersion);
          } catch (error) {
            if (error instanceof ConcurrencyError) conflicts++;
            else otherErrors.push(error);
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
      expect(otherErrors).toEqual([]);
      expect(new Set(wins).size).toBe(wins.length);
      const versions = (await store.readStream(s)).map((e) => e.version);
      expect(versions).toEqual(Array.from({ length: wins.length + 1 }, (_, i) => i + 1));
      expect(wins.length + conflicts).toBe(16 * 6);
    });

    it('answers a re-append of the same event ids with the first result and writes nothing', async () => {
      const s = stream();
      const events = [{ ...ev('A'), eventId: randomUUID() }, { ...ev('B'), eventId: randomUUID() }];
      const first = await store.append(s, events, { expectedVersion: 'no-stream' });
      const again = await store.append(s, events, { expectedVersion: 'no-stream' });
      const againAny = await store.append(s, events, { expectedVersion: 'any' });
      expect(again).toEqual(first);
      expect(againAny).toEqual(first);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('reads several streams in one call, each from its own version, in the order asked', async () => {
      const [a, b, missing] = [stream(), stream(), stream()];
      await store.append(a, [ev('A1'), ev('A2'), ev('A3')], { expectedVersion: 'no-stream' });
      await store.append(b, [ev('B1'), ev('B2')], { expectedVersion: 'no-stream' });
      const read = await store.readStreams([{ streamId: b }, { streamId: missing }, { streamId: a, fromVersion: 2 }, { streamId: b, fromVersion: 3 }]);
      expect(read.map((events) => events.map((e) => `${e.type}@${e.version}`))).toEqual([['B1@1', 'B2@2'], [], ['A2@2', 'A3@3'], []]);
      expect(read[2]).toEqual((await store.readStream(a)).slice(1));
      expect(await store.readStreams([])).toEqual([]);
      await expect(store.readStreams([{ streamId: a, fromVersion: 0 }])).rejects.toBeInstanceOf(EventStoreInputError);
    });

    it('writes only while the streams a decision read are unchanged, and names the one that moved', async () => {
      const [read, write, fresh, absent] = [stream(), stream(), stream(), stream()];
      await store.append(read, [ev('R1')], { expectedVersion: 'no-stream' });
      await store.append(write, [ev('W1')], { expectedVersion: 'no-stream' });
      await store.append(write, [ev('W2')], { expectedVersion: 1, unchanged: [{ streamId: read, version: 1 }, { streamId: absent, version: 0 }] });
      await store.append(read, [ev('R2')], { expectedVersion: 1 });
      for (const [events, expectedVersion] of [[[ev('W3')], 2], [[ev('W3'), ev('W4')], 2], [[ev('W3')], 'any']] as const) {
        const refused = store.append(write, [...events], { expectedVersion, unchanged: [{ streamId: read, version: 1 }] });
        await expect(refused).rejects.toBeInstanceOf(ConcurrencyError);
        await expect(refused).rejects.toMatchObject({ streamId: read, expected: 1, actual: 2 });
      }
      await expect(store.append(fresh, [ev('F1')], { expectedVersion: 'no-stream', unchanged: [{ streamId: read, version: 1 }] })).rejects.toMatchObject({ streamId: read });
      await expect(store.append(fresh, [ev('F1')], { expectedVersion: 'no-stream', unchanged: [{ streamId: write, version: 1 }] })).rejects.toMatchObject({ streamId: write, actual: 2 });
      expect(await store.streamVersion(fresh)).toBe(0);
      expect((await store.readStream(write)).map((e) => e.type)).toEqual(['W1', 'W2']);
      // Several streams at once: all or nothing, the moved stream named.
      await expect(store.appendMany([{ streamId: write, expectedVersion: 2, events: [ev('W3')] }, { streamId: fresh, expectedVersion: 'no-stream', events: [ev('F1')] }], { unchanged: [{ streamId: read, version: 1 }] })).rejects.toMatchObject({ streamId: read, actual: 2 });
      expect(await store.streamVersion(write)).toBe(2);
      expect(await store.streamVersion(fresh)).toBe(0);
      await store.appendMany([{ streamId: write, expectedVersion: 2, events: [ev('W3')] }, { streamId: fresh, expectedVersion: 'no-stream', events: [ev('F1')] }], { unchanged: [{ streamId: read, version: 2 }] });
      expect(await store.streamVersion(fresh)).toBe(1);
      // The written stream's own conflict comes first; a stream may not be both written and unchanged.
      await expect(store.append(write, [ev('W9')], { expectedVersion: 1, unchanged: [{ streamId: read, version: 1 }] })).rejects.toMatchObject({ streamId: write, actual: 3 });
      await expect(store.append(write, [ev('W9')], { expectedVersion: 3, unchanged: [{ streamId: write, version: 3 }] })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(write, [ev('W9')], { expectedVersion: 3, unchanged: [{ streamId: read, version: -1 }] })).rejects.toBeInstanceOf(EventStoreInputError);
    });

    it('appends to several streams atomically', async () => {
      const a = stream();
      const b = stream();
      await store.append(b, [ev('B1')], { expectedVersion: 'no-stream' });
      await expect(
        store.appendMany([
          { streamId: a, events: [ev('A1')], expectedVersion: 'no-stream' },
          { streamId: b, events: [ev('B2')], expectedVersion: 'no-stream' },
        ]),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.streamVersion(a)).toBe(0);
      const results = await store.appendMany([
        { streamId: a, events: [ev('A1')], expectedVersion: 'no-stream' },
        { streamId: b, events: [ev('B2')], expectedVersion: 1 },
      ]);
      expect(results.map((r) => r.streamVersion)).toEqual([1, 2]);
    });

    it('refuses bad input with a typed error', async () => {
      const circular: any = {};
      circular.self = circular;
      await expect(store.append('', [ev('A')], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append('  ', [ev('A')], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [ev('A', circular)], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [ev('A', { n: 10n })], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [ev('A', { s: 'nul\u0000' })], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [ev('A')], { expectedVersion: -1 })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [ev('not a name!')], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
      await expect(store.append(stream(), [{ ...ev('A'), eventId: 'nope' }], { expectedVersion: 'any' })).rejects.toBeInstanceOf(EventStoreInputError);
    });

    it('keeps the leaf hash stable across a round trip', async () => {
      const s = stream();
      await store.append(s, [ev('Scored', { criterion: 'CE1.1', note: 'é ü 漢字 "quoted"', nested: { b: 2, a: [1, 0.5, -3] } })], { expectedVersion: 'no-stream' });
      const [stored] = await store.readStream(s);
      expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(leafHash(stored)).toBe(stored.hash);
    });

    it('reads the log without metadata and hashes when asked, every other field the same', async () => {
      const s = stream();
      const { positions } = await store.append(s, [ev('A', { n: 1 }), ev('B', { n: 2 })], { expectedVersion: 'no-stream' });
      // Gap-safe: the two events show once every older transaction of the server has ended.
      const mine = async (options: { metadata?: boolean }) => {
        for (let tries = 0; ; tries++) {
          const events = (await store.readAll({ after: LOG_START, limit: 100_000, ...options })).filter((e) => e.streamId === s);
          if (events.length === 2 || tries === 300) return events;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const full = await mine({});
      const lean = await mine({ metadata: false });
      expect(full.map((e) => e.globalPosition)).toEqual(positions);
      expect(full[0].metadata).toEqual(expect.objectContaining({ correlationId: expect.any(String) }));
      expect(lean.map((e) => [e.metadata, e.hash])).toEqual([[null, null], [null, null]]);
      expect(lean).toEqual(full.map((e) => ({ ...e, metadata: null, hash: null })));
    });

    it('hashes an upper-case event id in the form the database gives back', async () => {
      const s = stream();
      const id = randomUUID().toUpperCase();
      await store.append(s, [{ ...ev('A'), eventId: id }], { expectedVersion: 'no-stream' });
      const [stored] = await store.readStream(s);
      expect(stored.eventId).toBe(id.toLowerCase());
      expect(leafHash(stored)).toBe(stored.hash);
    });

    it('refuses UPDATE, DELETE and TRUNCATE on events', async () => {
      const s = stream();
      await store.append(s, [ev('A')], { expectedVersion: 'no-stream' });
      await expect(t.db.pool.query(`UPDATE events SET type = 'B' WHERE stream_id = $1`, [s])).rejects.toMatchObject({ code: '42501' });
      await expect(t.db.pool.query(`DELETE FROM events WHERE stream_id = $1`, [s])).rejects.toMatchObject({ code: '42501' });
      await expect(t.db.pool.query(`TRUNCATE events`)).rejects.toMatchObject({ code: '42501' });
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('never lets readAll skip an event that commits late', async () => {
      const start = await drain(store, LOG_START);
      const seen: StoredEvent[] = [];
      let checkpoint = start.checkpoint;
      let writing = true;
      const expected = 40;
      // This test's events: an event of an earlier test that another suite's transaction held back
      // (the horizon is the whole database's) may surface in the middle of them.
      const run = randomUUID();
      const mine = () => seen.filter((e) => (e.data as { run?: string }).run === run);
      const reader = (async () => {
        while (writing || mine().length < expected) {
          const batch = await store.readAll({ after: checkpoint, limit: 7 });
          for (const e of batch) seen.push(e);
          if (batch.length) checkpoint = { transactionId: batch[batch.length - 1].transactionId, position: batch[batch.length - 1].globalPosition };
          else await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const slowWriter = async (i: number) => {
        // Takes its position early and commits late, while quicker writers commit after it.
        const client = await t.db.pool.connect();
        try {
          await client.query('BEGIN');
          const s = stream();
          await client.query(`INSERT INTO streams (stream_id, version) VALUES ($1, 1)`, [s]);
          await client.query(
            `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at, hash)
             VALUES ($1, 1, $2, 'Late', 1, $3, '{}', now(), 'x')`,
            [s, randomUUID(), JSON.stringify({ i, run })],
          );
          await client.query(`SELECT pg_sleep($1)`, [0.05 + Math.random() * 0.2]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      };
      const quickWriter = async (i: number) => {
        await store.append(stream(), [ev('Quick', { i, run })], { expectedVersion: 'no-stream' });
      };
      const jobs: Promise<void>[] = [];
      for (let i = 0; i < 10; i++) {
        jobs.push(slowWriter(i));
        for (let k = 0; k < 3; k++) jobs.push(quickWriter(i * 10 + k));
      }
      await Promise.all(jobs);
      writing = false;
      await reader;
      const ids = seen.map((e) => e.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(mine()).toHaveLength(expected);
      for (let i = 1; i < seen.length; i++) {
        const a = seen[i - 1];
        const b = seen[i];
        const ordered = BigInt(a.transactionId) < BigInt(b.transactionId) || (a.transactionId === b.transactionId && a.globalPosition < b.globalPosition);
        expect(ordered).toBe(true);
      }
    });

    it('wakes a subscriber on append and delivers every event once', async () => {
      const { checkpoint } = await drain(store, LOG_START);
      const got: string[] = [];
      const sub = store.subscribe({ from: checkpoint, batchSize: 3, handle: async (batch) => void got.push(...batch.map((e) => e.eventId)) });
      const appended: string[] = [];
      for (let i = 0; i < 8; i++) {
        const id = randomUUID();
        appended.push(id);
        await store.append(stream(), [{ ...ev('Sub', { i }), eventId: id }], { expectedVersion: 'no-stream' });
      }
      const deadline = Date.now() + 5000;
      while (got.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await sub.stop();
      expect(got).toEqual(appended);
    });

    it('subscribers at one checkpoint share one read of a batch, its events frozen, metadata left unread when they ask', async () => {
      const { checkpoint } = await drain(store, LOG_START);
      const ids = [randomUUID(), randomUUID()];
      for (const id of ids) await store.append(stream(), [{ ...ev('Shared', { nested: { n: 1 } }), eventId: id }], { expectedVersion: 'no-stream' });
      const reads = jest.spyOn(store, 'readAll');
      const batches: StoredEvent[][] = [];
      const subscriptions = [0, 1].map(() => store.subscribe({ from: checkpoint, batchSize: 10, metadata: false, handle: async (batch) => void batches.push(batch) }));
      const deadline = Date.now() + 5000;
      while (batches.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await Promise.all(subscriptions.map((s) => s.stop()));
      // Reads that found the batch: an empty read (the batch still hidden behind another suite's open
      // transaction on the shared database) is not shared, by design, and each subscriber looks again.
      const found = await Promise.all(reads.mock.results.map((r) => r.value as Promise<StoredEvent[]>));
      const fromCheckpoint = reads.mock.calls.filter(([options], i) => options?.after?.position === checkpoint.position && found[i].length > 0);
      reads.mockRestore();
      expect(batches).toHaveLength(2);
      expect(batches[1]).toBe(batches[0]);
      expect(fromCheckpoint).toHaveLength(1);
      expect(batches[0].map((e) => e.eventId)).toEqual(ids);
      expect(batches[0][0].metadata).toBeNull();
      expect(() => {
        (batches[0][0].data as { nested: { n: number } }).nested.n = 2;
      }).toThrow(TypeError);
    });

  });

  describe('group commit', () => {
    // One group at a time, so that every append made in one tick joins the same group; the sizes are recorded.
    const groups: number[] = [];
    let store: PostgresEventStore;

    beforeAll(() => {
      store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 50, groupCommit: { concurrency: 1, onGroup: (n) => groups.push(n) } });
    });
    beforeEach(() => {
      groups.length = 0;
    });

    // With an append of two events the statement takes arrays; with one event each, one parameter per value.
    it.each([[['F1', 'F2']], [['F1']]])('writes a group in one statement where each append keeps its own checks and gets its own result (%j first)', async (freshTypes) => {
      const [moved, read, checked, duplicated] = [stream(), stream(), stream(), stream()];
      await store.append(moved, [ev('M1')], { expectedVersion: 'no-stream' });
      await store.append(read, [ev('R1'), ev('R2')], { expectedVersion: 'no-stream' });
      await store.append(checked, [ev('C1')], { expectedVersion: 'no-stream' });
      const known = { ...ev('D1'), eventId: randomUUID() };
      const first = await store.append(duplicated, [known], { expectedVersion: 'no-stream' });
      const [fresh, next, alsoFresh] = [stream(), stream(), stream()];
      await store.append(next, [ev('N1')], { expectedVersion: 'no-stream' });
      groups.length = 0;
      const statements: string[] = [];
      const query = t.db.pool.query.bind(t.db.pool);
      const spy = jest.spyOn(t.db.pool, 'query').mockImplementation(((config: unknown, ...rest: unknown[]) => {
        const text = typeof config === 'string' ? config : (config as { text: string }).text;
        if (/INSERT INTO events/.test(text)) statements.push(text);
        return (query as (...args: unknown[]) => unknown)(config, ...rest);
      }) as never);
      let settled: PromiseSettledResult<AppendResult>[];
      try {
        // All in one tick: one group of six.
        settled = await Promise.allSettled([
          store.append(fresh, freshTypes.map((type) => ev(type)), { expectedVersion: 'no-stream' }),
          store.append(moved, [ev('M2')], { expectedVersion: 0 }), // the stream is at 1
          store.append(duplicated, [known], { expectedVersion: 'no-stream' }), // written before: the earlier result
          store.append(read, [ev('R3')], { expectedVersion: 2, unchanged: [{ streamId: checked, version: 0 }] }), // checked is at 1
          store.append(next, [ev('N2')], { expectedVersion: 1, unchanged: [{ streamId: checked, version: 1 }, { streamId: stream(), version: 0 }] }),
          store.append(alsoFresh, [ev('A1')], { expectedVersion: 0 }),
        ]);
      } finally {
        spy.mockRestore();
      }
      expect(groups).toEqual([6]);
      expect(statements).toHaveLength(1);
      expect(/unnest\(\$4::text\[\]/.test(statements[0])).toBe(freshTypes.length > 1);
      const [wrote, conflict, again, refused, checkedOk, wroteToo] = settled;
      expect(conflict).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: 'CONCURRENCY_CONFLICT', streamId: moved, expected: 0, actual: 1 }) });
      expect(refused).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: 'CONCURRENCY_CONFLICT', streamId: checked, expected: 0, actual: 1 }) });
      expect(again).toEqual({ status: 'fulfilled', value: first });
      const results = [wrote, checkedOk, wroteToo].map((r) => (r as PromiseFulfilledResult<AppendResult>).value);
      expect(results.map((r) => [r.streamId, r.streamVersion, r.positions.length])).toEqual([[fresh, freshTypes.length, freshTypes.length], [next, 2, 1], [alsoFresh, 1, 1]]);
      // Positions follow the order of the group, and are what the log holds.
      const positions = results.flatMap((r) => r.positions);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      for (const r of results) {
        const events = await store.readStream(r.streamId);
        expect(events.slice(-r.positions.length).map((e) => e.globalPosition)).toEqual(r.positions);
        for (const e of events) expect(leafHash(e)).toBe(e.hash);
      }
      // The refused appends wrote nothing.
      expect((await store.readStream(moved)).map((e) => e.type)).toEqual(['M1']);
      expect((await store.readStream(read)).map((e) => e.type)).toEqual(['R1', 'R2']);
      expect(await store.readStream(duplicated)).toHaveLength(1);
    });

    it('refuses an event id stored in another stream to its own append only, the rest of the group written', async () => {
      const [elsewhere, mine, other] = [stream(), stream(), stream()];
      const stored = { ...ev('E1'), eventId: randomUUID() };
      await store.append(elsewhere, [stored], { expectedVersion: 'no-stream' });
      await store.append(mine, [ev('M1')], { expectedVersion: 'no-stream' });
      await store.append(other, [ev('O1')], { expectedVersion: 'no-stream' });
      groups.length = 0;
      const settled = await Promise.allSettled([
        store.append(mine, [{ ...stored, type: 'M2' }], { expectedVersion: 1 }),
        store.append(other, [ev('O2')], { expectedVersion: 1 }),
      ]);
      expect(groups).toEqual([2]);
      expect(settled[0]).toMatchObject({ status: 'rejected', reason: expect.any(EventStoreInputError) });
      expect(settled[1]).toMatchObject({ status: 'fulfilled', value: { streamId: other, streamVersion: 2 } });
      expect((await store.readStream(mine)).map((e) => e.type)).toEqual(['M1']);
      expect((await store.readStream(other)).map((e) => e.type)).toEqual(['O1', 'O2']);
      expect((await store.readStream(elsewhere)).map((e) => e.type)).toEqual(['E1']);
    });

    it('writes appends that touch the same stream one group after the other, as if one after the other', async () => {
      const [s, other, checked] = [stream(), stream(), stream()];
      await store.append(checked, [ev('C1')], { expectedVersion: 'no-stream' });
      groups.length = 0;
      const same = { ...ev('X'), eventId: randomUUID() };
      const settled = await Promise.allSettled([
        store.append(s, [ev('S1')], { expectedVersion: 'no-stream' }),
        store.append(checked, [ev('C2')], { expectedVersion: 1 }),
        store.append(s, [ev('S2')], { expectedVersion: 1 }), // sees the first one
        store.append(other, [ev('O1')], { expectedVersion: 'no-stream', unchanged: [{ streamId: checked, version: 1 }] }), // sees C2
        store.append(stream(), [ev('Y')], { expectedVersion: 'any' }), // written alone, under its row lock
      ]);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ streamId: checked, actual: 2 });
      expect(groups).toEqual([2, 2]); // (S1, C2), then (S2, O1)
      expect((await store.readStream(s)).map((e) => [e.version, e.type])).toEqual([[1, 'S1'], [2, 'S2']]);
      // The same event id twice in one tick: written once, the second answered with the first result.
      const twice = await Promise.all([store.append(s, [same], { expectedVersion: 2 }), store.append(s, [same], { expectedVersion: 2 })]);
      expect(twice[1]).toEqual(twice[0]);
      expect(await store.streamVersion(s)).toBe(3);
    });
  });
});

describe('wake-ups across processes (server database)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await serverDatabase();
  });
  afterAll(async () => t?.dispose());

  it('sends no NOTIFY when told there is no other process (the embedded database)', async () => {
    const sent = async (options: { notify?: boolean }) => {
      const texts: string[] = [];
      const pool = { query: (config: unknown, ...rest: unknown[]) => (texts.push(typeof config === 'string' ? config : (config as { text: string }).text), (t.db.pool.query as any)(config, ...rest)), options: { max: 10 } };
      const store = new PostgresEventStore(pool as unknown as typeof t.db.pool, options);
      await store.append(`test-${randomUUID()}`, [ev('Quiet')], { expectedVersion: 'no-stream' });
      await new Promise((r) => setTimeout(r, 30));
      return texts.filter((q) => q.includes('pg_notify')).length;
    };
    expect(await sent({})).toBe(1);
    expect(await sent({ notify: false })).toBe(0);
  });

  it('delivers the last events of a burst through the trailing NOTIFY, without waiting for the poll', async () => {
    // Two stores on separate pools stand for two processes: only NOTIFY can wake the reader,
    // whose poll (one minute) is far beyond the deadline.
    const writer = new PostgresEventStore(t.db.pool);
    const reader = new PostgresEventStore(t.db.pool, { signal: t.db.signal, pollIntervalMs: 60_000 });
    const { checkpoint } = await drain(reader, LOG_START);
    const got: string[] = [];
    const sub = reader.subscribe({ from: checkpoint, handle: async (batch) => void got.push(...batch.map((e) => e.eventId)) });
    await new Promise((r) => setTimeout(r, 100)); // the subscriber has read the empty tail and sleeps
    const ids = Array.from({ length: 30 }, () => randomUUID());
    // A burst inside one throttle window: one NOTIFY at its start, one trailing at its end.
    await Promise.all(ids.map((id) => writer.append(`test-${randomUUID()}`, [{ ...ev('Burst'), eventId: id }], { expectedVersion: 'no-stream' })));
    const deadline = Date.now() + 5000;
    while (ids.some((id) => !got.includes(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await sub.stop();
    // Each once (an earlier event that another suite's transaction held back may come too).
    expect(ids.filter((id) => !got.includes(id))).toEqual([]);
    expect(new Set(got).size).toBe(got.length);
  });
  it('looks again soon when woken for events that a transaction elsewhere still hides', async () => {
    const writer = new PostgresEventStore(t.db.pool);
    const reader = new PostgresEventStore(t.db.pool, { signal: t.db.signal, pollIntervalMs: 60_000 });
    const { checkpoint } = await drain(reader, LOG_START);
    const got: string[] = [];
    const sub = reader.subscribe({ from: checkpoint, handle: async (batch) => void got.push(...batch.map((e) => e.eventId)) });
    await new Promise((r) => setTimeout(r, 100));
    // A transaction with an id, open while the appends commit: gap-safe readers cannot see past it.
    const holder = await t.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      const ids = Array.from({ length: 5 }, () => randomUUID());
      await Promise.all(ids.map((id) => writer.append(`test-${randomUUID()}`, [{ ...ev('Hidden'), eventId: id }], { expectedVersion: 'no-stream' })));
      await new Promise((r) => setTimeout(r, 60)); // the NOTIFYs have come and gone
      expect(got).toEqual([]);
      await holder.query('COMMIT');
      const deadline = Date.now() + 3000;
      while (got.length < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect([...got].sort()).toEqual([...ids].sort());
    } finally {
      holder.release();
      await sub.stop();
    }
  });
});

describe('subscription with a least interval between batches (server database)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await serverDatabase();
  });
  afterAll(async () => t?.dispose());

  it('with a least interval, reads the first append after a quiet spell at once, a steady flow once per interval, a full batch or a hurried reader at once', async () => {
    const store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 50 });
    const stream = () => `test-${randomUUID()}`;
    const { checkpoint } = await drain(store, LOG_START);
    const batches: Array<{ at: number; ids: string[] }> = [];
    const sub = store.subscribe({ from: checkpoint, batchSize: 3, minIntervalMs: 2000, handle: async (batch) => void batches.push({ at: performance.now(), ids: batch.map((e) => e.eventId) }) });
    const until = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while (batches.flatMap((b) => b.ids).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await new Promise((r) => setTimeout(r, 2100)); // quiet for longer than the interval
      const quiet = performance.now();
      await store.append(stream(), [ev('Quiet')], { expectedVersion: 'no-stream' });
      await until(1);
      expect(batches).toHaveLength(1);
      expect(batches[0].at - quiet).toBeLessThan(1500);
      // Two appends 50 ms apart, then nothing: read together, not before the interval has passed.
      await store.append(stream(), [ev('Steady')], { expectedVersion: 'no-stream' });
      await new Promise((r) => setTimeout(r, 50));
      await store.append(stream(), [ev('Steady')], { expectedVersion: 'no-stream' });
      await until(3);
      expect(batches.map((b) => b.ids.length)).toEqual([1, 2]);
      expect(batches[1].at - batches[0].at).toBeGreaterThanOrEqual(1990);
      // Seven at once: batches of 3, 3 and 1, the two after a full one without waiting.
      await store.appendMany(Array.from({ length: 7 }, () => ({ streamId: stream(), events: [ev('Burst')], expectedVersion: 'no-stream' as const })));
      await until(10);
      const burst = batches.slice(2);
      expect(burst.map((b) => b.ids.length)).toEqual([3, 3, 1]);
      expect(burst[2].at - burst[0].at).toBeLessThan(1500);
      // Right after a batch, a reader in a hurry: read now, not two seconds later.
      await store.append(stream(), [ev('Awaited')], { expectedVersion: 'no-stream' });
      const asked = performance.now();
      sub.hurry!();
      await until(11);
      expect(batches.at(-1)!.at - asked).toBeLessThan(1500);
    } finally {
      await sub.stop();
    }
  });
});

describe('group commit when the statement fails (server database)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await serverDatabase({ poolSize: 4 });
  });
  afterAll(async () => t?.dispose());

  it('writes each append of the group alone when one of them makes the statement fail', async () => {
    const groups: number[] = [];
    const store = new PostgresEventStore(t.db.pool, { groupCommit: { concurrency: 1, onGroup: (n) => groups.push(n) } });
    // Another transaction holds an event id the group is about to write: its check cannot see it, the unique index waits for it.
    const held = randomUUID();
    const other = await t.db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO streams (stream_id, version) VALUES ($1, 1)`, [`held-${held}`]);
      await other.query(
        `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at, hash) VALUES ($1, 1, $2, 'Held', 1, '{}', '{}', now(), 'x')`,
        [`held-${held}`, held],
      );
      const [a, b] = [stream(), stream()];
      const settled = Promise.allSettled([
        store.append(a, [{ ...ev('A'), eventId: held }], { expectedVersion: 'no-stream' }),
        store.append(b, [ev('B')], { expectedVersion: 'no-stream' }),
      ]);
      await new Promise((r) => setTimeout(r, 200)); // the group statement waits on the held id
      await other.query('COMMIT');
      const [sameId, fine] = await settled;
      expect(groups).toEqual([2]);
      expect(sameId).toMatchObject({ status: 'rejected', reason: expect.any(EventStoreInputError) }); // the id is stored elsewhere in the log
      expect(fine).toMatchObject({ status: 'fulfilled', value: { streamId: b, streamVersion: 1 } });
      expect(await store.streamVersion(a)).toBe(0);
      expect((await store.readStream(b)).map((e) => e.type)).toEqual(['B']);
    } finally {
      other.release();
    }
  });
});

describe('group commit beyond one group at a time (server database)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await serverDatabase({ poolSize: 4 });
  });
  afterAll(async () => t?.dispose());

  /** Another transaction holding a stream's row: an append to that stream waits for its end. */
  async function holding(streamId: string, run: () => Promise<void>): Promise<void> {
    const other = await t.db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT version FROM streams WHERE stream_id = $1 FOR UPDATE', [streamId]);
      await run();
    } finally {
      await other.query('COMMIT');
      other.release();
    }
  }

  it('lets the appends of other streams through while a group waits on a lock', async () => {
    const groups: number[] = [];
    const store = new PostgresEventStore(t.db.pool, { groupCommit: { concurrency: 1, stallMs: 20, onGroup: (n) => groups.push(n) } });
    const [locked, free] = [stream(), stream()];
    await store.append(locked, [ev('L1')], { expectedVersion: 'no-stream' });
    let blocked: Promise<AppendResult> | undefined;
    let blockedDone = false;
    await holding(locked, async () => {
      blocked = store.append(locked, [ev('L2')], { expectedVersion: 1 });
      void blocked.then(() => (blockedDone = true));
      await new Promise((r) => setTimeout(r, 50)); // its group is waiting on the row
      const through = await store.append(free, [ev('F1')], { expectedVersion: 'no-stream' });
      expect(through).toMatchObject({ streamId: free, streamVersion: 1 });
      expect(blockedDone).toBe(false);
    });
    expect(await blocked).toMatchObject({ streamId: locked, streamVersion: 2 });
  });

  it('starts another group when a full one is queued, whatever the groups committing', async () => {
    const groups: number[] = [];
    const store = new PostgresEventStore(t.db.pool, { groupCommit: { concurrency: 1, maxEvents: 2, stallMs: 600_000, onGroup: (n) => groups.push(n) } });
    const [locked, a, b, c] = [stream(), stream(), stream(), stream()];
    await store.append(locked, [ev('L1')], { expectedVersion: 'no-stream' });
    groups.length = 0;
    let blocked: Promise<AppendResult[]> | undefined;
    await holding(locked, async () => {
      blocked = Promise.all([store.append(locked, [ev('L2')], { expectedVersion: 1 }), store.append(a, [ev('A1')], { expectedVersion: 'no-stream' })]);
      await new Promise((r) => setTimeout(r, 50)); // that group is waiting on the row
      const through = await Promise.all([store.append(b, [ev('B1')], { expectedVersion: 'no-stream' }), store.append(c, [ev('C1')], { expectedVersion: 'no-stream' })]);
      expect(through.map((r) => r.streamVersion)).toEqual([1, 1]);
    });
    expect((await blocked!).map((r) => r.streamVersion)).toEqual([2, 1]);
    expect(groups).toEqual([2, 2]);
  });
});

describe('group commit plans (server database)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await serverDatabase({ poolSize: 1 }); // one connection: the store's named statements are the ones explained
  });
  afterAll(async () => t?.dispose());

  it('finds the streams of a group by their key even when its plan was made while the table was nearly empty', async () => {
    const groups: number[] = [];
    const store = new PostgresEventStore(t.db.pool, { groupCommit: { concurrency: 1, onGroup: (n) => groups.push(n) } });
    const streams = [stream(), stream()];
    await Promise.all(streams.map((s) => store.append(s, [ev('A')], { expectedVersion: 'no-stream' })));
    await Promise.all(streams.map((s) => store.append(s, [ev('B')], { expectedVersion: 1 }))); // one event each: scalar parameters
    await Promise.all(streams.map((s) => store.append(s, [ev('C'), ev('D')], { expectedVersion: 2 }))); // several: arrays
    expect(groups).toEqual([2, 2, 2]);
    // The server pool keeps one generic plan per named statement for the connection's life.
    await t.db.pool.query(`INSERT INTO streams (stream_id, version) SELECT 'grown-' || g, 1 FROM generate_series(1, 20000) g`);
    const text = (v: unknown) => `'${v}'`;
    const array = (values: unknown[]) => `'{${values.map((v) => `"${v}"`).join(',')}}'`;
    const scalar = streams.flatMap((s) => [s, 4, randomUUID(), 'E', 1, '{}', '{}', '2026-01-01T00:00:00Z', 'h'].map(text));
    const arrays = [
      array(streams), array([4, 4]), array([1, 1]), array(streams), array([randomUUID(), randomUUID()]), array(['E', 'E']), array([1, 1]),
      array(['{}', '{}']), array(['{}', '{}']), array(['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z']), array(['h', 'h']), array([5, 5]),
    ];
    for (const [name, params] of [['event_store_append_group_of_2', scalar], ['event_store_append_group', arrays]] as const) {
      const { rows } = await t.db.pool.query(`EXPLAIN EXECUTE ${name}(${params.join(', ')})`);
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan using streams_pkey/);
      expect(plan).not.toMatch(/Seq Scan on streams/);
    }
  });
});

async function drain(store: PostgresEventStore, from: typeof LOG_START) {
  let checkpoint = from;
  for (;;) {
    const batch = await store.readAll({ after: checkpoint, limit: 1000 });
    if (!batch.length) return { checkpoint };
    const last = batch[batch.length - 1];
    checkpoint = { transactionId: last.transactionId, position: last.globalPosition };
  }
}

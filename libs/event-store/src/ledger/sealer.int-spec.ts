import { generateKeyPairSync } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { embeddedDatabase, serverDatabase, TestDatabase, TEST_DATABASE_URL } from '../../../../test/support/databases';
import { migrate } from '../migrations';
import { PostgresEventStore } from '../postgres-event-store';
import { LEDGER_MIGRATIONS } from './ledger-migrations';
import { sealAtLeast } from '../testing/ledger-test-kit';
import { LedgerIntegrityError, LedgerSealer, SealerOptions } from './sealer';
import { chainHash, GENESIS, keyFingerprint, verifyCheckpointSignature } from '@app/proof/canonical';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

function sealerOptions(overrides: Partial<SealerOptions> = {}): SealerOptions {
  return { origin: 'urn:test:ledger', privateKey, keyFingerprint: keyFingerprint(publicKeyPem), checkpointEvery: 10, checkpointSeconds: 3600, ...overrides };
}

function event(n: number) {
  return {
    type: 'TestHappened',
    data: { n, text: `event ${n}` },
    metadata: { actor: { id: 'u1', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() },
  };
}

async function appendMany(store: PostgresEventStore, count: number, streams = 3): Promise<void> {
  for (let i = 0; i < count; i++) await store.append(`s-${i % streams}`, [event(i)], { expectedVersion: 'any' });
}

async function ledgerRows(t: TestDatabase) {
  const { rows } = await t.db.pool.query('SELECT l.seq, l.global_position, l.leaf, l.chain, e.hash FROM ledger l JOIN events e USING (global_position) ORDER BY seq');
  return rows.map((r) => ({ seq: Number(r.seq), position: Number(r.global_position), leaf: r.leaf, chain: r.chain, hash: r.hash }));
}

function expectValidChain(rows: Array<{ seq: number; leaf: string; chain: string; hash: string }>, count: number): void {
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  let h = GENESIS;
  for (const r of rows) {
    expect(r.leaf).toBe(r.hash);
    h = chainHash(h, r.leaf);
    expect(r.chain).toBe(h);
  }
}

describe('ledger sealer', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    t = await serverDatabase();
    await migrate(t.db.pool, LEDGER_MIGRATIONS, 'ledger');
    store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 100 });
  });
  afterEach(() => t.dispose());

  it('gives every event a contiguous seq and the chain hash, with signed checkpoints every N events', async () => {
    await appendMany(store, 25);
    const sealer = new LedgerSealer(t.db.pool, sealerOptions({ batchSize: 7 }));
    expect(await sealAtLeast(sealer, 25)).toBe(25);
    const rows = await ledgerRows(t);
    expectValidChain(rows, 25);
    const { rows: cps } = await t.db.pool.query('SELECT size, head, origin, time, signature FROM ledger_checkpoints ORDER BY size');
    expect(cps.map((c) => Number(c.size))).toEqual([10, 20]);
    for (const c of cps) {
      expect(c.head).toBe(rows[Number(c.size) - 1].chain);
      expect(verifyCheckpointSignature({ ...c, size: Number(c.size), time: new Date(c.time).toISOString() }, publicKeyPem)).toBe(true);
    }
    const now = await sealer.checkpointNow();
    expect(now.size).toBe(25);
    expect(now.head).toBe(rows[24].chain);
    // Asking again without new events hands back the same checkpoint rather than a new one.
    expect(await sealer.checkpointNow()).toEqual(now);
  });

  it('with a least interval, seals the first append after a quiet spell at once and a steady flow in few batches', async () => {
    const sealer = new LedgerSealer(t.db.pool, sealerOptions({ pollIntervalMs: 60_000, minIntervalMs: 2000, checkpointEvery: 1000 }));
    sealer.start((l) => store.onAppend(l));
    try {
      await waitFor(async () => (await sealer.status()).running);
      await new Promise((r) => setTimeout(r, 2100)); // quiet for longer than the interval
      const first = performance.now();
      await appendMany(store, 1);
      await waitFor(async () => (await sealer.status()).sealedSeq === 1);
      expect(performance.now() - first).toBeLessThan(1500); // not held back by the interval
      // Ten appends, 30 ms apart: at most one batch per interval after the first.
      for (let i = 0; i < 10; i++) {
        await appendMany(store, 1);
        await new Promise((r) => setTimeout(r, 30));
      }
      await waitFor(async () => (await sealer.status()).sealedSeq === 11, 10_000);
      const { rows } = await t.db.pool.query('SELECT count(DISTINCT sealed_at)::int AS batches FROM ledger WHERE seq > 1');
      expect(rows[0].batches).toBeLessThanOrEqual(2);
    } finally {
      await sealer.stop();
    }
    expectValidChain(await ledgerRows(t), 11);
  });

  it('is idempotent across restarts: a second sealer continues where the first stopped', async () => {
    await appendMany(store, 12);
    await sealAtLeast(new LedgerSealer(t.db.pool, sealerOptions()), 12);
    await appendMany(store, 5);
    const second = new LedgerSealer(t.db.pool, sealerOptions());
    expect(await sealAtLeast(second, 17)).toBe(17);
    expect(await second.sealAll()).toBe(17);
    expectValidChain(await ledgerRows(t), 17);
  });

  it('seals in the background, woken by appends, without appends waiting for it', async () => {
    const sealer = new LedgerSealer(t.db.pool, sealerOptions({ pollIntervalMs: 5000 }));
    sealer.start((l) => store.onAppend(l));
    try {
      await appendMany(store, 8);
      await waitFor(async () => (await sealer.status()).sealedSeq === 8);
      const status = await sealer.status();
      expect(status).toMatchObject({ sealedSeq: 8, unsealedEvents: 0, running: true, halted: null });
      expect(status.sealedPosition).toBe(status.headPosition);
    } finally {
      await sealer.stop();
    }
    expectValidChain(await ledgerRows(t), 8);
  });

  it('looks again soon when woken for events that a transaction elsewhere still hides, not at its poll', async () => {
    const sealer = new LedgerSealer(t.db.pool, sealerOptions({ pollIntervalMs: 60_000 }));
    await appendMany(store, 1);
    await sealAtLeast(sealer, 1);
    sealer.start((l) => store.onAppend(l));
    // A transaction with an id, open while the appends commit: gap-safe readers cannot see past it.
    const holder = await t.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      await appendMany(store, 4);
      // The wake-ups have come and found nothing to seal; the short looks that follow (10 ... 320 ms, then
      // every 320 ms) find nothing either while the transaction stays open.
      await new Promise((r) => setTimeout(r, 1000));
      expect((await sealer.status()).sealedSeq).toBe(1);
      await holder.query('COMMIT');
      await waitFor(async () => (await sealer.status()).sealedSeq === 5, 2000);
    } finally {
      holder.release();
      await sealer.stop();
    }
    expectValidChain(await ledgerRows(t), 5);
  });

  it('writes a checkpoint once the oldest uncovered event waited T seconds', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const sealer = new LedgerSealer(t.db.pool, sealerOptions({ checkpointEvery: 1000, checkpointSeconds: 10, now: () => new Date(clock) }));
    const sizes = async () => (await t.db.pool.query('SELECT size FROM ledger_checkpoints ORDER BY size')).rows.map((r) => Number(r.size));
    await appendMany(store, 2);
    await sealAtLeast(sealer, 2);
    clock += 5_000;
    await appendMany(store, 1);
    await sealAtLeast(sealer, 3);
    expect(await sizes()).toEqual([]);
    clock += 5_000;
    await sealer.sealBatch();
    expect(await sizes()).toEqual([3]);
    await sealer.sealBatch();
    expect(await sizes()).toEqual([3]); // nothing new to cover
  });
});

describe('ledger sealer with concurrent processes and transactions', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    t = await serverDatabase();
    await migrate(t.db.pool, LEDGER_MIGRATIONS, 'ledger');
    store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 100 });
  });
  afterEach(() => t.dispose());

  it('never skips an event whose transaction commits late (gap-safe order)', async () => {
    await appendMany(store, 2);
    const sealer = new LedgerSealer(t.db.pool, sealerOptions());
    await sealAtLeast(sealer, 2);
    const slow = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${t.schema}` });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO events (stream_id, version, event_id, type, schema_version, data, metadata, recorded_at, hash)
         VALUES ('late', 1, $1, 'X', 1, '{}', '{}', now(), 'not-yet')`,
        [randomUUID()],
      );
      await appendMany(store, 3);
      // The late transaction holds the horizon: nothing after it may be sealed yet.
      expect(await sealer.sealAll()).toBe(2);
      await slow.query('ROLLBACK');
      expect(await sealAtLeast(sealer, 5)).toBe(5);
      expectValidChain(await ledgerRows(t), 5);
    } finally {
      await slow.end();
    }
  });

  it('seals each event exactly once when several sealers race with concurrent appends', async () => {
    const sealers = [0, 1, 2].map(() => new LedgerSealer(t.db.pool, sealerOptions({ batchSize: 4 })));
    const appending = Promise.all([0, 1, 2, 3].map(async (w) => {
      for (let i = 0; i < 10; i++) await store.append(`w-${w}`, [event(i)], { expectedVersion: 'any' });
    }));
    const sealing = Promise.all(sealers.map(async (s) => {
      for (let i = 0; i < 15; i++) await s.sealAll();
    }));
    await Promise.all([appending, sealing]);
    await sealAtLeast(sealers[0], 40);
    const rows = await ledgerRows(t);
    expectValidChain(rows, 40);
    expect(new Set(rows.map((r) => r.position)).size).toBe(40);
  });

  it('only one background loop leads; another takes over when it stops', async () => {
    const a = new LedgerSealer(t.db.pool, sealerOptions({ pollIntervalMs: 50 }));
    const b = new LedgerSealer(t.db.pool, sealerOptions({ pollIntervalMs: 50 }));
    a.start((l) => store.onAppend(l), t.db.connection);
    await waitFor(async () => a.leader);
    b.start((l) => store.onAppend(l), t.db.connection);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.leader).toBe(false);
    await a.stop();
    await appendMany(store, 3);
    await waitFor(async () => b.leader && (await b.status()).sealedSeq === 3, 10_000);
    await b.stop();
  });

  it('stops loudly when a stored event no longer matches the hash recorded at append', async () => {
    await appendMany(store, 4);
    const admin = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${t.schema}` });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE events DISABLE TRIGGER USER');
      await admin.query(`UPDATE events SET data = jsonb_set(data, '{text}', '"forged"') WHERE global_position = (SELECT min(global_position) + 2 FROM events)`);
      await admin.query('ALTER TABLE events ENABLE TRIGGER USER');
    } finally {
      await admin.end();
    }
    const sealer = new LedgerSealer(t.db.pool, sealerOptions());
    const error = await sealAtLeast(sealer, 4).catch((e) => e);
    expect(error).toBeInstanceOf(LedgerIntegrityError);
    expect((await ledgerRows(t)).length).toBe(2); // the intact prefix is sealed, nothing after the fault
    expect((await sealer.status()).halted).toMatch(/does not hash/);
    await expect(sealer.sealBatch()).rejects.toBeInstanceOf(LedgerIntegrityError);
  });
});

// PGlite takes long to start on a busy machine: one test covers the embedded path end to end.
describe('ledger sealer on embedded PGlite', () => {
  it('seals in the background over the single pooled connection and checkpoints on demand', async () => {
    const t = await embeddedDatabase();
    try {
      await migrate(t.db.pool, LEDGER_MIGRATIONS, 'ledger');
      const store = new PostgresEventStore(t.db.pool, { pollIntervalMs: 100 });
      const sealer = new LedgerSealer(t.db.pool, sealerOptions({ pollIntervalMs: 5000 }));
      sealer.start((l) => store.onAppend(l));
      try {
        await appendMany(store, 13);
        await waitFor(async () => (await sealer.status()).sealedSeq === 13);
        // Export-style call while the loop runs: both go through the one connection.
        const cp = await sealer.checkpointNow();
        expect(cp.size).toBe(13);
      } finally {
        await sealer.stop();
      }
      const rows = await ledgerRows(t);
      expectValidChain(rows, 13);
      const { rows: cps } = await t.db.pool.query('SELECT size FROM ledger_checkpoints ORDER BY size');
      expect(cps.map((c) => Number(c.size))).toEqual([10, 13]);
    } finally {
      await t.dispose();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

import { sign } from 'node:crypto';
import type { Pool } from 'pg';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { migrate } from '../migrations';
import { PostgresEventStore } from '../postgres-event-store';
import { LEDGER_MIGRATIONS } from './ledger-migrations';
import { appendEvents, exportLines, ledgerKey, newKey, ORIGIN, sealAtLeast, sealer as newSealer, TestKey } from '../testing/ledger-test-kit';
import { appendKeyRotation, publicKeyOfFingerprint, readKeyRotations } from './key-rotation';
import { verifyStoredLedger } from './ledger-reader';
import { LedgerIntegrityError, LedgerSealer, SigningKeyNotInForceError } from './sealer';
import { signCheckpoint, type SignedCheckpoint } from '@app/proof/canonical';
import { KEY_STREAM, ROTATION_TYPE, rotationPayload, signRotation, type RotationData } from '@app/proof/key-chain';
import { verifyBundle } from '@app/proof/verify-bundle';

const actor = { id: 'cli:ops', role: 'admin' };

async function rotate(store: PostgresEventStore, pool: Pool, from: TestKey, sealerFrom: LedgerSealer, to: TestKey) {
  const after = await sealerFrom.checkpointNow();
  const { data } = await appendKeyRotation(store, { origin: ORIGIN, previousPublicKeyPem: from.publicKeyPem, previousKey: from.privateKey, nextKey: to.privateKey, after, actor });
  const next = newSealer(pool, to);
  await sealAtLeast(next, after.size + 1); // another suite's open transaction may hold the rotation back a moment
  return { data, sealer: next, checkpoint: await next.checkpointNow() };
}

describe('ledger key rotation', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  const a = newKey();
  const b = newKey();
  const c = newKey();
  let sealerA: LedgerSealer;
  let sealerB: LedgerSealer;
  let first: SignedCheckpoint;
  let rotation: { data: RotationData; checkpoint: SignedCheckpoint };
  let latest: SignedCheckpoint;

  beforeAll(async () => {
    t = await serverDatabase();
    await migrate(t.db.pool, LEDGER_MIGRATIONS, 'ledger');
    store = new PostgresEventStore(t.db.pool);
    sealerA = newSealer(t.db.pool, a);
    await appendEvents(store, 12);
    await sealAtLeast(sealerA, 12);
    first = await sealerA.checkpointNow();
  });
  afterAll(() => t.dispose());

  it('seals the rotation, signs later checkpoints with the new key, and the old key signs nothing more', async () => {
    const r = await rotate(store, t.db.pool, a, sealerA, b);
    sealerB = r.sealer;
    rotation = r;
    expect(await readKeyRotations(t.db.pool)).toEqual([{ seq: 13, keyFingerprint: b.fingerprint, publicKeyPem: b.publicKeyPem, previousKeyFingerprint: a.fingerprint, previousPublicKeyPem: a.publicKeyPem }]);
    expect(r.checkpoint.size).toBe(13);
    // What a jury record sealed before the rotation is checked with.
    expect([await publicKeyOfFingerprint(t.db.pool, a.fingerprint), await publicKeyOfFingerprint(t.db.pool, b.fingerprint), await publicKeyOfFingerprint(t.db.pool, c.fingerprint)]).toEqual([a.publicKeyPem, b.publicKeyPem, null]);
    await appendEvents(store, 5, 100);
    await sealAtLeast(sealerA, 18); // the old key still seals...
    await expect(sealerA.checkpointNow()).rejects.toThrow(SigningKeyNotInForceError); // ...but signs nothing
    latest = await sealerB.checkpointNow();
    expect(latest.size).toBe(18);
    const { rows } = await t.db.pool.query('SELECT size, key_fingerprint FROM ledger_checkpoints ORDER BY size');
    expect(rows.map((r) => [Number(r.size), r.key_fingerprint])).toEqual([
      [10, a.fingerprint],
      [12, a.fingerprint],
      [13, b.fingerprint],
      [18, b.fingerprint],
    ]);
  });

  it('exports verify from the original key, whole and as increments across the rotation', async () => {
    for (const configured of [a, b]) {
      const whole = await exportLines(t.db.pool, configured, latest);
      expect(JSON.parse(whole[0])).toMatchObject({ keyFingerprint: a.fingerprint });
      expect(await verifyBundle(whole, { publicKeyPem: a.publicKeyPem })).toMatchObject({ ok: true, lastSeq: 18, checkpoints: 4, rotations: 1, lastKeyFingerprint: b.fingerprint });
    }
    const across = await exportLines(t.db.pool, b, rotation.checkpoint, first.size + 1);
    expect(await verifyBundle(across, { previous: first, publicKeyPem: a.publicKeyPem })).toMatchObject({ ok: true, rotations: 1 });
    const after = await exportLines(t.db.pool, b, latest, rotation.checkpoint.size + 1);
    expect(JSON.parse(after[0])).toMatchObject({ keyFingerprint: b.fingerprint });
    expect(await verifyBundle(after, { previous: { ...rotation.checkpoint, rotations: [rotation.data] }, publicKeyPem: a.publicKeyPem })).toMatchObject({ ok: true });
  });

  it('the stored log verifies across keys, with the old or the new key configured, and reports an unannounced key', async () => {
    expect(await verifyStoredLedger(t.db.pool, ledgerKey(b))).toMatchObject({ ok: true, verifiedUpTo: 18, checkpoints: 4 });
    expect(await verifyStoredLedger(t.db.pool, ledgerKey(a))).toMatchObject({ ok: true, checkpoints: 4 });
    expect(await verifyStoredLedger(t.db.pool, ledgerKey(c))).toMatchObject({ ok: false, reason: expect.stringContaining(`does not pass through the current key ${c.fingerprint}`) });

    // A process on a key no rotation announced seals, but signs nothing.
    await appendEvents(store, 2, 200);
    const sealerC = newSealer(t.db.pool, c);
    await sealAtLeast(sealerC, 20);
    await expect(sealerC.checkpointNow()).rejects.toThrow(SigningKeyNotInForceError);
    // One signed behind the sealer's back is reported, by the stored verification and offline, naming the key.
    const head = (await t.db.pool.query('SELECT chain FROM ledger WHERE seq = 20')).rows[0].chain;
    const forged = signCheckpoint({ origin: ORIGIN, size: 20, head, time: new Date().toISOString() }, c.privateKey);
    await t.db.pool.query('INSERT INTO ledger_checkpoints (size, head, time, origin, signature, key_fingerprint) VALUES ($1, $2, $3, $4, $5, $6)', [20, head, forged.time, ORIGIN, forged.signature, c.fingerprint]);
    expect(await verifyStoredLedger(t.db.pool, ledgerKey(b))).toMatchObject({ ok: false, firstBadSeq: 20, reason: expect.stringContaining(`signed by ${c.fingerprint}, not by the key in force at that size (${b.fingerprint})`) });
    const bundle = await exportLines(t.db.pool, b, await sealerB.checkpointNow());
    expect(await verifyBundle(bundle, { publicKeyPem: a.publicKeyPem })).toMatchObject({ ok: false, firstBadSeq: 20, reason: expect.stringContaining(`signed by key ${c.fingerprint}, which no key rotation announced`) });
  });

  it('never seals a rotation the key in force did not sign (the sealer halts), nor signs with a key configured in place of the one in force', async () => {
    const other = await serverDatabase();
    try {
      await migrate(other.db.pool, LEDGER_MIGRATIONS, 'ledger');
      const otherStore = new PostgresEventStore(other.db.pool);
      const sealer = newSealer(other.db.pool, a);
      await appendEvents(otherStore, 3);
      await sealAtLeast(sealer, 3);
      await sealer.checkpointNow();
      // Without any rotation, a process configured with another key than the checkpoints' signs nothing.
      await appendEvents(otherStore, 1, 3);
      const replaced = newSealer(other.db.pool, b);
      await sealAtLeast(replaced, 4);
      await expect(replaced.checkpointNow()).rejects.toThrow(/the ledger's checkpoints are signed by .*keys rotate/);
      const after = await sealer.checkpointNow();
      const data = signRotation({ origin: ORIGIN, previousPublicKey: a.publicKeyPem, after: { size: after.size, head: after.head }, rotatedAt: new Date().toISOString() }, null, b.privateKey);
      data.signatures.previous = sign(null, rotationPayload(data), c.privateKey).toString('base64'); // a forger's key in place of A
      await otherStore.append(KEY_STREAM, [{ type: ROTATION_TYPE, data, metadata: { actor, correlationId: 'x', causationId: null, recordedAt: new Date().toISOString() } }], { expectedVersion: 'any' });
      await expect(sealAtLeast(sealer, 5)).rejects.toThrow(LedgerIntegrityError);
      expect(sealer.halted).toMatch(/key rotation at position \d+ refused: the rotation is not signed by the key in force/);
      expect(await readKeyRotations(other.db.pool)).toEqual([]);
    } finally {
      await other.dispose();
    }
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { migrate } from '../migrations';
import { PostgresEventStore } from '../postgres-event-store';
import { LEDGER_MIGRATIONS } from './ledger-migrations';
import { appendEvents, exportLines, forge, ledgerKey, newKey, sealAtLeast, sealer as newSealer, TestKey } from '../testing/ledger-test-kit';
import { LedgerRangeError, openExport } from './ledger-reader';
import { LedgerSealer } from './sealer';
import { chainHash, GENESIS, leafHash, signCheckpoint, type SignedCheckpoint } from '@app/proof/canonical';
import { verifyBundle, type VerifyResult } from '@app/proof/verify-bundle';

/**
 * Every kind of tampering named in the audit requirements, each against a real
 * export of a log appended through the event store and sealed by the sealer.
 */
describe('export bundle: tampering is detected offline', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  let key: TestKey;
  let sealer: LedgerSealer;
  let checkpoint: SignedCheckpoint;
  let bundle: string[];
  let dir: string;

  beforeAll(async () => {
    t = await serverDatabase();
    await migrate(t.db.pool, LEDGER_MIGRATIONS, 'ledger');
    store = new PostgresEventStore(t.db.pool);
    key = newKey();
    sealer = newSealer(t.db.pool, key, { checkpointEvery: 10 });
    await appendEvents(store, 30);
    await sealAtLeast(sealer, 30);
    checkpoint = await sealer.checkpointNow();
    bundle = await exportLines(t.db.pool, key, checkpoint);
    dir = mkdtempSync(join(tmpdir(), 'ledger-tamper-'));
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const records = () => bundle.map((l) => JSON.parse(l));
  const lineOfSeq = (lines: string[], seq: number) => lines.findIndex((l) => l.includes(`"kind":"event","seq":${seq},`));
  const verify = (lines: string[], options = {}) => verifyBundle(lines, options);
  const expectFailureAt = (result: VerifyResult, seq: number, reason?: RegExp) => {
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.firstBadSeq).toBe(seq);
    if (reason) expect(result.reason).toMatch(reason);
  };
  /** Edit the JSON of one event line, keeping its seq, leaf and chain as exported. */
  const editEvent = (seq: number, edit: (event: any) => void): string[] => {
    const lines = [...bundle];
    const i = lineOfSeq(lines, seq);
    const rec = JSON.parse(lines[i]);
    edit(rec.event);
    lines[i] = JSON.stringify(rec);
    return lines;
  };

  it('exports a header, every event in seq order, checkpoints after the event they cover, and ends with the covering checkpoint', async () => {
    const recs = records();
    expect(recs[0]).toMatchObject({ kind: 'header', format: 'cert-ledger-bundle/1', origin: 'urn:test:ledger', from: 1, previousHead: GENESIS, keyFingerprint: key.fingerprint });
    expect(recs.filter((r) => r.kind === 'event').map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const checkpointIndexes = recs.flatMap((r, i) => (r.kind === 'checkpoint' ? [i] : []));
    expect(checkpointIndexes.map((i) => recs[i].size)).toEqual([10, 20, 30]);
    for (const i of checkpointIndexes) expect(recs[i - 1]).toMatchObject({ kind: 'event', seq: recs[i].size, chain: recs[i].head });
    expect(recs[recs.length - 1]).toEqual({ kind: 'checkpoint', ...checkpoint });
    expect(recs[5].event).toEqual({
      eventId: expect.any(String),
      streamId: expect.stringMatching(/^stream-/),
      version: expect.any(Number),
      type: 'TestHappened',
      schemaVersion: 1,
      data: expect.any(Object),
      metadata: expect.objectContaining({ actor: { id: 'user-1', role: 'admin' } }),
    });
  });

  it('an intact bundle verifies, also with the key pinned', async () => {
    expect(await verify(bundle)).toMatchObject({ ok: true, events: 30, lastSeq: 30, checkpoints: 3, head: checkpoint.head });
    expect(await verify(bundle, { publicKeyPem: key.publicKeyPem })).toMatchObject({ ok: true });
  });

  it.each([
    ['data', (e: any) => (e.data.text = 'event 8')],
    ['data, one digit', (e: any) => (e.data.n = 8)],
    ['type', (e: any) => (e.type = 'TestHappenee')],
    ['metadata', (e: any) => (e.metadata.recordedAt = e.metadata.recordedAt.replace(/.$/, 'Y'))],
    ['actor', (e: any) => (e.metadata.actor.id = 'user-2')],
    ['actor role', (e: any) => (e.metadata.actor.role = 'jury')],
    ['stream version', (e: any) => (e.version += 1)],
  ])('one byte changed in an event (%s) is detected at its seq', async (_what, edit) => {
    expectFailureAt(await verify(editEvent(7, edit)), 7, /event 7 was modified/);
  });

  it('an event removed is detected at its seq (gap)', async () => {
    const lines = bundle.filter((_, i) => i !== lineOfSeq(bundle, 12));
    expectFailureAt(await verify(lines), 12, /sequence gap/);
  });

  it('two events swapped are detected at the first of them', async () => {
    const lines = [...bundle];
    const a = lineOfSeq(lines, 5);
    [lines[a], lines[a + 1]] = [lines[a + 1], lines[a]];
    expectFailureAt(await verify(lines), 5);
  });

  it('two events swapped with their seq, leaf and chain renumbered are detected at the chain', async () => {
    const lines = [...bundle];
    const a = lineOfSeq(lines, 5);
    const first = JSON.parse(lines[a]);
    const second = JSON.parse(lines[a + 1]);
    [first.event, second.event] = [second.event, first.event];
    [first.leaf, second.leaf] = [second.leaf, first.leaf];
    lines[a] = JSON.stringify(first);
    lines[a + 1] = JSON.stringify(second);
    expectFailureAt(await verify(lines), 5, /chain hash mismatch/);
  });

  it('an event inserted is detected where it was inserted', async () => {
    const lines = [...bundle];
    const forged = JSON.parse(lines[lineOfSeq(lines, 8)]);
    forged.event = { ...forged.event, eventId: '00000000-0000-4000-8000-000000000000', data: { forged: true } };
    lines.splice(lineOfSeq(lines, 8), 0, JSON.stringify(forged));
    expectFailureAt(await verify(lines), 8, /event 8 was modified/);
  });

  it('an event inserted with every later hash recomputed is caught by the first signed checkpoint after it', async () => {
    const recs = records();
    const i = recs.findIndex((r) => r.kind === 'event' && r.seq === 8);
    recs.splice(i, 0, { ...recs[i], event: { ...recs[i].event, eventId: '00000000-0000-4000-8000-000000000000' } });
    let head = recs[0].previousHead;
    let seq = 0;
    for (const r of recs.slice(1)) {
      if (r.kind !== 'event') continue;
      r.seq = ++seq;
      r.leaf = leafHash(r.event);
      r.chain = head = chainHash(head, r.leaf);
    }
    const result = await verify(recs.map((r) => JSON.stringify(r)));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.firstBadSeq).toBeLessThanOrEqual(11);
  });

  it('the tail cut off is detected: the events after the last checkpoint are not covered', async () => {
    const withoutLastEvent = bundle.filter((_, i) => i !== bundle.length - 2 && i !== bundle.length - 1);
    expectFailureAt(await verify(withoutLastEvent), 21, /tail is not covered/);
    expectFailureAt(await verify(bundle.slice(0, -1)), 21, /tail is not covered/);
  });

  it('the tail cut off at a checkpoint passes alone, but not against an earlier, longer export (--previous)', async () => {
    const cut = bundle.slice(0, lineOfSeq(bundle, 20) + 2); // up to the checkpoint at 20
    expect(await verify(cut)).toMatchObject({ ok: true, lastSeq: 20 });
    expectFailureAt(await verify(cut, { previous: checkpoint }), 21, /shorter than the previous export/);
  });

  it('a checkpoint re-signed with another key is rejected', async () => {
    const other = newKey();
    const lines = [...bundle];
    const i = lines.findIndex((l) => l.includes('"kind":"checkpoint"'));
    const cp = JSON.parse(lines[i]);
    lines[i] = JSON.stringify({ kind: 'checkpoint', ...signCheckpoint(cp, other.privateKey) });
    expectFailureAt(await verify(lines), 10, /bad signature/);
  });

  it('a rewritten history re-signed with a forger key in the header is rejected when the key is pinned (--key)', async () => {
    const forger = newKey();
    const lines = forge(bundle, forger, (recs) => {
      recs.find((r) => r.kind === 'event' && r.seq === 3).event.data.text = 'rewritten';
      return recs;
    });
    // Self-consistent: without the regulator's copy of the key, nothing tells it apart...
    expect(await verify(lines)).toMatchObject({ ok: true });
    // ...which is why the key is pinned, and why an earlier export is kept.
    const pinned = await verify(lines, { publicKeyPem: key.publicKeyPem });
    expectFailureAt(pinned, 1, /unexpected key/);
    const extended = await verify(lines, { previous: { size: 20, head: JSON.parse(bundle[lineOfSeq(bundle, 20)]).chain } });
    expect(extended.ok).toBe(false);
  });

  it('--previous proves that a later export extends an earlier one, whole or incremental', async () => {
    await appendEvents(store, 7, 100);
    await sealAtLeast(sealer, 37);
    const later = await sealer.checkpointNow();
    expect(later.size).toBe(37);
    const full = await exportLines(t.db.pool, key, later);
    expect(await verify(full, { previous: checkpoint, publicKeyPem: key.publicKeyPem })).toMatchObject({ ok: true, events: 37 });
    const increment = await exportLines(t.db.pool, key, later, checkpoint.size + 1);
    expect(JSON.parse(increment[0])).toMatchObject({ from: 31, previousHead: checkpoint.head });
    expect(await verify(increment, { previous: checkpoint })).toMatchObject({ ok: true, events: 7, lastSeq: 37 });
    // An increment must start where the earlier export ended, not after it.
    const gap = await exportLines(t.db.pool, key, later, 33);
    expectFailureAt(await verify(gap, { previous: checkpoint }), 33, /cannot prove append-only/);
    // An empty increment (nothing new) still carries the covering checkpoint.
    const empty = await exportLines(t.db.pool, key, later, 38);
    expect(await verify(empty, { previous: later })).toMatchObject({ ok: true, events: 0, lastSeq: 37 });
  });

  it('refuses an export starting beyond the end of the ledger', async () => {
    await expect(openExport(t.db.pool, ledgerKey(key), checkpoint.size + 2, checkpoint)).rejects.toBeInstanceOf(LedgerRangeError);
    await expect(openExport(t.db.pool, ledgerKey(key), 0, checkpoint)).rejects.toBeInstanceOf(LedgerRangeError);
  });

  it('the standalone verifier (npm run -s verify) exits 0 on the intact bundle and 1 naming the seq on a tampered one', () => {
    const intact = join(dir, 'intact.ndjson');
    const tampered = join(dir, 'tampered.ndjson');
    const pem = join(dir, 'public.pem');
    writeFileSync(intact, `${bundle.join('\n')}\n`);
    writeFileSync(tampered, `${editEvent(4, (e) => (e.metadata.actor.id = 'mallory')).join('\n')}\n`);
    writeFileSync(pem, key.publicKeyPem);
    const script = join(__dirname, '..', '..', '..', 'proof', 'src', 'verify-bundle.js');
    const ok = spawnSync(process.execPath, [script, intact, '--key', pem], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^OK: 30 events \(seq 1\.\.30\), 3 signed checkpoints/);
    const bad = spawnSync(process.execPath, [script, tampered, '--previous', intact], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/FAILED at seq 4: event 4 was modified/);
  });
});

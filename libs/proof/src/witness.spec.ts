import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyCheckpointSignature } from './canonical';
import { forkAndResign, keyFromSeed, WitnessBundleBuilder } from './testing/witness-bundle';
import { checkCosignature, checkpointBody, cosignCheckpoint, cosignedMessage, foldLeaves, rawPublicKey } from './witness';
import { loadCosigned, loadPrevious, verifyBundle } from './verify-bundle';

const certifier = keyFromSeed('spec certifier');
const alice = { name: 'witness.alice', ...keyFromSeed('spec witness alice') };
const bob = { name: 'witness.bob', ...keyFromSeed('spec witness bob') };
const ORIGIN = 'cert.example/ledger';
const pinned = (w: { name: string; publicKeyPem: string }) => ({ file: `${w.name}.pub`, raw: rawPublicKey(w.publicKeyPem) });

/** 3 events, checkpoint 3 cosigned by alice (seq 4), more events, checkpoint 6 cosigned by alice, 9 events in all. */
function cosignedBundle(): string[] {
  const b = new WitnessBundleBuilder({ origin: ORIGIN, certifier, every: 3 });
  b.registerWitness(alice).event('candidate-1', 'CandidateRegistered', { n: 1 }).event('candidate-1', 'CriterionScored', { n: 2 });
  b.cosign(alice).event('candidate-2', 'CandidateRegistered', { n: 3 }).event('candidate-2', 'CriterionScored', { n: 4 });
  b.cosign(alice).event('candidate-3', 'CandidateRegistered', { n: 5 }).event('candidate-3', 'CriterionScored', { n: 6 });
  return b.finish();
}

describe('witness cosignatures (C2SP cosignature/v1)', () => {
  const cp = { origin: ORIGIN, size: 7, head: 'ab'.repeat(32) };

  it('signs the C2SP message and verifies it; any other checkpoint, name or key fails', () => {
    expect(checkpointBody(cp)).toBe(`${ORIGIN}\n7\n${Buffer.from(cp.head, 'hex').toString('base64')}\n`);
    expect(cosignedMessage(cp, 1700000000).toString()).toBe(`cosignature/v1\ntime 1700000000\n${checkpointBody(cp)}`);
    const { signature, line } = cosignCheckpoint(cp, alice.name, alice.privateKey, 1700000000);
    expect(Buffer.from(signature, 'base64')).toHaveLength(76);
    expect(line).toBe(`\u2014 ${alice.name} ${signature}\n`);
    const publicKey = rawPublicKey(alice.publicKeyPem).toString('base64');
    expect(checkCosignature(cp, { name: alice.name, publicKey, signature })).toEqual({ timestamp: 1700000000 });
    expect(checkCosignature({ ...cp, head: 'ac'.repeat(32) }, { name: alice.name, publicKey, signature })).toHaveProperty('problem');
    expect(checkCosignature({ ...cp, size: 8 }, { name: alice.name, publicKey, signature })).toHaveProperty('problem');
    expect(checkCosignature(cp, { name: bob.name, publicKey, signature })).toHaveProperty('problem');
    expect(checkCosignature(cp, { name: alice.name, publicKey: rawPublicKey(bob.publicKeyPem).toString('base64'), signature })).toHaveProperty('problem');
  });

  it('folds a consistency proof like the chain', () => {
    const lines = cosignedBundle().map((l) => JSON.parse(l));
    const events = lines.filter((l) => l.kind === 'event');
    const at = (seq: number) => events[seq - 1].chain;
    expect(foldLeaves(at(3), events.slice(3, 7).map((e) => e.leaf))).toBe(at(7));
  });
});

describe('the verifier with cosignatures', () => {
  it('cosign → export → verify with the witness key passes', async () => {
    const result = await verifyBundle(cosignedBundle(), { publicKeyPem: certifier.publicKeyPem, witnessKeys: [pinned(alice)] });
    expect(result).toMatchObject({ ok: true, events: 9, cosignatures: 2, checkpoints: 3 });
  });

  it('a required witness that cosigned nothing fails', async () => {
    const result = await verifyBundle(cosignedBundle(), { witnessKeys: [pinned(alice), pinned(bob)] });
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('witness.bob.pub') });
    expect(!result.ok && result.reason).toContain('cosigned no checkpoint');
  });

  it('a fork re-signed with the certifier key fails naming the cosigned checkpoint', async () => {
    const original = cosignedBundle();
    const cosigned = JSON.parse(original.find((l) => l.includes('"CheckpointCosigned"'))!).event.data;
    const forged = forkAndResign(original, certifier.privateKey, (e, seq) => (seq === 2 ? { ...e, data: { n: 99 } } : e));
    // Every checkpoint of the fork carries a valid certifier signature...
    for (const l of forged.filter((l) => l.startsWith('{"kind":"checkpoint"'))) expect(verifyCheckpointSignature(JSON.parse(l), certifier.publicKeyPem)).toBe(true);
    const result = await verifyBundle(forged, { publicKeyPem: certifier.publicKeyPem, witnessKeys: [pinned(alice)] });
    expect(result).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(!result.ok && result.reason).toContain(`diverges from checkpoint (size 3, head ${cosigned.head}) cosigned by witness "witness.alice"`);
  });

  it('a fork that drops the cosignatures fails for a pinned witness, and as a split view against the earlier export', async () => {
    const original = cosignedBundle();
    const b = new WitnessBundleBuilder({ origin: ORIGIN, certifier, every: 3 });
    b.registerWitness(alice).event('candidate-1', 'CandidateRegistered', { n: 1 }).event('candidate-1', 'CriterionScored', { n: 666 });
    const forged = b.event('candidate-2', 'CandidateRegistered', { n: 3 }).finish();
    expect(await verifyBundle(forged, { publicKeyPem: certifier.publicKeyPem })).toMatchObject({ ok: true });
    const pinnedResult = await verifyBundle(forged, { publicKeyPem: certifier.publicKeyPem, witnessKeys: [pinned(alice)] });
    expect(pinnedResult).toMatchObject({ ok: false, reason: expect.stringContaining('cosigned no checkpoint') });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-'));
    try {
      const older = path.join(dir, 'older.ndjson');
      fs.writeFileSync(older, `${original.join('\n')}\n`);
      const previousCosigned = await loadCosigned(older);
      expect(previousCosigned.map((c) => c.size)).toEqual([3, 6]);
      const result = await verifyBundle(forged, { previous: await loadPrevious(older), previousCosigned });
      expect(result).toMatchObject({ ok: false, firstBadSeq: 3 });
      expect(!result.ok && result.reason).toMatch(/^split view: the previous export holds checkpoint \(size 3, head [0-9a-f]{64}\) cosigned by witness witness\.alice/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a cosignature by an unregistered witness, or with a changed key, fails', async () => {
    const b = new WitnessBundleBuilder({ origin: ORIGIN, certifier, every: 2 });
    b.event('candidate-1', 'CandidateRegistered', {}).event('candidate-1', 'CriterionScored', {});
    const unregistered = b.cosign(alice).finish();
    expect(await verifyBundle(unregistered)).toMatchObject({ ok: false, firstBadSeq: 3, reason: expect.stringContaining('no WitnessRegistered event') });

    const c = new WitnessBundleBuilder({ origin: ORIGIN, certifier, every: 2 });
    c.registerWitness({ name: alice.name, privateKey: bob.privateKey }).event('candidate-1', 'CandidateRegistered', {});
    const otherKey = c.cosign(alice).finish();
    expect(await verifyBundle(otherKey)).toMatchObject({ ok: false, firstBadSeq: 3, reason: expect.stringContaining('not the one registered') });
  });

  it('gives the same verdicts with worker threads checking the cosignatures', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-workers-'));
    try {
      const original = cosignedBundle();
      const forged = forkAndResign(original, certifier.privateKey, (e, seq) => (seq === 2 ? { ...e, data: { n: 99 } } : e));
      const badOrigin = original.map((l) => (l.includes('"CheckpointCosigned"') ? l.replace(`"origin":"${ORIGIN}"`, '"origin":"elsewhere"') : l));
      for (const [name, lines] of [['ok', original], ['forged', forged], ['origin', badOrigin]] as const) {
        const file = path.join(dir, `${name}.ndjson`);
        fs.writeFileSync(file, `${lines.join('\n')}\n`);
        const options = { witnessKeys: [pinned(alice)] };
        const inline = await verifyBundle(lines, options);
        expect([name, await verifyBundle(file, { ...options, workers: 2, blockBytes: 512 })]).toEqual([name, inline]);
        expect(inline.ok).toBe(name === 'ok');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the command line takes --witness-key (repeatable) and names the witness count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'witness-cli-'));
    try {
      const bundle = path.join(dir, 'b.ndjson');
      fs.writeFileSync(bundle, `${cosignedBundle().join('\n')}\n`);
      fs.writeFileSync(path.join(dir, 'alice.pub'), alice.publicKeyPem);
      fs.writeFileSync(path.join(dir, 'bob.pub'), rawPublicKey(bob.publicKeyPem).toString('base64'));
      const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(__dirname, 'verify-bundle.js'), bundle, ...args], { encoding: 'utf8' });
      const ok = cli('--witness-key', path.join(dir, 'alice.pub'));
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^OK: 9 events \(seq 1\.\.9\), 3 signed checkpoints, 2 witness cosignatures, head [0-9a-f]{64}/);
      const missing = cli('--witness-key', path.join(dir, 'alice.pub'), '--witness-key', path.join(dir, 'bob.pub'));
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('bob.pub');
      expect(cli('--witness-key', path.join(dir, 'nothing.pub')).status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

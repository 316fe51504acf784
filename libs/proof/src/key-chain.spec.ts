import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_FORMAT, chainHash, GENESIS, keyFingerprint, leafHash, type LedgerEvent, signCheckpoint } from './canonical';
import { KEY_STREAM, ROTATION_TYPE, rotationPayload, signRotation, witnessSignRotation, type RotationData } from './key-chain';
import { loadPrevious, verifyBundle, type VerifyResult } from './verify-bundle';

interface Keys {
  privateKey: crypto.KeyObject;
  pem: string;
  fingerprint: string;
}

function makeKeys(): Keys {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, pem, fingerprint: keyFingerprint(pem) };
}

const ORIGIN = 'test-ledger';
const TIME = '2026-01-01T00:00:00.000Z';

/** A ledger built event by event, with its rotations and checkpoints, exported as the server does. */
class Ledger {
  readonly events: LedgerEvent[] = [];
  readonly chain = [GENESIS];
  /** [from seq, key in force] */
  private readonly keys: Array<[number, Keys]>;
  /** size -> signer */
  private readonly checkpoints = new Map<number, Keys>();

  constructor(first: Keys) {
    this.keys = [[0, first]];
  }

  get size(): number {
    return this.events.length;
  }

  keyAt(size: number): Keys {
    let key = this.keys[0][1];
    for (const [from, k] of this.keys) if (from <= size) key = k;
    return key;
  }

  add(n: number): this {
    for (let i = 0; i < n; i++) {
      const seq = this.size + 1;
      this.push({
        eventId: crypto.randomUUID(),
        streamId: `candidate-${seq % 3}`,
        version: seq,
        type: 'CandidateRegistered',
        schemaVersion: 1,
        data: { seq },
        metadata: { recordedAt: TIME, actor: { id: 'u', role: 'admin' }, correlationId: `c-${seq}` },
      });
    }
    return this;
  }

  /** Signs a checkpoint at the current size, by the key in force unless told otherwise. */
  checkpoint(signer = this.keyAt(this.size)): this {
    this.checkpoints.set(this.size, signer);
    return this;
  }

  /** Appends a rotation to `next`; `data` lets a test forge it (the leaf and chain follow, as a forger would recompute them). */
  rotate(next: Keys, options: { previous?: Keys | null; edit?: (data: RotationData) => void; followed?: boolean; after?: { size: number; head: string } } = {}): this {
    const inForce = this.keyAt(this.size);
    const previous = options.previous === undefined ? inForce : options.previous;
    const after = options.after ?? { size: this.size, head: this.chain[this.size] };
    const data = signRotation({ origin: ORIGIN, previousPublicKey: inForce.pem, after, rotatedAt: TIME }, previous?.privateKey ?? null, next.privateKey);
    options.edit?.(data);
    this.push({
      eventId: crypto.randomUUID(),
      streamId: KEY_STREAM,
      version: this.keys.length,
      type: ROTATION_TYPE,
      schemaVersion: 1,
      data,
      metadata: { recordedAt: TIME, actor: { id: 'cli:ops', role: 'admin' }, correlationId: 'r' },
    });
    if (options.followed !== false) this.keys.push([this.size, next]);
    return this;
  }

  /** The bundle of seqs from..to, ending with a checkpoint at `to` by the key in force (unless one was signed there). */
  lines(from = 1, to = this.size): string[] {
    const header = this.keyAt(from - 1);
    const out = [
      JSON.stringify({ kind: 'header', format: BUNDLE_FORMAT, origin: ORIGIN, publicKey: header.pem, keyFingerprint: header.fingerprint, from, previousHead: this.chain[from - 1], exportedAt: TIME }),
    ];
    const checkpoint = (size: number, signer: Keys) => {
      const line: Record<string, unknown> = { kind: 'checkpoint', ...signCheckpoint({ origin: ORIGIN, size, head: this.chain[size], time: TIME }, signer.privateKey) };
      if (signer !== header) line.keyFingerprint = signer.fingerprint;
      out.push(JSON.stringify(line));
    };
    if (this.checkpoints.has(from - 1)) checkpoint(from - 1, this.checkpoints.get(from - 1)!);
    for (let seq = from; seq <= to; seq++) {
      const event = this.events[seq - 1];
      out.push(JSON.stringify({ kind: 'event', seq, position: seq, leaf: leafHash(event), chain: this.chain[seq], event }));
      const signer = this.checkpoints.get(seq) ?? (seq === to ? this.keyAt(seq) : undefined);
      if (signer) checkpoint(seq, signer);
    }
    return out;
  }

  private push(event: LedgerEvent): void {
    this.events.push(event);
    this.chain.push(chainHash(this.chain[this.chain.length - 1], leafHash(event)));
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'key-chain-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
function write(content: string[] | string): string {
  const file = path.join(dir, `f${files++}`);
  fs.writeFileSync(file, Array.isArray(content) ? `${content.join('\n')}\n` : content);
  return file;
}

function expectFault(result: VerifyResult, firstBadSeq: number, reason: RegExp): void {
  expect(result).toMatchObject({ ok: false, firstBadSeq });
  expect(result.ok ? '' : result.reason).toMatch(reason);
}

describe('key rotation in the offline verifier', () => {
  const a = makeKeys();
  const b = makeKeys();
  const c = makeKeys();

  /** Seqs 1..5 under A (checkpoint at 5), the rotation A -> B at 6, seqs 7..9 under B. */
  const rotated = () => new Ledger(a).add(5).checkpoint().rotate(b).add(3);

  it('follows the rotation from the pinned key: later checkpoints verify with the new key', async () => {
    const ledger = rotated().checkpoint();
    const result = await verifyBundle(ledger.lines(), { publicKeyPem: a.pem });
    expect(result).toMatchObject({ ok: true, lastSeq: 9, checkpoints: 2, keyFingerprint: a.fingerprint, lastKeyFingerprint: b.fingerprint, rotations: 1 });
    // The header names the key at the start of the bundle: pinning the new key instead is refused.
    expectFault(await verifyBundle(ledger.lines(), { publicKeyPem: b.pem }), 1, /unexpected key/);
    // The checkpoint covering the rotation itself is the new key's.
    expect(await verifyBundle(new Ledger(a).add(2).rotate(b).checkpoint().lines(), { publicKeyPem: a.pem })).toMatchObject({ ok: true, rotations: 1, checkpoints: 1 });
  });

  it('a checkpoint signed by a key no rotation announced fails, naming that key', async () => {
    expectFault(await verifyBundle(rotated().checkpoint(c).lines(), { publicKeyPem: a.pem }), 9, new RegExp(`signed by key ${c.fingerprint}, which no key rotation announced \\(key in force: ${b.fingerprint}\\)`));
    // The old key signs nothing after the rotation.
    expectFault(await verifyBundle(rotated().checkpoint(a).lines()), 9, new RegExp(`signed by key ${a.fingerprint}, which a key rotation replaced \\(key in force: ${b.fingerprint}\\)`));
    // The unsigned keyFingerprint field cannot be dropped nor added either.
    const honest = rotated().checkpoint().lines();
    const last = honest.length - 1;
    expectFault(await verifyBundle([...honest.slice(0, last), honest[last].replace(/,"keyFingerprint":"[^"]+"/, '')]), 9, /"keyFingerprint" must be present exactly when/);
    const first = honest.findIndex((l) => l.includes('"kind":"checkpoint"'));
    expectFault(await verifyBundle([...honest.slice(0, first), honest[first].replace(/}$/, `,"keyFingerprint":"${a.fingerprint}"}`), ...honest.slice(first + 1)]), 5, /"keyFingerprint" must be present exactly when/);
    // Without any rotation, another key's checkpoint is a bad signature, as before.
    expectFault(await verifyBundle(new Ledger(a).add(3).checkpoint(b).lines().map((l) => l.replace(/,"keyFingerprint":"[^"]+"}$/, '}'))), 3, /^checkpoint at size 3: bad signature$/);
  });

  it('a rotation not signed by the key in force, or without proof of possession, fails at its seq', async () => {
    // Signed by a forger's key C in place of A.
    const forged = new Ledger(a).add(5).checkpoint().rotate(b, { previous: null, edit: (d) => (d.signatures.previous = crypto.sign(null, rotationPayload(d), c.privateKey).toString('base64')) }).add(3).checkpoint();
    expectFault(await verifyBundle(forged.lines(), { publicKeyPem: a.pem }), 6, new RegExp(`key rotation refused: the rotation is not signed by the key in force ${a.fingerprint}`));
    // Claiming to replace another key than the one in force.
    const other = new Ledger(a).add(5).checkpoint().rotate(b, { edit: (d) => (d.previousKeyFingerprint = c.fingerprint) }).add(1).checkpoint();
    expectFault(await verifyBundle(other.lines()), 6, /replaces key .* but the key in force is/);
    // The new key did not sign (whoever announced it may not hold it).
    const unproven = new Ledger(a).add(5).checkpoint().rotate(b, { edit: (d) => (d.signatures.next = d.signatures.previous!) }).add(1).checkpoint();
    expectFault(await verifyBundle(unproven.lines()), 6, /not signed by its new key .*no proof of possession/);
    // Placed elsewhere than after the checkpoint it names (its "after" head is not this ledger's).
    const moved = new Ledger(a).add(5).checkpoint().rotate(b, { after: { size: 5, head: 'f'.repeat(64) } }).add(1).checkpoint();
    expectFault(await verifyBundle(moved.lines()), 6, /whose head is not this ledger's/);
    // A valid rotation binds: the certifier cannot go on signing with the old key after announcing the new one.
    const unfollowed = new Ledger(a).add(5).checkpoint().rotate(b, { followed: false }).add(1).checkpoint();
    expectFault(await verifyBundle(unfollowed.lines()), 7, /which a key rotation replaced/);
  });

  it('increments across the rotation verify against the previous export, from the original key', async () => {
    const ledger = rotated().checkpoint().add(3).checkpoint();
    const first = write(ledger.lines(1, 5)); // A only
    const second = write(ledger.lines(6, 9)); // header A (the key at 5), the rotation, a checkpoint by B
    const third = ledger.lines(10, 12); // header B
    expect(await verifyBundle(second, { previous: await loadPrevious(first), publicKeyPem: a.pem })).toMatchObject({ ok: true, rotations: 1 });
    const previous = await loadPrevious(second);
    expect(previous.rotations).toHaveLength(1);
    expect(await verifyBundle(third, { previous, publicKeyPem: a.pem })).toMatchObject({ ok: true, keyFingerprint: b.fingerprint, rotations: 0 });
    // Without the older export's rotations, the regulator's key does not lead to B.
    expectFault(await verifyBundle(third, { previous: { size: previous.size, head: previous.head }, publicKeyPem: a.pem }), 10, /unexpected key/);
    // A full export checked against that previous checkpoint (signed by B at 9): B is in force there.
    expect(await verifyBundle(ledger.lines(), { previous, publicKeyPem: a.pem })).toMatchObject({ ok: true, lastSeq: 12 });
  });

  it('a rotation the lost key could not sign is followed only when a trusted witness cosigned it', async () => {
    const w = makeKeys();
    const lost = new Ledger(a).add(5).checkpoint().rotate(b, { previous: null, edit: (d) => (d.witnessSignatures = [witnessSignRotation(d, w.privateKey)]) }).add(2).checkpoint();
    expect(await verifyBundle(lost.lines(), { publicKeyPem: a.pem, rotationWitnessKeys: [w.pem] })).toMatchObject({ ok: true, rotations: 1 });
    const raw = crypto.createPublicKey(w.pem).export({ type: 'spki', format: 'der' }).subarray(12); // the 32 bytes, as witness keys are pinned
    expect(await verifyBundle(lost.lines(), { publicKeyPem: a.pem, rotationWitnessKeys: [{ raw }] })).toMatchObject({ ok: true, rotations: 1 });
    expectFault(await verifyBundle(lost.lines(), { publicKeyPem: a.pem }), 6, /no witness key was given \(--witness-key\)/);
    expectFault(await verifyBundle(lost.lines(), { publicKeyPem: a.pem, rotationWitnessKeys: [c.pem] }), 6, /no trusted witness key cosigned it/);
  });

  it('the command line reports the chain of keys, and takes --witness-key', () => {
    const script = path.join(__dirname, 'verify-bundle.js');
    const keyFile = write(a.pem);
    const ok = spawnSync(process.execPath, [script, write(rotated().checkpoint().lines()), '--key', keyFile], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`keys ${a.fingerprint} -> ${b.fingerprint} (1 rotation)`);
    const w = makeKeys();
    const lost = write(new Ledger(a).add(1).checkpoint().rotate(b, { previous: null, edit: (d) => (d.witnessSignatures = [witnessSignRotation(d, w.privateKey)]) }).checkpoint().lines());
    expect(spawnSync(process.execPath, [script, lost, '--key', keyFile], { encoding: 'utf8' }).status).toBe(1);
    expect(spawnSync(process.execPath, [script, lost, '--key', keyFile, '--witness-key', write(w.pem)], { encoding: 'utf8' }).status).toBe(0);
  });
});

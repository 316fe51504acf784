import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainHash, GENESIS, sha256Hex, signCheckpoint } from '@app/proof/canonical';
import { checkCosignature, rawPublicKey } from '@app/proof/witness';
import { cosignLatest, InconsistencyError, runKeygen, WitnessHttp } from './witness.command';

const ORIGIN = 'cert.example/ledger';
const certifier = generateKeyPairSync('ed25519');
const certifierPem = certifier.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const witness = generateKeyPairSync('ed25519');

/** A ledger as the API serves it: leaves, checkpoints, and the cosignatures posted. */
class FakeLedger {
  leaves: string[] = [];
  heads: string[] = [GENESIS];
  checkpoints = new Map<number, ReturnType<typeof signCheckpoint>>();
  posted: Array<{ size: number; body: any }> = [];
  grow(n: number, salt = 'a'): this {
    for (let i = 0; i < n; i++) {
      const leaf = sha256Hex(`${salt}${this.leaves.length}`);
      this.leaves.push(leaf);
      this.heads.push(chainHash(this.heads[this.heads.length - 1], leaf));
    }
    const size = this.leaves.length;
    this.checkpoints.set(size, signCheckpoint({ origin: ORIGIN, size, head: this.heads[size], time: '2026-01-01T00:00:00.000Z' }, certifier.privateKey));
    return this;
  }
  http: WitnessHttp = async (method, path, body) => {
    const latest = this.checkpoints.get(Math.max(...this.checkpoints.keys()))!;
    if (method === 'GET' && path === '/v1/audit/checkpoints/latest') return { status: 200, body: { seq: latest.size, ...latest } };
    const consistency = /^\/v1\/audit\/consistency\?from=(\d+)&to=(\d+)&start=(\d+)$/.exec(path);
    if (method === 'GET' && consistency) {
      const [from, to, start] = consistency.slice(1).map(Number);
      const end = Math.min(to, start + 1); // pages of two leaves: the client must follow `next`
      return { status: 200, body: { from: { size: from, head: this.heads[from] }, to: { size: to, head: this.heads[to] }, start, leaves: this.leaves.slice(start - 1, end), next: end < to ? end + 1 : null } };
    }
    const cosign = /^\/v1\/audit\/checkpoints\/(\d+)\/cosignatures$/.exec(path);
    if (method === 'POST' && cosign) {
      this.posted.push({ size: Number(cosign[1]), body });
      return { status: 201, body: { id: 'x', position: 1, version: 1 } };
    }
    return { status: 404, body: {} };
  };
}

describe('witness cosign (the witness side)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'witness-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const options = (ledger: FakeLedger, extra = {}) => ({ name: 'reg.example', privateKey: witness.privateKey, statePath: join(dir, 'state.json'), url: 'http://api', http: ledger.http, certifierKeyPem: certifierPem, ...extra });

  it('cosigns the first checkpoint, then only one that extends it (following the consistency pages)', async () => {
    const ledger = new FakeLedger().grow(3);
    expect(await cosignLatest(options(ledger))).toMatchObject({ size: 3, posted: true });
    const [first] = ledger.posted;
    expect(first.body.previousSize).toBeUndefined();
    const publicKey = rawPublicKey(witness.publicKey).toString('base64');
    expect(checkCosignature({ origin: ORIGIN, size: 3, head: ledger.heads[3] }, { name: 'reg.example', publicKey, signature: first.body.signature })).toHaveProperty('timestamp');
    expect(await cosignLatest(options(ledger))).toMatchObject({ posted: false });
    ledger.grow(5);
    expect(await cosignLatest(options(ledger))).toMatchObject({ size: 8, posted: true });
    expect(ledger.posted[1].body.previousSize).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({ origin: ORIGIN, size: 8, head: ledger.heads[8] });
  });

  it('refuses a fork, a shrunk log, a proof that does not fold to the new head, another certifier key', async () => {
    const ledger = new FakeLedger().grow(4);
    await cosignLatest(options(ledger));
    const fork = new FakeLedger().grow(4, 'b');
    await expect(cosignLatest(options(fork))).rejects.toThrow(/fork: checkpoint size 4 now has head/);
    fork.grow(2);
    await expect(cosignLatest(options(fork))).rejects.toThrow(/fork: the log now gives head .* at size 4/);
    const shrunk = new FakeLedger().grow(2);
    await expect(cosignLatest(options(shrunk))).rejects.toThrow(/the log shrank/);
    // Same head at 4, but the leaves served for 5..6 do not lead to the head it signs at 6.
    const lying = new FakeLedger().grow(4).grow(2);
    lying.leaves[5] = lying.leaves[4];
    await expect(cosignLatest(options(lying))).rejects.toThrow(InconsistencyError);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await expect(cosignLatest(options(new FakeLedger().grow(6), { certifierKeyPem: other }))).rejects.toThrow(/not signed by the certifier key/);
    expect(ledger.posted).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).size).toBe(4);
  });

  it('keygen writes a private key (mode 600) and its public key, and never overwrites them', async () => {
    const out = join(dir, 'witness.key');
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runKeygen({ values: { out }, positionals: [] })).toBe(0);
      const printed = String(stdout.mock.calls.map((c) => c[0]).join(''));
      expect(printed).toContain(rawPublicKey(readFileSync(`${out}.pub`, 'utf8')).toString('base64'));
      expect(createPrivateKey(readFileSync(out, 'utf8')).asymmetricKeyType).toBe('ed25519');
      expect(statSync(out).mode & 0o777).toBe(0o600);
      await expect(runKeygen({ values: { out }, positionals: [] })).rejects.toThrow(/refusing to overwrite/);
      expect(existsSync(`${out}.pub`)).toBe(true);
    } finally {
      stdout.mockRestore();
    }
  });
});

import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@app/event-store/migrations';
import { serverDatabase, TestDatabase } from '../../../../test/support/databases';
import { ensureBuilt } from '../../../../test/support/processes';
import { loadConfig } from '../config';
import { kekId, KeyEncryptionKeys } from './kek';
import { rotateKek } from './kek-rotation';
import { PersonalDataVault, Sealed, VAULT_MIGRATIONS } from './vault';

const kek = () => {
  const key = randomBytes(32);
  return { id: kekId(key), key };
};
const ring = (current = kek(), ...previous: ReturnType<typeof kek>[]): KeyEncryptionKeys => ({ current, previous, development: false });

/** What an attacker holding only a dump would try: the stored bytes, any 32-byte window of them, as the AES key. */
function opensWithStoredBytes(stored: Buffer, sealed: Sealed): boolean {
  for (let at = 0; at + 32 <= stored.length; at++) {
    try {
      const d = createDecipheriv('aes-256-gcm', stored.subarray(at, at + 32), Buffer.from(sealed.iv, 'base64'));
      d.setAAD(Buffer.from(sealed.kid, 'utf8'));
      d.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      Buffer.concat([d.update(Buffer.from(sealed.ct, 'base64')), d.final()]);
      return true;
    } catch {
      // not the key
    }
  }
  return false;
}

jest.setTimeout(180_000); // the rotation test runs the built CLI (built once per run)

describe('Personal data vault: envelope encryption', () => {
  let t: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'cert-kek-'));
  beforeEach(async () => (t = await serverDatabase({ migrate: false })));
  afterEach(async () => t?.dispose());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const rows = async () => (await t.db.pool.query('SELECT subject_id, data_key, kek_id, erased_at FROM personal_data_keys ORDER BY subject_id')).rows as Array<{ subject_id: string; data_key: Buffer | null; kek_id: string | null }>;

  it('stores data keys wrapped: a dump of the table opens nothing, the KEK opens everything, erasure still shreds', async () => {
    const keys = ring();
    const vault = new PersonalDataVault(t.db, keys);
    await vault.onModuleInit();
    const subject = randomUUID();
    const sealed = await vault.seal(subject, { givenName: 'Camille', familyName: 'Durand' });
    await vault.secret('pseudonyms');

    const stored = await rows();
    expect(stored).toHaveLength(2);
    for (const row of stored) {
      expect(row.kek_id).toBe(keys.current.id);
      expect(row.data_key!.length).toBe(12 + 32 + 16); // iv, wrapped key, tag: never the 32 raw bytes
    }
    const dump = JSON.stringify((await t.db.pool.query('SELECT * FROM personal_data_keys')).rows);
    expect(dump).not.toContain(keys.current.key.toString('hex'));
    expect(dump).not.toContain(keys.current.key.toString('base64'));
    expect(opensWithStoredBytes(stored.find((r) => r.subject_id === subject)!.data_key!, sealed)).toBe(false);
    // Another deployment's KEK (e.g. a restored dump elsewhere) cannot unwrap either.
    const stranger = new PersonalDataVault(t.db, ring());
    await expect(stranger.open(sealed)).rejects.toThrow(/wrapped by kek-[0-9a-f]{16}, which is not configured/);

    expect(await vault.open(sealed)).toEqual({ givenName: 'Camille', familyName: 'Durand' });
    // A copy that lost kek_id is not mistaken for a raw key (nor for an erased one).
    await t.db.pool.query('UPDATE personal_data_keys SET kek_id = NULL WHERE subject_id = $1', [subject]);
    await expect(vault.open(sealed)).rejects.toThrow(/lost its kek_id/);
    await t.db.pool.query('UPDATE personal_data_keys SET kek_id = $2 WHERE subject_id = $1', [subject, keys.current.id]);
    expect(await vault.erase(subject)).toBe(true);
    expect(await vault.open(sealed)).toBeNull();
    expect((await rows()).find((r) => r.subject_id === subject)).toMatchObject({ data_key: null, kek_id: null });
    await expect(vault.seal(subject, 'again')).rejects.toMatchObject({ code: 'PERSONAL_DATA_ERASED' });
  });

  it('seals a subject again without a round trip; what another process seals after an erasure elsewhere opens to nothing', async () => {
    const keys = ring();
    const vault = new PersonalDataVault(t.db, keys);
    await vault.onModuleInit();
    const subject = randomUUID();
    const queries: string[] = [];
    const query = t.db.pool.query.bind(t.db.pool);
    t.db.pool.query = ((text: unknown, ...rest: unknown[]) => (queries.push(String(text)), (query as any)(text, ...rest))) as typeof t.db.pool.query;
    const first = await vault.seal(subject, 'first comment');
    expect(queries.filter((q) => q.includes('personal_data_keys'))).toHaveLength(3); // look-up, creation, read back
    queries.length = 0;
    const second = await vault.seal(subject, 'second comment');
    expect(queries).toEqual([]);
    expect(await vault.open(second)).toBe('second comment');
    expect(queries).toHaveLength(1); // opening always asks the database

    // Another process erases: this one still seals for a while (commands refuse an erased file
    // from its event, written before the key is destroyed), but nobody can open what it sealed.
    const other = new PersonalDataVault(t.db, keys);
    expect(await other.erase(subject)).toBe(true);
    const late = await vault.seal(subject, 'after the erasure');
    expect(await vault.open(late)).toBeNull();
    expect(await vault.open(first)).toBeNull();
    // The process that erased refuses at once.
    await expect(other.seal(subject, 'again')).rejects.toMatchObject({ code: 'PERSONAL_DATA_ERASED' });
  });

  it('wraps the keys stored before envelope encryption on the first start, and they still open', async () => {
    await migrate(t.db.pool, VAULT_MIGRATIONS.slice(0, 1), 'vault');
    const subject = randomUUID();
    const raw = randomBytes(32);
    await t.db.pool.query('INSERT INTO personal_data_keys (subject_id, data_key) VALUES ($1, $2)', [subject, raw]);
    // A value sealed the way the vault did before (same format, raw key).
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', raw, iv);
    cipher.setAAD(Buffer.from(subject, 'utf8'));
    const ct = Buffer.concat([cipher.update(JSON.stringify('épilepsie'), 'utf8'), cipher.final()]);
    const sealed: Sealed = { alg: 'A256GCM', kid: subject, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };

    const keys = ring();
    const vault = new PersonalDataVault(t.db, keys);
    await vault.onModuleInit();
    const [row] = await rows();
    expect(row.kek_id).toBe(keys.current.id);
    expect(row.data_key!.equals(raw)).toBe(false);
    expect(opensWithStoredBytes(row.data_key!, sealed)).toBe(false);
    expect(await vault.open(sealed)).toBe('épilepsie');
  });

  it('rotates the KEK: interrupted half way both KEKs read, a rerun finishes, then the old KEK is no longer needed', async () => {
    const oldKek = kek();
    const before = new PersonalDataVault(t.db, ring(oldKek));
    await before.onModuleInit();
    const sealed = await Promise.all(Array.from({ length: 6 }, (_, i) => before.seal(randomUUID(), `value ${i}`)));
    const pseudonymKey = await before.secret('pseudonyms');
    await before.erase(sealed[5].kid);

    const newKek = kek();
    const during = new PersonalDataVault(t.db, ring(newKek, oldKek));
    const crashed = await during.rewrap({ limit: 2, batchSize: 2 });
    expect(crashed).toEqual({ total: 6, done: 2 }); // five candidates' keys and the secret; the erased one is skipped
    const kekIds = (await rows()).filter((r) => r.data_key).map((r) => r.kek_id);
    expect(kekIds.filter((id) => id === newKek.id)).toHaveLength(2);
    expect(kekIds.filter((id) => id === oldKek.id)).toHaveLength(4);
    expect(await during.openMany(sealed)).toEqual(['value 0', 'value 1', 'value 2', 'value 3', 'value 4', null]);
    expect(await during.countNotUnderCurrentKek()).toBe(4);

    // The CLI's rotation, with the files an operator configures.
    writeFileSync(join(dir, 'new.key'), newKek.key.toString('hex'));
    writeFileSync(join(dir, 'old.key'), oldKek.key.toString('base64'));
    const env = { DATABASE_URL: t.url!, DATABASE_SCHEMA: t.schema, DATA_DIR: dir, PERSONAL_DATA_KEK_FILE: join(dir, 'new.key'), PERSONAL_DATA_KEK_PREVIOUS_FILES: join(dir, 'old.key') };
    ensureBuilt();
    const cli = spawnSync(process.execPath, [join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js'), 'kek', 'rotate'], { env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
    expect(cli.stderr).toContain('re-wrapping data keys: 4/4 100.0%');
    expect(cli.stderr).toContain(`4 key(s) re-wrapped; every live key is now under ${newKek.id}`);
    expect(cli.status).toBe(0);
    const seen: number[] = [];
    expect(await rotateKek(loadConfig(env), (p) => seen.push(p.done))).toEqual({ kekId: newKek.id, rewrapped: 0, remaining: 0 }); // idempotent
    expect(seen).toEqual([0]);

    const after = new PersonalDataVault(t.db, ring(newKek));
    expect(await after.openMany(sealed)).toEqual(['value 0', 'value 1', 'value 2', 'value 3', 'value 4', null]);
    expect((await after.secret('pseudonyms')).equals(pseudonymKey)).toBe(true);
    await expect(new PersonalDataVault(t.db, ring(oldKek)).open(sealed[0])).rejects.toThrow(/not configured/);
  });
});

import type { SealedText } from '@app/domain/shared/free-text';
import { createDecipheriv } from 'node:crypto';
import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import { Kek, KeyEncryptionKeys, loadKeyEncryptionKeys, unwrapKey } from './kek';

/**
 * Sealed personal data read outside Nest: what the vault (vault.ts) and the
 * identity search projection share to recognise a sealed value and open it
 * with the configured key-encryption keys on a given connection. Nothing here
 * loads Nest or TypeORM, so the read side's thread (read-side-thread.ts)
 * stays small.
 */

/** The domain's sealed shape (`kid`: whose key, the candidate id). */
export type Sealed = SealedText;

export function isSealed(value: unknown): value is Sealed {
  return !!value && typeof value === 'object' && (value as Sealed).alg === 'A256GCM' && typeof (value as Sealed).ct === 'string';
}

/**
 * A subject's data key read through `db` (the pool, or a transaction's own
 * connection: a projection opening identities inside its batch), null once
 * erased or never created.
 */
export async function dataKeyOf(db: Pick<Pool, 'query'>, keks: KeyEncryptionKeys, subjectId: string): Promise<Buffer | null> {
  return keyOfRow(keks, subjectId, await dataKeyRow(db, subjectId));
}

/** A subject's row of the key table (its key is null once erased), undefined when it has none. */
export async function dataKeyRow(db: Pick<Pool, 'query'>, subjectId: string): Promise<{ data_key: Buffer | null; kek_id: string | null } | undefined> {
  const { rows } = await db.query('SELECT data_key, kek_id FROM personal_data_keys WHERE subject_id = $1', [subjectId]);
  return rows[0];
}

export function keyOfRow(keks: KeyEncryptionKeys, subjectId: string, row: { data_key: Buffer | null; kek_id: string | null } | undefined): Buffer | null {
  return row?.data_key ? unwrapStored(keks, subjectId, row.data_key, row.kek_id) : null;
}

export function unwrapStored(keks: KeyEncryptionKeys, subjectId: string, stored: Buffer, kekId: string | null): Buffer {
  if (kekId === null) {
    // Stored before envelope encryption (wrapped on the next start): 32 raw bytes, nothing else.
    if (stored.length !== 32) throw new Error(`the data key of ${subjectId} has no kek_id but is not a raw key: a copy of the table lost its kek_id column`);
    return stored;
  }
  const kek: Kek | undefined = [keks.current, ...keks.previous].find((k) => k.id === kekId);
  if (!kek) {
    throw new Error(`the data key of ${subjectId} is wrapped by ${kekId}, which is not configured (PERSONAL_DATA_KEK_FILE / PERSONAL_DATA_KEK_PREVIOUS_FILES)`);
  }
  return unwrapKey(kek, subjectId, stored);
}

/**
 * What the vault's `open` does, outside Nest and on a given connection: a
 * projection inside its batch transaction (on the embedded database the only
 * connection) opens the identities it indexes. Null once the key is erased.
 */
export async function openSealedWith<T = unknown>(db: Pick<Pool, 'query'>, keks: KeyEncryptionKeys, sealed: Sealed): Promise<T | null> {
  const key = await dataKeyOf(db, keks, sealed.kid);
  return key ? decrypt<T>(key, sealed) : null;
}

const loaded = new WeakMap<AppConfig, KeyEncryptionKeys>();

/**
 * The KEKs the configuration names (or the development one under DATA_DIR
 * outside production), read once per configuration. The API calls it before
 * building the module graph, so that a missing or unreadable KEK is a
 * ConfigError at start rather than a failure inside Nest's injector.
 */
export function vaultKeys(config: AppConfig): KeyEncryptionKeys {
  let keys = loaded.get(config);
  if (!keys) {
    keys = loadKeyEncryptionKeys(config.kek ?? { previousFiles: [], production: false }, config.dataDir);
    loaded.set(config, keys);
  }
  return keys;
}

export function decrypt<T>(key: Buffer, sealed: Sealed): T {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(sealed.kid, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(plain) as T;
}

import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { createCipheriv, randomBytes } from 'node:crypto';
import { conflict } from '@app/domain/shared/errors';
import type { Pool } from 'pg';
import { Database } from '@app/event-store/database';
import { migrate, Migration } from '@app/event-store/migrations';
import { AppConfig, loadConfig } from '../config';
import { DATABASE } from '../persistence.module';
import { freshIv } from './fresh-iv';
import { KeyEncryptionKeys, wrapKey } from './kek';
import { dataKeyOf, dataKeyRow, decrypt, keyOfRow, Sealed, unwrapStored, vaultKeys } from './sealed-values';

export { isSealed, vaultKeys } from './sealed-values';
export type { Sealed } from './sealed-values';

export const PERSONAL_DATA_KEKS = 'PERSONAL_DATA_KEKS';

/**
 * Personal data as it is stored in events and read models: AES-256-GCM
 * ciphertext under a per-candidate data key. The key lives in its own table,
 * outside the log; erasing it (crypto-shredding) makes every copy unreadable
 * while the log, whose hashes cover the ciphertext, still verifies. Each
 * data key is itself stored wrapped by a key-encryption key (kek.ts) that
 * lives outside the database: the table alone holds no usable key. The
 * helpers that need no Nest (recognising a sealed value, opening it on a
 * given connection) are in sealed-values.ts.
 */

/** What a reader is shown where the data key was erased. */
export const ERASED = '[erased]';

export const VAULT_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'per-candidate data keys',
    up: `CREATE TABLE personal_data_keys (
      subject_id text PRIMARY KEY,
      data_key bytea,
      created_at timestamptz NOT NULL DEFAULT now(),
      erased_at timestamptz,
      CHECK ((data_key IS NULL) = (erased_at IS NOT NULL))
    )`,
  },
  {
    version: 2,
    // NULL: a key stored before envelope encryption, still raw; the vault wraps those on start.
    name: 'data keys wrapped by a key-encryption key, named per row',
    up: `ALTER TABLE personal_data_keys ADD COLUMN kek_id text`,
  },
];

export interface RewrapProgress {
  /** Live keys not yet under the current KEK when the run started. */
  total: number;
  done: number;
}

/** How long a data key used to seal stays in this process's memory, and how many such keys it keeps. */
export const SEAL_KEY_TTL_MS = 60_000;
const SEAL_KEYS_MAX = 10_000;

@Injectable()
export class PersonalDataVault implements OnModuleInit {
  private readonly keks: KeyEncryptionKeys;
  /**
   * The keys this process sealed with in the last minute, least recently used
   * first: an assessor scoring a candidate's criteria one after the other seals
   * each comment without a round trip. They only ever seal, never open: after
   * an erasure nothing is read under a key the database no longer holds, and
   * what is sealed then is unreadable too. The erasure event is written before
   * the key is destroyed, so a command deciding on the file refuses an erased
   * candidate whatever this cache holds (docs/performance.md).
   */
  private readonly sealKeys = new Map<string, { key: Buffer; until: number }>();

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    // Outside Nest (CLI commands) the KEKs come from the same environment the API reads.
    @Optional() @Inject(PERSONAL_DATA_KEKS) keks?: KeyEncryptionKeys,
  ) {
    this.keks = keks ?? vaultKeys(loadConfig(process.env));
  }

  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, VAULT_MIGRATIONS, 'vault');
    // Keys stored before envelope encryption get wrapped on the first start that knows a KEK.
    await this.rewrap({ onlyUnwrapped: true });
  }

  /** Live keys not (yet) wrapped by the current KEK: 0 once a rotation is complete. */
  async countNotUnderCurrentKek(): Promise<number> {
    const { rows } = await this.db.pool.query('SELECT count(*)::int AS n FROM personal_data_keys WHERE data_key IS NOT NULL AND (kek_id IS NULL OR kek_id <> $1)', [this.keks.current.id]);
    return rows[0].n;
  }

  /**
   * Re-wraps every live data key that is not under the current KEK (raw keys
   * of before envelope encryption, keys under a previous KEK), in batches.
   * Each row is rewritten alone and only if unchanged since it was read, so
   * an interrupted run leaves rows under the old or the new KEK, both
   * readable while the old one stays configured, and a rerun finishes the
   * job. An erasure racing with it wins: an erased row is never rewritten.
   */
  async rewrap(options: { onlyUnwrapped?: boolean; batchSize?: number; onProgress?: (p: RewrapProgress) => void; limit?: number } = {}): Promise<RewrapProgress> {
    const batchSize = options.batchSize ?? 500;
    const stale = options.onlyUnwrapped ? 'kek_id IS NULL' : '(kek_id IS NULL OR kek_id <> $1)';
    const params = options.onlyUnwrapped ? [] : [this.keks.current.id];
    const { rows: counted } = await this.db.pool.query(`SELECT count(*)::int AS n FROM personal_data_keys WHERE data_key IS NOT NULL AND ${stale}`, params);
    const progress: RewrapProgress = { total: counted[0].n, done: 0 };
    let after = '';
    for (;;) {
      const { rows } = await this.db.pool.query(
        `SELECT subject_id, data_key, kek_id FROM personal_data_keys
         WHERE data_key IS NOT NULL AND ${stale} AND subject_id > $${params.length + 1}
         ORDER BY subject_id LIMIT $${params.length + 2}`,
        [...params, after, batchSize],
      );
      for (const row of rows as Array<{ subject_id: string; data_key: Buffer; kek_id: string | null }>) {
        if (options.limit !== undefined && progress.done >= options.limit) return progress;
        const key = this.unwrap(row.subject_id, row.data_key, row.kek_id);
        const { rowCount } = await this.db.pool.query('UPDATE personal_data_keys SET data_key = $2, kek_id = $3 WHERE subject_id = $1 AND data_key = $4', [
          row.subject_id,
          wrapKey(this.keks.current, row.subject_id, key),
          this.keks.current.id,
          row.data_key,
        ]);
        // 0: erased or re-wrapped by another process meanwhile; either way nothing is left to do for it.
        progress.done += rowCount ?? 0;
        after = row.subject_id;
      }
      options.onProgress?.(progress);
      if (rows.length < batchSize) return progress;
    }
  }

  /** Encrypts a JSON value under the subject's key, creating the key on first use. Refused once erased. */
  async seal(subjectId: string, value: unknown): Promise<Sealed> {
    const key = await this.sealKeyFor(subjectId);
    // A 409, not a 500: a command about an erased candidate is a state conflict the client can understand.
    if (!key) throw conflict('PERSONAL_DATA_ERASED', `the personal data of ${subjectId} was erased: nothing new can be stored`);
    const iv = freshIv();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(subjectId, 'utf8'));
    const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { alg: 'A256GCM', kid: subjectId, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  }

  /** The plaintext, or null when the key was erased (callers show ERASED). */
  async open<T = unknown>(sealed: Sealed): Promise<T | null> {
    const key = await this.keyFor(sealed.kid, false);
    return key ? decrypt<T>(key, sealed) : null;
  }

  /** Opens many values with one key look-up per subject. */
  async openMany<T = unknown>(values: Sealed[]): Promise<Array<T | null>> {
    const keys = await this.keysFor([...new Set(values.map((v) => v.kid))]);
    return values.map((sealed) => {
      const key = keys.get(sealed.kid);
      return key ? decrypt<T>(key, sealed) : null;
    });
  }

  /** The live keys of many subjects in one round trip (a list of a session's candidates opens thousands). */
  private async keysFor(subjectIds: string[]): Promise<Map<string, Buffer>> {
    const keys = new Map<string, Buffer>();
    if (subjectIds.length === 0) return keys;
    const { rows } = await this.db.pool.query('SELECT subject_id, data_key, kek_id FROM personal_data_keys WHERE subject_id = ANY($1::text[]) AND data_key IS NOT NULL', [subjectIds]);
    for (const row of rows) keys.set(row.subject_id, this.unwrap(row.subject_id, row.data_key as Buffer, row.kek_id as string | null));
    return keys;
  }

  /** Crypto-shredding: the key is destroyed; returns false if it was already gone. */
  async erase(subjectId: string): Promise<boolean> {
    if (subjectId.startsWith('system:')) throw new Error('application secrets are not personal data: they are never erased');
    this.sealKeys.delete(subjectId);
    const { rowCount } = await this.db.pool.query(
      `INSERT INTO personal_data_keys (subject_id, data_key, erased_at) VALUES ($1, NULL, now())
       ON CONFLICT (subject_id) DO UPDATE SET data_key = NULL, kek_id = NULL, erased_at = now() WHERE personal_data_keys.erased_at IS NULL`,
      [subjectId],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * A named 32-byte application secret kept beside the data keys (e.g. the
   * pseudonym key), shared by every instance on the same database. Names live
   * under `system:`, which no candidate id (a uuid) can collide with.
   */
  async secret(name: string): Promise<Buffer> {
    const key = await this.keyFor(`system:${name}`, true);
    if (!key) throw new Error(`the secret ${name} was erased`);
    return key;
  }

  async isErased(subjectId: string): Promise<boolean> {
    const { rows } = await this.db.pool.query('SELECT erased_at FROM personal_data_keys WHERE subject_id = $1', [subjectId]);
    return rows.length > 0 && rows[0].erased_at !== null;
  }

  private async sealKeyFor(subjectId: string): Promise<Buffer | null> {
    const now = Date.now();
    const cached = this.sealKeys.get(subjectId);
    this.sealKeys.delete(subjectId);
    if (cached && cached.until > now) {
      this.sealKeys.set(subjectId, cached);
      return cached.key;
    }
    const key = await this.keyFor(subjectId, true);
    if (key) {
      this.sealKeys.set(subjectId, { key, until: now + SEAL_KEY_TTL_MS });
      if (this.sealKeys.size > SEAL_KEYS_MAX) this.sealKeys.delete(this.sealKeys.keys().next().value!);
    }
    return key;
  }

  /** The subject's key, created on first use when `create` (one round trip once it exists); null once erased. */
  private async keyFor(subjectId: string, create: boolean): Promise<Buffer | null> {
    const row = await dataKeyRow(this.db.pool, subjectId);
    if (row || !create) return keyOfRow(this.keks, subjectId, row);
    await this.db.pool.query('INSERT INTO personal_data_keys (subject_id, data_key, kek_id) VALUES ($1, $2, $3) ON CONFLICT (subject_id) DO NOTHING', [
      subjectId,
      wrapKey(this.keks.current, subjectId, randomBytes(32)),
      this.keks.current.id,
    ]);
    return dataKeyOf(this.db.pool, this.keks, subjectId);
  }

  private unwrap(subjectId: string, stored: Buffer, kekId: string | null): Buffer {
    return unwrapStored(this.keks, subjectId, stored, kekId);
  }
}


import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { conflict } from '@app/domain/shared/errors';
import { Database } from '@app/event-store/database';
import { migrate, Migration } from '@app/event-store/migrations';
import { DATABASE } from '../persistence.module';

/**
 * Personal data as it is stored in events and read models: AES-256-GCM
 * ciphertext under a per-candidate data key. The key lives in its own table,
 * outside the log; erasing it (crypto-shredding) makes every copy unreadable
 * while the log, whose hashes cover the ciphertext, still verifies.
 */
export interface Sealed {
  alg: 'A256GCM';
  /** Whose key: the candidate id. */
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

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
];

export function isSealed(value: unknown): value is Sealed {
  return !!value && typeof value === 'object' && (value as Sealed).alg === 'A256GCM' && typeof (value as Sealed).ct === 'string';
}

@Injectable()
export class PersonalDataVault implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, VAULT_MIGRATIONS, 'vault');
  }

  /** Encrypts a JSON value under the subject's key, creating the key on first use. Refused once erased. */
  async seal(subjectId: string, value: unknown): Promise<Sealed> {
    const key = await this.keyFor(subjectId, true);
    // A 409, not a 500: a command about an erased candidate is a state conflict the client can understand.
    if (!key) throw conflict('PERSONAL_DATA_ERASED', `the personal data of ${subjectId} was erased: nothing new can be stored`);
    const iv = randomBytes(12);
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
    const keys = new Map<string, Buffer | null>();
    const out: Array<T | null> = [];
    for (const sealed of values) {
      if (!keys.has(sealed.kid)) keys.set(sealed.kid, await this.keyFor(sealed.kid, false));
      const key = keys.get(sealed.kid);
      out.push(key ? decrypt<T>(key, sealed) : null);
    }
    return out;
  }

  /** Crypto-shredding: the key is destroyed; returns false if it was already gone. */
  async erase(subjectId: string): Promise<boolean> {
    if (subjectId.startsWith('system:')) throw new Error('application secrets are not personal data: they are never erased');
    const { rowCount } = await this.db.pool.query(
      `INSERT INTO personal_data_keys (subject_id, data_key, erased_at) VALUES ($1, NULL, now())
       ON CONFLICT (subject_id) DO UPDATE SET data_key = NULL, erased_at = now() WHERE personal_data_keys.erased_at IS NULL`,
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

  private async keyFor(subjectId: string, create: boolean): Promise<Buffer | null> {
    if (create) {
      await this.db.pool.query('INSERT INTO personal_data_keys (subject_id, data_key) VALUES ($1, $2) ON CONFLICT (subject_id) DO NOTHING', [subjectId, randomBytes(32)]);
    }
    const { rows } = await this.db.pool.query('SELECT data_key FROM personal_data_keys WHERE subject_id = $1', [subjectId]);
    return rows.length && rows[0].data_key ? (rows[0].data_key as Buffer) : null;
  }
}

function decrypt<T>(key: Buffer, sealed: Sealed): T {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(Buffer.from(sealed.kid, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(plain) as T;
}

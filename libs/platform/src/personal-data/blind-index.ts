import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, ConfigError, isProduction } from '../config';
import { parseKek } from './kek';

/**
 * The blind index of candidates' identities: per searchable field, the
 * HMAC-SHA-256 of the normalised value under a key that never enters the
 * database. The index tells equal values apart from different ones, to
 * holders of the key only; it stores no name and cannot be reversed without
 * guessing through the API (admin and referent only).
 */
export const SEARCHABLE_IDENTITY_FIELDS = ['familyName', 'givenName', 'birthDate', 'email'] as const;
export type SearchableIdentityField = (typeof SEARCHABLE_IDENTITY_FIELDS)[number];

export interface BlindIndexKey {
  /** Public name of the key (a digest, never the key), so an index built with another key can be told apart. */
  id: string;
  key: Buffer;
  development: boolean;
}

/**
 * What "the same name" means for search: Unicode compatibility decomposition,
 * combining marks removed (é → e), lower case, spaces trimmed and collapsed.
 */
export function normaliseForIndex(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The index value of one field: the field name is part of the message, so equal values in two fields do not match. */
export function blindIndexOf(key: BlindIndexKey, field: SearchableIdentityField, value: string): string {
  return createHmac('sha256', key.key).update(`${field}\0${normaliseForIndex(value)}`, 'utf8').digest('hex');
}

/** The index values of an identity's searchable fields (a missing or non-text field has none). */
export function blindIndexesOf(key: BlindIndexKey, identity: Partial<Record<SearchableIdentityField, unknown>>): Record<SearchableIdentityField, string | null> {
  const out = {} as Record<SearchableIdentityField, string | null>;
  for (const field of SEARCHABLE_IDENTITY_FIELDS) {
    const value = identity[field];
    out[field] = typeof value === 'string' && normaliseForIndex(value) !== '' ? blindIndexOf(key, field, value) : null;
  }
  return out;
}

const blindKeyId = (key: Buffer) => `bik-${createHash('sha256').update('certification blind index key id\0').update(key).digest('hex').slice(0, 16)}`;

const loaded = new WeakMap<AppConfig, BlindIndexKey>();

/**
 * BLIND_INDEX_KEY_FILE (32 bytes, 64 hex characters or base64), read once per
 * configuration. Outside production, without it, a development key is
 * generated once as DATA_DIR/keys/blind-index-key-dev.hex; in production that
 * is a ConfigError (and `exitUnlessProductionReady` refuses to start first).
 */
export function blindIndexKey(config: AppConfig, env: NodeJS.ProcessEnv = process.env): BlindIndexKey {
  let key = loaded.get(config);
  if (!key) {
    key = loadBlindIndexKey(env, config.dataDir);
    loaded.set(config, key);
  }
  return key;
}

export function loadBlindIndexKey(env: NodeJS.ProcessEnv, dataDir: string): BlindIndexKey {
  const file = env.BLIND_INDEX_KEY_FILE?.trim();
  if (file) {
    const bytes = parseKek(readKeyFile(file, 'BLIND_INDEX_KEY_FILE'), `BLIND_INDEX_KEY_FILE (${file})`);
    return { id: blindKeyId(bytes), key: bytes, development: false };
  }
  if (isProduction(env)) throw new ConfigError('NODE_ENV=production needs BLIND_INDEX_KEY_FILE: the search index of identities is never keyed by a development key in production');
  const dir = join(dataDir, 'keys');
  const dev = join(dir, 'blind-index-key-dev.hex');
  if (!existsSync(dev)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(dev, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process wrote it first: read theirs
    }
  }
  const bytes = parseKek(readKeyFile(dev, 'development blind index key'), dev);
  return { id: blindKeyId(bytes), key: bytes, development: true };
}

function readKeyFile(path: string, name: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${name}: cannot read ${path}`);
  }
}

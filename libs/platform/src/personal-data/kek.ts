import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, KekSettings } from '../config';

/**
 * The key-encryption keys (KEK) of personal data: every candidate's data key
 * is stored wrapped (AES-256-GCM) by the current KEK, which never enters the
 * database, so a dump of the database alone opens nothing. During a rotation
 * the previous KEKs stay readable until every data key is re-wrapped.
 */
export interface Kek {
  /** Public name of the key, stored beside each wrapped data key: a digest, never the key. */
  id: string;
  key: Buffer;
}

export interface KeyEncryptionKeys {
  current: Kek;
  /** Older KEKs, accepted for unwrapping only (PERSONAL_DATA_KEK_PREVIOUS_FILES) while a rotation runs. */
  previous: Kek[];
  /** True when the KEK is the one generated under DATA_DIR/keys (never in production). */
  development: boolean;
}

export function kekId(key: Buffer): string {
  // Domain-separated digest: names the key in the table without being usable as it.
  return `kek-${createHash('sha256').update('certification personal-data kek id\0').update(key).digest('hex').slice(0, 16)}`;
}

/** A KEK file holds 32 bytes written as 64 hex characters or as base64 (`openssl rand -hex 32`). */
export function parseKek(text: string, name: string): Buffer {
  const raw = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) throw new ConfigError(`${name} must hold a 32-byte key as 64 hex characters or base64 (generate it with: openssl rand -hex 32)`);
  return bytes;
}

function readKek(path: string, name: string): Kek {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`${name}: cannot read ${path}`);
  }
  const key = parseKek(text, `${name} (${path})`);
  return { id: kekId(key), key };
}

/** The development KEK, generated once under DATA_DIR/keys beside the other development keys. */
function developmentKek(dataDir: string): Kek {
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'personal-data-kek-dev.hex');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  return readKek(file, 'development KEK');
}

export function loadKeyEncryptionKeys(settings: KekSettings, dataDir: string): KeyEncryptionKeys {
  if (!settings.file) {
    if (settings.production) throw new ConfigError('NODE_ENV=production needs PERSONAL_DATA_KEK_FILE: candidates\' data keys are never wrapped by a development key in production');
    return { current: developmentKek(dataDir), previous: [], development: true };
  }
  const current = readKek(settings.file, 'PERSONAL_DATA_KEK_FILE');
  const previous = settings.previousFiles.map((f) => readKek(f, 'PERSONAL_DATA_KEK_PREVIOUS_FILES')).filter((k) => k.id !== current.id);
  return { current, previous, development: false };
}

const IV = 12;
const TAG = 16;

/** iv ‖ ciphertext ‖ tag; the subject id is bound as associated data, so rows cannot be swapped. */
export function wrapKey(kek: Kek, subjectId: string, dataKey: Buffer): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
  cipher.setAAD(Buffer.from(subjectId, 'utf8'));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]);
}

export function unwrapKey(kek: Kek, subjectId: string, wrapped: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', kek.key, wrapped.subarray(0, IV));
  decipher.setAAD(Buffer.from(subjectId, 'utf8'));
  decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG));
  return Buffer.concat([decipher.update(wrapped.subarray(IV, wrapped.length - TAG)), decipher.final()]);
}

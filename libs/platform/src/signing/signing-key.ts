import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFingerprint } from '@app/proof/canonical';
import { ConfigError, isProduction } from '../config';

/**
 * The certifier's Ed25519 key: it signs ledger checkpoints, sealed jury
 * records and credentials. In production it comes from configuration
 * (SIGNING_KEY_PEM or SIGNING_KEY_FILE, a PKCS#8 PEM) and never sits in the
 * database; without it a development key is generated under DATA_DIR/keys.
 */
export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
  /** Names the ledger and the issuer in exports and signatures. */
  origin: string;
  development: boolean;
}

export const SIGNING_KEY = 'SIGNING_KEY';

export function loadSigningKey(env: NodeJS.ProcessEnv, dataDir: string): SigningKey {
  const origin = env.LEDGER_ORIGIN || 'urn:cert:ledger:cde-fede-france';
  let pem = env.SIGNING_KEY_PEM;
  if (!pem && env.SIGNING_KEY_FILE) {
    try {
      pem = readFileSync(env.SIGNING_KEY_FILE, 'utf8');
    } catch {
      throw new ConfigError(`SIGNING_KEY_FILE: cannot read ${env.SIGNING_KEY_FILE}`);
    }
  }
  let development = false;
  if (!pem) {
    if (isProduction(env)) throw new ConfigError('NODE_ENV=production needs SIGNING_KEY_FILE or SIGNING_KEY_PEM: records and checkpoints are never signed with a development key in production');
    development = true;
    const dir = join(dataDir, 'keys');
    const file = developmentKeyFile(dataDir);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = ed25519PrivateKey(pem, 'SIGNING_KEY_PEM / SIGNING_KEY_FILE');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, fingerprint: keyFingerprint(publicKeyPem), origin, development };
}

function ed25519PrivateKey(pem: string, what: string): KeyObject {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError(`${what} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${what}: the signing key must be an Ed25519 key`);
  return privateKey;
}

/** The development signing key of a data directory (generated on first use, never in production). */
export function developmentKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'signing-dev-ed25519.pem');
}

/** The new key of a rotation, from a PKCS#8 PEM file (`keys rotate --new-key FILE`). */
export function readSigningKeyFile(file: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`cannot read the key file ${file}`);
  }
  return ed25519PrivateKey(pem, file);
}

/**
 * Before a rotation in development: the new key is written beside the current one first, so that
 * it is never only in memory once the ledger names it.
 */
export function stageDevelopmentKey(dataDir: string, next: KeyObject): string {
  mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const staged = join(dataDir, 'keys', 'signing-dev-ed25519.next.pem');
  writeFileSync(staged, next.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return staged;
}

/**
 * After the rotation: the staged key becomes the development key of the data directory; the
 * previous one is kept beside it, renamed (nothing signs with it any more).
 */
export function installDevelopmentKey(dataDir: string, staged: string, now = new Date()): string {
  const file = developmentKeyFile(dataDir);
  if (existsSync(file)) renameSync(file, join(dataDir, 'keys', `signing-dev-ed25519.retired-${now.toISOString().replace(/[:.]/g, '-')}.pem`));
  renameSync(staged, file);
  return file;
}

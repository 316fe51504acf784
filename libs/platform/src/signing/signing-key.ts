import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    const file = join(dir, 'signing-dev-ed25519.pem');
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    pem = readFileSync(file, 'utf8');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError('SIGNING_KEY_PEM / SIGNING_KEY_FILE is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigError('the signing key must be an Ed25519 key');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, fingerprint: keyFingerprint(publicKeyPem), origin, development };
}

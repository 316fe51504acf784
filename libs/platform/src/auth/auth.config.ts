import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config';

/** How tokens are verified: the organisation's identity provider, or the development key. */
export interface AuthConfig {
  /** 'provider': a configured public key or JWKS URL; 'development': a key pair generated under DATA_DIR. */
  mode: 'provider' | 'development';
  algorithms: string[];
  publicKeyPem?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Development only: signs `npm run -s token`. */
  privateKeyPem?: string;
}

const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'RS384', 'RS512', 'PS256'];
export const DEV_ISSUER = 'urn:cert:development';
export const DEV_AUDIENCE = 'urn:cert:api';

export function loadAuthConfig(env: NodeJS.ProcessEnv, dataDir: string): AuthConfig {
  const pem = env.AUTH_JWT_PUBLIC_KEY || (env.AUTH_JWT_PUBLIC_KEY_FILE ? readKey(env.AUTH_JWT_PUBLIC_KEY_FILE) : undefined);
  const jwksUrl = env.AUTH_JWKS_URL || undefined;
  if (pem || jwksUrl) {
    const algorithms = (env.AUTH_JWT_ALGORITHMS || 'EdDSA,ES256,RS256').split(',').map((a) => a.trim()).filter(Boolean);
    for (const a of algorithms) {
      // Symmetric algorithms with a public key are the classic forgery; 'none' is no signature at all.
      if (!ALLOWED_ALGORITHMS.includes(a)) throw new ConfigError(`AUTH_JWT_ALGORITHMS: ${a} is not allowed (use ${ALLOWED_ALGORITHMS.join(', ')})`);
    }
    if (jwksUrl) {
      try {
        const u = new URL(jwksUrl);
        if (u.protocol !== 'https:' && u.hostname !== 'localhost' && u.hostname !== '127.0.0.1') throw new Error();
      } catch {
        throw new ConfigError('AUTH_JWKS_URL must be an https URL');
      }
    }
    if (pem && !/-----BEGIN PUBLIC KEY-----/.test(pem)) throw new ConfigError('AUTH_JWT_PUBLIC_KEY must be an SPKI PEM public key');
    return { mode: 'provider', algorithms, publicKeyPem: pem, jwksUrl, issuer: env.AUTH_ISSUER || undefined, audience: env.AUTH_AUDIENCE || undefined };
  }
  const keys = developmentKeys(dataDir);
  return { mode: 'development', algorithms: ['EdDSA'], publicKeyPem: keys.publicKeyPem, privateKeyPem: keys.privateKeyPem, issuer: DEV_ISSUER, audience: DEV_AUDIENCE };
}

/** A development Ed25519 key pair kept under DATA_DIR/keys, created on first use. */
export function developmentKeys(dataDir: string): { publicKeyPem: string; privateKeyPem: string } {
  const dir = join(dataDir, 'keys');
  const priv = join(dir, 'jwt-dev-private.pem');
  const pub = join(dir, 'jwt-dev-public.pem');
  if (!existsSync(priv) || !existsSync(pub)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  return { publicKeyPem: readFileSync(pub, 'utf8'), privateKeyPem: readFileSync(priv, 'utf8') };
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`AUTH_JWT_PUBLIC_KEY_FILE: cannot read ${path}`);
  }
}

import { createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boolean, ConfigError, integer, isProduction } from '../config';

/** How tokens are verified: the organisation's identity provider, or the development key. */
export interface AuthConfig {
  /** 'provider': a configured public key or JWKS URL; 'development': a key pair generated under DATA_DIR. */
  mode: 'provider' | 'development';
  algorithms: string[];
  publicKeyPem?: string;
  jwksUrl?: string;
  issuer?: string;
  /** One audience or several (a token naming any of them is accepted). */
  audience?: string | string[];
  /** Dotted path of the claim holding the role names (`roles`, or e.g. `realm_access.roles`). */
  rolesClaim: string;
  clockToleranceSeconds: number;
  jwks: { cacheMaxAgeMs: number; cooldownMs: number; timeoutMs: number };
  /** Things an operator should hear about at start (logged as warnings, never secrets). */
  warnings: string[];
  /** Development only: signs `npm run -s token`. */
  privateKeyPem?: string;
}

/**
 * Asymmetric algorithms only: HS* with a public key is the classic forgery
 * (anyone holding the public key can sign) and 'none' is no signature at all.
 */
const KEY_ALGORITHMS: Record<string, string[]> = {
  ed25519: ['EdDSA'],
  'ec:prime256v1': ['ES256'],
  'ec:secp384r1': ['ES384'],
  'ec:secp521r1': ['ES512'],
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
};
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
export const DEV_ISSUER = 'urn:cert:development';
export const DEV_AUDIENCE = 'urn:cert:api';

/** Settings that only make sense with an identity provider: set without one, they reveal a half-done configuration. */
const PROVIDER_ONLY = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWT_ALGORITHMS', 'AUTH_ROLES_CLAIM', 'AUTH_JWKS_CACHE_SECONDS', 'AUTH_JWKS_COOLDOWN_SECONDS', 'AUTH_JWKS_TIMEOUT_MS'];

/**
 * Reads and checks every AUTH_* setting; a bad value throws a ConfigError that
 * names it, so the process stops at start instead of trusting the wrong thing.
 */
export function loadAuthConfig(env: NodeJS.ProcessEnv, dataDir: string): AuthConfig {
  const inlinePem = nonEmpty(env.AUTH_JWT_PUBLIC_KEY);
  const pemFile = nonEmpty(env.AUTH_JWT_PUBLIC_KEY_FILE);
  const jwksUrl = nonEmpty(env.AUTH_JWKS_URL);
  if (inlinePem && pemFile) throw new ConfigError('AUTH_JWT_PUBLIC_KEY and AUTH_JWT_PUBLIC_KEY_FILE are both set: set one');
  const pem = inlinePem ?? (pemFile ? readKey(pemFile) : undefined);
  if (pem && jwksUrl) throw new ConfigError('AUTH_JWKS_URL and AUTH_JWT_PUBLIC_KEY(_FILE) are both set: set one key source');
  const clockToleranceSeconds = integer(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300);

  if (!pem && !jwksUrl) {
    const stray = PROVIDER_ONLY.filter((name) => nonEmpty(env[name]) !== undefined);
    if (stray.length) {
      throw new ConfigError(`${stray.join(', ')} set without AUTH_JWT_PUBLIC_KEY, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_URL: configure the identity provider's key too`);
    }
    if (isProduction(env)) {
      throw new ConfigError('NODE_ENV=production needs an identity provider (AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY(_FILE), with AUTH_ISSUER and AUTH_AUDIENCE): the development key is never trusted in production');
    }
    if (boolean(env, 'AUTH_REQUIRE_PROVIDER', false)) {
      throw new ConfigError('AUTH_REQUIRE_PROVIDER is true but no identity provider is configured (AUTH_JWT_PUBLIC_KEY, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_URL)');
    }
    const keys = developmentKeys(dataDir);
    return {
      mode: 'development',
      algorithms: ['EdDSA'],
      publicKeyPem: keys.publicKeyPem,
      privateKeyPem: keys.privateKeyPem,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      rolesClaim: 'roles',
      clockToleranceSeconds,
      jwks: { cacheMaxAgeMs: 0, cooldownMs: 0, timeoutMs: 0 },
      warnings: [`no identity provider configured: trusting the DEVELOPMENT key in ${join(dataDir, 'keys')} (never in production; see docs/security.md)`],
    };
  }

  boolean(env, 'AUTH_REQUIRE_PROVIDER', false); // validated even when satisfied
  const requested = list(env.AUTH_JWT_ALGORITHMS ?? 'EdDSA,ES256,RS256');
  if (requested.length === 0) throw new ConfigError('AUTH_JWT_ALGORITHMS is empty');
  for (const a of requested) {
    if (!ALLOWED_ALGORITHMS.includes(a)) throw new ConfigError(`AUTH_JWT_ALGORITHMS: "${a}" is not allowed (use ${ALLOWED_ALGORITHMS.join(', ')})`);
  }
  let algorithms = requested;
  let publicKeyPem: string | undefined;
  if (pem) {
    const key = parsePublicKey(pem);
    const fits = KEY_ALGORITHMS[keyKind(key)] ?? [];
    // Pinning to what the key can do: a token claiming another algorithm never reaches a verifier.
    algorithms = requested.filter((a) => fits.includes(a));
    if (algorithms.length === 0) {
      throw new ConfigError(`AUTH_JWT_ALGORITHMS (${requested.join(', ')}) has no algorithm for the configured ${keyKind(key)} public key (it can verify ${fits.join(', ') || 'nothing'})`);
    }
    publicKeyPem = key.export({ type: 'spki', format: 'pem' }).toString();
  }
  if (jwksUrl) checkJwksUrl(jwksUrl);

  const issuer = optionalToken(env, 'AUTH_ISSUER');
  const audiences = env.AUTH_AUDIENCE !== undefined ? list(env.AUTH_AUDIENCE) : [];
  for (const a of audiences) if (!/^\S{1,500}$/.test(a)) throw new ConfigError(`AUTH_AUDIENCE: "${a}" is not a valid audience`);
  const rolesClaim = env.AUTH_ROLES_CLAIM?.trim() || 'roles';
  if (!/^[A-Za-z0-9_:\-/]+(\.[A-Za-z0-9_:\-/]+)*$/.test(rolesClaim)) throw new ConfigError(`AUTH_ROLES_CLAIM must be a claim name or a dotted path, got "${rolesClaim}"`);
  if (isProduction(env) && (!issuer || audiences.length === 0)) {
    throw new ConfigError(`NODE_ENV=production needs ${[!issuer && 'AUTH_ISSUER', audiences.length === 0 && 'AUTH_AUDIENCE'].filter(Boolean).join(' and ')}: without them tokens minted for other applications would be accepted`);
  }
  const warnings: string[] = [];
  if (!issuer) warnings.push('AUTH_ISSUER is not set: tokens from any issuer trusted by this key are accepted');
  if (audiences.length === 0) warnings.push('AUTH_AUDIENCE is not set: tokens meant for other applications of the identity provider are accepted');
  return {
    mode: 'provider',
    algorithms,
    publicKeyPem,
    jwksUrl,
    issuer,
    audience: audiences.length === 0 ? undefined : audiences.length === 1 ? audiences[0] : audiences,
    rolesClaim,
    clockToleranceSeconds,
    jwks: {
      cacheMaxAgeMs: integer(env, 'AUTH_JWKS_CACHE_SECONDS', 600, 0, 86_400) * 1000,
      cooldownMs: integer(env, 'AUTH_JWKS_COOLDOWN_SECONDS', 30, 0, 3_600) * 1000,
      timeoutMs: integer(env, 'AUTH_JWKS_TIMEOUT_MS', 5_000, 100, 60_000),
    },
    warnings,
  };
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

function parsePublicKey(pem: string): KeyObject {
  if (/PRIVATE KEY/.test(pem)) throw new ConfigError('AUTH_JWT_PUBLIC_KEY holds a PRIVATE key: give the identity provider\'s public key only');
  if (!/-----BEGIN PUBLIC KEY-----/.test(pem)) throw new ConfigError('AUTH_JWT_PUBLIC_KEY must be an SPKI PEM public key (-----BEGIN PUBLIC KEY-----)');
  try {
    return createPublicKey(pem);
  } catch {
    throw new ConfigError('AUTH_JWT_PUBLIC_KEY is not a readable PEM public key');
  }
}

function keyKind(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  return type === 'ec' ? `ec:${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}` : type;
}

function checkJwksUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`AUTH_JWKS_URL is not a URL: "${raw}"`);
  }
  // Plain http only on the loopback: key sets fetched over the network must be authenticated.
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw new ConfigError(`AUTH_JWKS_URL must be an https URL, got "${raw}"`);
  if (url.username || url.password) throw new ConfigError('AUTH_JWKS_URL must not carry credentials');
}

function optionalToken(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\S{1,500}$/.test(raw)) throw new ConfigError(`${name} must be a single value without spaces, got "${raw}"`);
  return raw;
}

function list(raw: string): string[] {
  return raw.split(',').map((a) => a.trim()).filter(Boolean);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`AUTH_JWT_PUBLIC_KEY_FILE: cannot read ${path}`);
  }
}

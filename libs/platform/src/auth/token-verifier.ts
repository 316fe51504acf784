import { createLocalJWKSet, createRemoteJWKSet, errors, importPKCS8, jwtVerify, JWTVerifyGetKey, SignJWT } from 'jose';
import { createPublicKey } from 'node:crypto';
import { Role, ROLES } from '@app/domain/shared/decider';
import { AuthConfig } from './auth.config';

export interface Principal {
  id: string;
  name?: string;
  roles: Role[];
}

export class InvalidTokenError extends Error {
  readonly code = 'UNAUTHENTICATED';
}

/** The key set could not be fetched: the token may be fine, so this is a 503, not a 401. */
export class IdentityProviderUnavailableError extends Error {
  readonly code = 'SERVICE_UNAVAILABLE';
}

/** Compact JWS: three base64url parts. Anything else is refused before any parsing. */
const COMPACT_JWS = /^[A-Za-z0-9_-]{2,2048}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{2,2048}$/;

/**
 * Verifies bearer tokens: algorithms pinned to the configuration (never
 * `none`, never HS*), signature, `exp` and `sub` required, `iss` and `aud`
 * checked when configured. With a JWKS URL the key set is cached and fetched
 * again when a token names a key id it does not hold (key rotation), at most
 * once per cooldown so forged key ids cannot hammer the identity provider.
 */
export class TokenVerifier {
  private keyResolver?: JWTVerifyGetKey;

  constructor(private readonly config: AuthConfig) {}

  async verify(token: string): Promise<Principal> {
    if (!COMPACT_JWS.test(token)) throw new InvalidTokenError('malformed token');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key(), {
        algorithms: this.config.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.config.clockToleranceSeconds,
      }));
    } catch (error) {
      if (isKeySetFailure(error)) throw new IdentityProviderUnavailableError('the identity provider key set could not be fetched');
      throw new InvalidTokenError('invalid or expired token');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new InvalidTokenError('invalid subject');
    const claimed = claimAt(payload, this.config.rolesClaim);
    const roles = Array.isArray(claimed) ? ROLES.filter((r) => claimed.includes(r)) : [];
    const name = typeof payload.name === 'string' ? payload.name.slice(0, 200) : undefined;
    return { id: sub, name, roles };
  }

  private key(): JWTVerifyGetKey {
    if (this.keyResolver) return this.keyResolver;
    if (this.config.jwksUrl) {
      this.keyResolver = createRemoteJWKSet(new URL(this.config.jwksUrl), {
        cacheMaxAge: this.config.jwks.cacheMaxAgeMs,
        cooldownDuration: this.config.jwks.cooldownMs,
        timeoutDuration: this.config.jwks.timeoutMs,
      });
    } else {
      const jwk = createPublicKey(this.config.publicKeyPem!).export({ format: 'jwk' });
      this.keyResolver = createLocalJWKSet({ keys: [{ ...jwk, use: 'sig' }] });
    }
    return this.keyResolver;
  }
}

/** Network failures and timeouts reaching the JWKS URL, or an unusable answer from it (not a bad token). */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout) return true;
  if (error instanceof errors.JWKSInvalid) return true;
  if (error instanceof errors.JOSEError) return /JSON Web Key Set HTTP response/.test(error.message);
  // undici's "fetch failed" TypeError may come from another realm (test sandboxes): compare by name.
  const e = error as { name?: unknown; message?: unknown } | null;
  return !!e && e.name === 'TypeError' && typeof e.message === 'string' && /fetch failed/i.test(e.message);
}

function claimAt(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Development only: a token signed with the generated key, valid for `hours`. */
export async function signDevelopmentToken(config: AuthConfig, claims: { sub: string; name?: string; roles: string[] }, hours = 24): Promise<string> {
  if (!config.privateKeyPem) throw new Error('tokens can only be signed with the development key (no identity provider configured)');
  const key = await importPKCS8(config.privateKeyPem, 'EdDSA');
  return new SignJWT({ name: claims.name, roles: claims.roles })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.issuer!)
    .setAudience(config.audience!)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(key);
}

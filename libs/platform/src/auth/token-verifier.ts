import { createLocalJWKSet, createRemoteJWKSet, errors, importPKCS8, JWTHeaderParameters, jwtVerify, JWTVerifyGetKey, SignJWT } from 'jose';
import { createHash, createPublicKey } from 'node:crypto';
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

/** A token that verified: who it names, until when it is trusted, and the key that checked it. */
interface Remembered {
  principal: Principal;
  until: number;
  header: JWTHeaderParameters;
  key: unknown;
}

export interface TokenVerifierOptions {
  /** The clock (ms since the epoch); tests move it. */
  now?: () => number;
  /** How long a verified token is trusted without checking its signature again. */
  cacheTtlMs?: number;
  /** How many verified tokens are remembered (oldest forgotten first). */
  cacheSize?: number;
}

/**
 * Verifies bearer tokens: algorithms pinned to the configuration (never
 * `none`, never HS*), signature, `exp` and `sub` required, `iss` and `aud`
 * checked when configured. With a JWKS URL the key set is cached and fetched
 * again when a token names a key id it does not hold (key rotation), at most
 * once per cooldown so forged key ids cannot hammer the identity provider.
 *
 * A client sends the same token with every request: a token that verified is
 * remembered, by the SHA-256 of its whole text, for at most a minute, never
 * past its own expiry and only while the key that verified it is still the one
 * the key set gives for its header (a rotation that retires the key ends it).
 * The signature check (7-9 % of the API's CPU under score load, docs/performance.md) then runs once a minute per token instead of on every request.
 * Refused tokens are never remembered.
 */
export class TokenVerifier {
  private keyResolver?: JWTVerifyGetKey;
  private readonly verified = new Map<string, Remembered>();
  private readonly now: () => number;
  private readonly cacheTtlMs: number;
  private readonly cacheSize: number;

  constructor(
    private readonly config: AuthConfig,
    options: TokenVerifierOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  async verify(token: string): Promise<Principal> {
    if (!COMPACT_JWS.test(token)) throw new InvalidTokenError('malformed token');
    const cacheKey = createHash('sha256').update(token).digest('base64');
    const now = this.now();
    const known = this.verified.get(cacheKey);
    if (known) {
      // Still signed by a key of the current set (a rotation that retired it ends the trust)?
      const key = now < known.until ? await this.currentKey(known.header) : null;
      if (key === known.key) return { ...known.principal, roles: [...known.principal.roles] };
      this.verified.delete(cacheKey);
    }
    const verified = await this.check(token, now);
    if (this.verified.size >= this.cacheSize) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(cacheKey, { ...verified, principal: { ...verified.principal, roles: [...verified.principal.roles] }, until: Math.min(now + this.cacheTtlMs, verified.until) });
    return verified.principal;
  }

  private async check(token: string, now: number): Promise<Remembered> {
    let payload: Record<string, unknown>;
    let header!: JWTHeaderParameters;
    let key: unknown;
    try {
      const resolve = this.key();
      ({ payload } = await jwtVerify(
        token,
        async (h, t) => {
          header = h;
          key = await resolve(h, t);
          return key as Awaited<ReturnType<JWTVerifyGetKey>>;
        },
        {
          algorithms: this.config.algorithms,
          issuer: this.config.issuer,
          audience: this.config.audience,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: this.config.clockToleranceSeconds,
          currentDate: new Date(now),
        },
      ));
    } catch (error) {
      if (isKeySetFailure(error)) throw new IdentityProviderUnavailableError('the identity provider key set could not be fetched');
      throw new InvalidTokenError('invalid or expired token');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new InvalidTokenError('invalid subject');
    const claimed = claimAt(payload, this.config.rolesClaim);
    const roles = Array.isArray(claimed) ? ROLES.filter((r) => claimed.includes(r)) : [];
    const name = typeof payload.name === 'string' ? payload.name.slice(0, 200) : undefined;
    // jose accepted it up to exp + the clock tolerance: the cache stops at the same instant.
    const until = ((payload.exp as number) + this.config.clockToleranceSeconds) * 1000;
    return { principal: { id: sub, name, roles }, until, header, key };
  }

  /** The key the key set now gives for this header, or null (retired, or the set is unreachable). */
  private async currentKey(header: JWTHeaderParameters): Promise<unknown> {
    try {
      return await this.key()(header, undefined as never);
    } catch {
      return null;
    }
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

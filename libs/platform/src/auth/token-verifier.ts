import { createLocalJWKSet, createRemoteJWKSet, importPKCS8, jwtVerify, JWTVerifyGetKey, SignJWT } from 'jose';
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

/** Verifies bearer tokens with pinned algorithms, a required `exp`, and `iss`/`aud` when configured. */
export class TokenVerifier {
  private keyResolver?: JWTVerifyGetKey;

  constructor(private readonly config: AuthConfig) {}

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, (await this.key()) as never, {
        algorithms: this.config.algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 30,
      });
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0 || sub.length > 200) throw new Error('sub');
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => ROLES.includes(r as Role)) : [];
      const name = typeof payload.name === 'string' ? payload.name.slice(0, 200) : undefined;
      return { id: sub, name, roles };
    } catch (error) {
      throw new InvalidTokenError(error instanceof Error && error.message ? 'invalid or expired token' : 'invalid token');
    }
  }

  private async key() {
    if (this.keyResolver) return this.keyResolver;
    if (this.config.jwksUrl) {
      // jose caches the key set and refetches it when a token names an unknown key id (rotation).
      this.keyResolver = createRemoteJWKSet(new URL(this.config.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 });
    } else {
      const keyObject = createPublicKey(this.config.publicKeyPem!);
      const jwk = keyObject.export({ format: 'jwk' });
      this.keyResolver = createLocalJWKSet({ keys: [{ ...jwk, use: 'sig' }] });
    }
    return this.keyResolver;
  }
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


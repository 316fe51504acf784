import { createHmac, generateKeyPairSync, KeyObject, sign as nodeSign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { AuthConfig, loadAuthConfig } from './auth.config';
import { IdentityProviderUnavailableError, InvalidTokenError, TokenVerifier } from './token-verifier';

const ISSUER = 'https://idp.example.org/realms/cert';
const AUDIENCE = 'cert-api';
const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

function pem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

function providerConfig(publicKey: KeyObject, extra: Record<string, string> = {}): AuthConfig {
  return loadAuthConfig({ AUTH_JWT_PUBLIC_KEY: pem(publicKey), AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, ...extra }, '/nonexistent');
}

/** A token assembled by hand: any header, any payload, any signature. */
function rawToken(header: object, payload: object, signature: (signingInput: string) => Buffer | string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = signature(input);
  return `${input}.${typeof sig === 'string' ? sig : b64url(sig)}`;
}

const goodClaims = () => ({ sub: 'alice', name: 'Alice Martin', roles: ['admin', 'jury'], iss: ISSUER, aud: AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 600 });

describe('TokenVerifier', () => {
  const ed = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const verifier = new TokenVerifier(providerConfig(ed.publicKey));
  const signEd = (payload: object, key = ed.privateKey, header: object = { alg: 'EdDSA', typ: 'JWT' }) =>
    rawToken(header, payload, (input) => nodeSign(null, Buffer.from(input), key));

  it('accepts a well-formed token and keeps only known roles', async () => {
    const principal = await verifier.verify(signEd({ ...goodClaims(), roles: ['admin', 'superuser', 'jury'] }));
    expect(principal).toEqual({ id: 'alice', name: 'Alice Martin', roles: ['admin', 'jury'] });
  });

  it('reads roles from a nested claim when configured (e.g. Keycloak realm_access.roles)', async () => {
    const nested = new TokenVerifier(providerConfig(ed.publicKey, { AUTH_ROLES_CLAIM: 'realm_access.roles' }));
    const { roles: _flat, ...claims } = goodClaims();
    const principal = await nested.verify(signEd({ ...claims, realm_access: { roles: ['regulator'] } }));
    expect(principal.roles).toEqual(['regulator']);
    expect((await nested.verify(signEd(goodClaims()))).roles).toEqual([]);
  });

  const forged: Array<[string, () => string]> = [
    ['alg: none, empty signature', () => rawToken({ alg: 'none', typ: 'JWT' }, goodClaims(), () => '')],
    ['alg: none, some signature', () => rawToken({ alg: 'none', typ: 'JWT' }, goodClaims(), () => 'c2lnbmF0dXJl')],
    ['alg: "None" (case games)', () => rawToken({ alg: 'None' }, goodClaims(), () => 'c2lnbmF0dXJl')],
    ['signed with another key', () => signEd(goodClaims(), other.privateKey)],
    ['HS256 keyed with the public key PEM', () => rawToken({ alg: 'HS256', typ: 'JWT' }, goodClaims(), (i) => createHmac('sha256', pem(ed.publicKey)).update(i).digest())],
    ['HS256 keyed with the public key DER', () => rawToken({ alg: 'HS256' }, goodClaims(), (i) => createHmac('sha256', ed.publicKey.export({ type: 'spki', format: 'der' })).update(i).digest())],
    ['HS256 keyed with the raw public key (JWK x)', () => rawToken({ alg: 'HS256' }, goodClaims(), (i) => createHmac('sha256', Buffer.from(ed.publicKey.export({ format: 'jwk' }).x!, 'base64url')).update(i).digest())],
    ['header naming an embedded jwk', () => signEd(goodClaims(), other.privateKey, { alg: 'EdDSA', jwk: other.publicKey.export({ format: 'jwk' }) })],
    ['expired (beyond the clock tolerance)', () => signEd({ ...goodClaims(), exp: nowSeconds() - 120 })],
    ['without exp', () => signEd({ ...goodClaims(), exp: undefined })],
    ['not yet valid (nbf in the future)', () => signEd({ ...goodClaims(), nbf: nowSeconds() + 600 })],
    ['without sub', () => signEd({ ...goodClaims(), sub: undefined })],
    ['with an empty sub', () => signEd({ ...goodClaims(), sub: '' })],
    ['for another audience', () => signEd({ ...goodClaims(), aud: 'another-app' })],
    ['from another issuer', () => signEd({ ...goodClaims(), iss: 'https://evil.example.org' })],
    ['without issuer', () => signEd({ ...goodClaims(), iss: undefined })],
    ['payload altered after signing', () => {
      const [h, , s] = signEd(goodClaims()).split('.');
      return `${h}.${b64url(JSON.stringify({ ...goodClaims(), roles: ['admin', 'regulator', 'jury'] }))}.${s}`;
    }],
    ['garbage', () => 'not-a-token'],
    ['three garbage parts', () => 'aaaa.bbbb.cccc'],
    ['JSON that is not an object', () => rawToken({ alg: 'EdDSA' }, [1, 2, 3], () => 'c2lnbmF0dXJl')],
    ['an encrypted token (JWE, five parts)', () => 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aaaa.bbbb.cccc'],
    ['a huge token', () => signEd({ ...goodClaims(), padding: 'x'.repeat(20_000) })],
  ];

  it.each(forged)('refuses a token %s', async (_, make) => {
    await expect(verifier.verify(make())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('refuses an ES256 token when the configured key is Ed25519 (algorithm pinned to the key)', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'ES256' }).sign(ec.privateKey);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    const ecVerifier = new TokenVerifier(providerConfig(ec.publicKey));
    await expect(ecVerifier.verify(token)).resolves.toMatchObject({ id: 'alice' });
  });

  it('refuses RS256 when the configuration pins only PS256 for an RSA key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pinned = new TokenVerifier(providerConfig(rsa.publicKey, { AUTH_JWT_ALGORITHMS: 'PS256' }));
    const rs = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    const ps = await new SignJWT(goodClaims()).setProtectedHeader({ alg: 'PS256' }).sign(rsa.privateKey);
    await expect(pinned.verify(rs)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(pinned.verify(ps)).resolves.toMatchObject({ id: 'alice' });
  });

  it('tolerates a small clock skew only', async () => {
    await expect(verifier.verify(signEd({ ...goodClaims(), exp: nowSeconds() - 5 }))).resolves.toMatchObject({ id: 'alice' });
    const strict = new TokenVerifier(providerConfig(ed.publicKey, { AUTH_CLOCK_TOLERANCE_SECONDS: '0' }));
    await expect(strict.verify(signEd({ ...goodClaims(), exp: nowSeconds() - 5 }))).rejects.toBeInstanceOf(InvalidTokenError);
  });
});

describe('TokenVerifier: remembered tokens', () => {
  const ed = generateKeyPairSync('ed25519');
  const sign = (payload: object) => rawToken({ alg: 'EdDSA', typ: 'JWT' }, payload, (input) => nodeSign(null, Buffer.from(input), ed.privateKey));
  const clock = (start: number) => {
    let t = start;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it('checks the signature of a token once, then again after the cache period', async () => {
    const c = clock(Date.now());
    const verifier = new TokenVerifier(providerConfig(ed.publicKey), { now: c.now, cacheTtlMs: 60_000 });
    const checks = jest.spyOn(verifier as unknown as { check(): unknown }, 'check');
    const token = sign(goodClaims());
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(second).toEqual(first);
    expect(checks).toHaveBeenCalledTimes(1);
    c.advance(61_000);
    await expect(verifier.verify(token)).resolves.toEqual(first);
    expect(checks).toHaveBeenCalledTimes(2);
  });

  it('never serves a remembered token past its expiry (plus the clock tolerance)', async () => {
    const c = clock(Date.now());
    const verifier = new TokenVerifier(providerConfig(ed.publicKey, { AUTH_CLOCK_TOLERANCE_SECONDS: '5' }), { now: c.now, cacheTtlMs: 3_600_000 });
    const token = sign({ ...goodClaims(), exp: Math.floor(c.now() / 1000) + 10 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ id: 'alice' });
    c.advance(14_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ id: 'alice' });
    c.advance(2_000);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('does not remember refused tokens, and a caller cannot alter what is remembered', async () => {
    const verifier = new TokenVerifier(providerConfig(ed.publicKey));
    const token = sign(goodClaims());
    const [h, , sig] = token.split('.');
    const altered = `${h}.${b64url(JSON.stringify({ ...goodClaims(), roles: ['regulator'] }))}.${sig}`;
    await expect(verifier.verify(altered)).rejects.toBeInstanceOf(InvalidTokenError);
    const principal = await verifier.verify(token);
    principal.roles.push('regulator');
    await expect(verifier.verify(altered)).rejects.toBeInstanceOf(InvalidTokenError);
    expect((await verifier.verify(token)).roles).toEqual(['admin', 'jury']);
  });

  it('forgets the oldest token beyond its size', async () => {
    const verifier = new TokenVerifier(providerConfig(ed.publicKey), { cacheSize: 2 });
    const checks = jest.spyOn(verifier as unknown as { check(): unknown }, 'check');
    const tokens = ['a', 'b', 'c'].map((sub) => sign({ ...goodClaims(), sub }));
    for (const t of tokens) await verifier.verify(t);
    expect(checks).toHaveBeenCalledTimes(3);
    await verifier.verify(tokens[2]);
    expect(checks).toHaveBeenCalledTimes(3);
    await verifier.verify(tokens[0]);
    expect(checks).toHaveBeenCalledTimes(4);
  });
});

describe('TokenVerifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let fetches = 0;
  let keySet: { keys: object[] } = { keys: [] };
  let status = 200;
  const first = generateKeyPairSync('ed25519');
  const second = generateKeyPairSync('ed25519');

  const jwk = async (key: KeyObject, kid: string) => ({ ...(await exportJWK(key)), kid, alg: 'EdDSA', use: 'sig' });
  const token = (key: KeyObject, kid: string, claims: object = goodClaims()) => new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', kid }).sign(key);
  const config = (extra: Record<string, string> = {}) => loadAuthConfig({ AUTH_JWKS_URL: url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, ...extra }, '/nonexistent');

  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches++;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? JSON.stringify(keySet) : '{"error":"down"}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/cert/protocol/openid-connect/certs`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(async () => {
    fetches = 0;
    status = 200;
    keySet = { keys: [await jwk(first.publicKey, 'k1')] };
  });

  it('fetches the key set once and serves later tokens from the cache', async () => {
    const verifier = new TokenVerifier(config());
    for (let i = 0; i < 5; i++) await expect(verifier.verify(await token(first.privateKey, 'k1'))).resolves.toMatchObject({ id: 'alice' });
    expect(fetches).toBe(1);
  });

  it('fetches again when a token names a key id it does not hold (rotation)', async () => {
    const verifier = new TokenVerifier(config({ AUTH_JWKS_COOLDOWN_SECONDS: '0' }));
    await verifier.verify(await token(first.privateKey, 'k1'));
    keySet = { keys: [await jwk(second.publicKey, 'k2')] };
    await expect(verifier.verify(await token(second.privateKey, 'k2'))).resolves.toMatchObject({ id: 'alice' });
    expect(fetches).toBe(2);
    // The retired key is gone from the set: its tokens are refused after the rotation.
    await expect(verifier.verify(await token(first.privateKey, 'k1'))).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('does not refetch for unknown key ids within the cooldown (forged kids cannot hammer the provider)', async () => {
    const verifier = new TokenVerifier(config({ AUTH_JWKS_COOLDOWN_SECONDS: '60' }));
    await verifier.verify(await token(first.privateKey, 'k1'));
    for (let i = 0; i < 5; i++) await expect(verifier.verify(await token(second.privateKey, `forged-${i}`))).rejects.toBeInstanceOf(InvalidTokenError);
    expect(fetches).toBe(1);
  });

  it('refuses a token signed by a key absent from the set, even with a known kid', async () => {
    const verifier = new TokenVerifier(config());
    await expect(verifier.verify(await token(second.privateKey, 'k1'))).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('reports an unreachable or failing key set as unavailable (503), not as a bad token', async () => {
    status = 500;
    await expect(new TokenVerifier(config()).verify(await token(first.privateKey, 'k1'))).rejects.toBeInstanceOf(IdentityProviderUnavailableError);
    const closed = loadAuthConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:1/certs', AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE }, '/nonexistent');
    await expect(new TokenVerifier(closed).verify(await token(first.privateKey, 'k1'))).rejects.toBeInstanceOf(IdentityProviderUnavailableError);
  });
});

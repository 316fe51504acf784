import { spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, KeyObject, randomBytes, randomUUID, sign as nodeSign } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, SignJWT } from 'jose';
import { DEV_AUDIENCE, DEV_ISSUER, loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { ConfigError, loadConfig } from '@app/platform/config';
import { createApp } from '../../apps/api/src/bootstrap';
import { startTestApp, TestApp } from '../support/app';
import { ensureBuilt } from '../support/processes';

/** docs/api.md: GET /v1/referentials/{id} is open to every role; an unknown id past the guard is a 404. */
const protectedPath = () => `/v1/referentials/${randomUUID()}`;
const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'mallory', roles: ['admin'], iss: DEV_ISSUER, aud: DEV_AUDIENCE, iat: nowSeconds(), exp: nowSeconds() + 3600, ...extra });

function rawToken(header: object, payload: object, signature: (input: string) => Buffer | string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = signature(input);
  return `${input}.${typeof sig === 'string' ? sig : b64url(sig)}`;
}

describe('Authentication (development key)', () => {
  let t: TestApp;
  let devPrivate: KeyObject;
  let devPublicPem: string;
  const signDev = (payload: object, key: KeyObject = devPrivate) => rawToken({ alg: 'EdDSA', typ: 'JWT' }, payload, (i) => nodeSign(null, Buffer.from(i), key));

  beforeAll(async () => {
    t = await startTestApp();
    const { createPrivateKey } = await import('node:crypto');
    devPrivate = createPrivateKey(readFileSync(join(t.dataDir, 'keys', 'jwt-dev-private.pem'), 'utf8'));
    devPublicPem = readFileSync(join(t.dataDir, 'keys', 'jwt-dev-public.pem'), 'utf8');
  });
  afterAll(async () => t?.close());

  it('lets a valid token past the guard (an unknown referential is then a 404)', async () => {
    const res = await t.http().get(protectedPath()).set('Authorization', `Bearer ${await t.token('alice', ['admin'])}`);
    expect(res.status).toBe(404);
    // The hand-made signer below is the real thing: with the development key it is accepted too.
    const handMade = await t.http().get(protectedPath()).set('Authorization', `Bearer ${signDev(claims())}`);
    expect(handMade.status).toBe(404);
  });

  const forgeries: Array<[string, () => string]> = [
    ['alg: none', () => rawToken({ alg: 'none', typ: 'JWT' }, claims(), () => '')],
    ['alg: none with a signature part', () => rawToken({ alg: 'none', typ: 'JWT' }, claims(), () => 'AAAA')],
    ['signed with another key', () => signDev(claims(), generateKeyPairSync('ed25519').privateKey)],
    ['HS256 signed with the public key (PEM bytes)', () => rawToken({ alg: 'HS256', typ: 'JWT' }, claims(), (i) => createHmac('sha256', devPublicPem).update(i).digest())],
    ['HS256 signed with the public key (raw bytes)', () => rawToken({ alg: 'HS256', typ: 'JWT' }, claims(), (i) => createHmac('sha256', Buffer.from(JSON.parse(JSON.stringify(devPrivate.export({ format: 'jwk' }))).x, 'base64url')).update(i).digest())],
    ['expired', () => signDev(claims({ iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }))],
    ['without exp', () => signDev(claims({ exp: undefined }))],
    ['for another audience', () => signDev(claims({ aud: 'urn:someone-else' }))],
    ['from another issuer', () => signDev(claims({ iss: 'https://evil.example.org' }))],
    ['without sub', () => signDev(claims({ sub: undefined }))],
    ['with roles added after signing', () => {
      const [h, , s] = signDev(claims({ roles: ['regulator'] })).split('.');
      return `${h}.${b64url(JSON.stringify(claims({ roles: ['admin'] })))}.${s}`;
    }],
    ['garbage', () => 'garbage'],
    ['garbage in three parts', () => 'eyJhbGciOiJFZERTQSJ9.e30.AAAA'],
  ];

  it.each(forgeries)('answers 401 UNAUTHENTICATED to a token %s', async (_, forge) => {
    const res = await t.http().get(protectedPath()).set('Authorization', `Bearer ${forge()}`);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: expect.any(String) });
  });

  it.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0'],
    ['an empty bearer', 'Bearer '],
    ['a bearer with spaces inside', 'Bearer abc def'],
    ['an oversized header', `Bearer ${'a'.repeat(13_000)}`],
  ])('answers 401 to %s', async (_, header) => {
    const req = t.http().get(protectedPath());
    if (header !== undefined) req.set('Authorization', header);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('answers 403 to a valid token without any role the route allows', async () => {
    const res = await t.http().post('/v1/referentials').set('Authorization', `Bearer ${await t.token('rita', ['regulator'])}`).send({});
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });
});

describe('Authentication (identity provider with a JWKS URL)', () => {
  let server: Server;
  let t: TestApp;
  let keySet: { keys: object[] };
  let fetches = 0;
  let down = false;
  const ISSUER = 'https://idp.example.org/realms/cert';
  const AUDIENCE = 'cert-api';
  const first = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const second = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = async (key: KeyObject, kid: string) => ({ ...(await exportJWK(key)), kid, alg: 'ES256', use: 'sig' });
  const token = (key: KeyObject, kid: string, extra: Record<string, unknown> = {}) =>
    new SignJWT({ roles: ['admin'], ...extra }).setProtectedHeader({ alg: 'ES256', kid }).setSubject('alice').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(key);
  const get = async (bearer: string) => (await t.http().get(protectedPath()).set('Authorization', `Bearer ${bearer}`)).status;

  beforeAll(async () => {
    keySet = { keys: [await jwk(first.publicKey, 'k1')] };
    server = createServer((_, res) => {
      fetches++;
      if (down) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keySet));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t = await startTestApp({
      env: {
        AUTH_JWKS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/certs`,
        AUTH_ISSUER: ISSUER,
        AUTH_AUDIENCE: AUDIENCE,
        AUTH_JWT_ALGORITHMS: 'ES256',
        AUTH_JWKS_COOLDOWN_SECONDS: '0',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts the provider\'s tokens, with the key set fetched once and cached', async () => {
    expect(await get(await token(first.privateKey, 'k1'))).toBe(404);
    expect(await get(await token(first.privateKey, 'k1'))).toBe(404);
    expect(fetches).toBe(1);
  });

  it('follows a key rotation: a token naming a new key id makes it fetch the set again', async () => {
    keySet = { keys: [await jwk(second.publicKey, 'k2')] };
    expect(await get(await token(second.privateKey, 'k2'))).toBe(404);
    expect(fetches).toBe(2);
  });

  it('refuses forged tokens: other key, HS256 with the public key, no exp, wrong audience, wrong issuer', async () => {
    const publicJwk = JSON.stringify(await jwk(second.publicKey, 'k2'));
    const forged = [
      await token(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'k2'),
      rawToken({ alg: 'HS256', kid: 'k2' }, { sub: 'alice', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 }, (i) => createHmac('sha256', publicJwk).update(i).digest()),
      rawToken({ alg: 'none', kid: 'k2' }, { sub: 'alice', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 }, () => ''),
      await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256', kid: 'k2' }).setSubject('alice').setIssuer(ISSUER).setAudience(AUDIENCE).sign(second.privateKey),
      await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256', kid: 'k2' }).setSubject('alice').setIssuer(ISSUER).setAudience('another-app').setExpirationTime('5m').sign(second.privateKey),
      await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256', kid: 'k2' }).setSubject('alice').setIssuer('https://evil').setAudience(AUDIENCE).setExpirationTime('5m').sign(second.privateKey),
      await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'ES256', kid: 'k2' }).setSubject('alice').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(nowSeconds() - 3600).sign(second.privateKey),
    ];
    for (const bearer of forged) expect(await get(bearer)).toBe(401);
  });

  it('answers 503 with Retry-After, not 401, while the provider\'s key set cannot be fetched', async () => {
    down = true;
    try {
      const res = await t.http().get(protectedPath()).set('Authorization', `Bearer ${await token(first.privateKey, 'k-unknown')}`);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      down = false;
    }
  });

  it('does not sign development tokens when a provider is configured', async () => {
    await expect(t.token('alice', ['admin'])).rejects.toThrow(/development key/);
  });
});

describe('Configuration checked at start', () => {
  it.each([
    ['HS256 pinned', { AUTH_JWT_ALGORITHMS: 'HS256', AUTH_JWT_PUBLIC_KEY: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString() }, /AUTH_JWT_ALGORITHMS/],
    ['plain-http JWKS URL', { AUTH_JWKS_URL: 'http://idp.example.org/certs' }, /AUTH_JWKS_URL/],
    ['an issuer without a key', { AUTH_ISSUER: 'https://idp.example.org' }, /AUTH_ISSUER/],
    ['a non-numeric rate limit', { RATE_LIMIT_PER_MINUTE_USER: 'many' }, /RATE_LIMIT_PER_MINUTE_USER/],
    ['a CORS origin without scheme', { CORS_ORIGINS: 'example.org' }, /CORS_ORIGINS/],
    ['a negative retention', { RETENTION_YEARS: '-1' }, /RETENTION_YEARS/],
  ] as Array<[string, Record<string, string>, RegExp]>)('refuses to build the app with %s', async (_, env, message) => {
    const full = { DATA_DIR: '/tmp/cert-config-check', LOG_LEVEL: 'silent', ...env };
    let thrown: unknown;
    try {
      await createApp(loadConfig(full), full);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
  });
});

/** Issue 15, reproduction 1: production accepted self-minted admin tokens signed with the development key. */
describe('Production mode (NODE_ENV=production)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-prod-'));
  const ISSUER = 'https://idp.example.org/realms/cert';
  const AUDIENCE = 'cert-api';
  const provider = generateKeyPairSync('ed25519');
  const files = {
    AUTH_JWT_PUBLIC_KEY_FILE: join(dir, 'idp.pem'),
    SIGNING_KEY_FILE: join(dir, 'signing.pem'),
    PERSONAL_DATA_KEK_FILE: join(dir, 'kek.hex'),
    BLIND_INDEX_KEY_FILE: join(dir, 'blind-index.hex'),
  };
  writeFileSync(files.AUTH_JWT_PUBLIC_KEY_FILE, provider.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(files.SIGNING_KEY_FILE, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(files.PERSONAL_DATA_KEK_FILE, randomBytes(32).toString('hex'));
  writeFileSync(files.BLIND_INDEX_KEY_FILE, randomBytes(32).toString('hex'));
  const configured = { NODE_ENV: 'production', ...files, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with the settings, a token from the development key gets 401 even where that key exists; the provider\'s token passes', async () => {
    const dataDir = join(dir, 'data');
    // What `npm run token` signed with before: a development key pair under DATA_DIR.
    const intruder = await signDevelopmentToken(loadAuthConfig({}, dataDir), { sub: 'intruder', roles: ['admin'] });
    const t = await startTestApp({ env: { ...configured, DATA_DIR: dataDir } });
    try {
      const refused = await t.http().post('/v1/candidates').set('Authorization', `Bearer ${intruder}`).send({});
      expect(refused.status).toBe(401);
      const genuine = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA' }).setSubject('alice').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(provider.privateKey);
      const passed = await t.http().post('/v1/candidates').set('Authorization', `Bearer ${genuine}`).send({});
      expect(passed.status).toBe(400); // past the guard, refused by validation
      // Nothing was generated: no development signing key, no development KEK.
      expect(readdirSync(join(dataDir, 'keys')).sort()).toEqual(['jwt-dev-private.pem', 'jwt-dev-public.pem']);
    } finally {
      await t.close();
    }
  });

  it.each([
    ['no identity provider', { AUTH_JWT_PUBLIC_KEY_FILE: '', AUTH_ISSUER: '', AUTH_AUDIENCE: '' }, /identity provider/],
    ['a provider without issuer and audience', { AUTH_ISSUER: '', AUTH_AUDIENCE: '' }, /AUTH_ISSUER and AUTH_AUDIENCE/],
    ['no signing key', { SIGNING_KEY_FILE: '' }, /SIGNING_KEY_FILE or SIGNING_KEY_PEM/],
    ['no key-encryption key', { PERSONAL_DATA_KEK_FILE: '' }, /PERSONAL_DATA_KEK_FILE/],
    ['no blind index key', { BLIND_INDEX_KEY_FILE: '' }, /BLIND_INDEX_KEY_FILE/],
  ] as Array<[string, Record<string, string>, RegExp]>)('refuses to build the app with %s, even past the entry point\'s check', async (_, missing, message) => {
    const env = { ...configured, ...missing, DATA_DIR: join(dir, 'refused'), LOG_LEVEL: 'silent' };
    await expect(createApp(loadConfig(env), env)).rejects.toThrow(message);
    expect(existsSync(join(dir, 'refused', 'keys', 'signing-dev-ed25519.pem'))).toBe(false);
    expect(existsSync(join(dir, 'refused', 'keys', 'personal-data-kek-dev.hex'))).toBe(false);
    expect(existsSync(join(dir, 'refused', 'keys', 'blind-index-key-dev.hex'))).toBe(false);
  });

  describe('the built processes', () => {
    jest.setTimeout(240_000);
    const root = join(__dirname, '..', '..');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AUTH_|SIGNING_|PERSONAL_DATA_|BLIND_INDEX_|DATABASE_|NODE_ENV$)/.test(k)));
    const run = (app: string, args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, [join(root, 'dist', 'apps', app, 'src', 'main.js'), ...args], { cwd: root, env: { ...clean, ...env }, encoding: 'utf8', timeout: 60_000 });
    beforeAll(() => ensureBuilt());

    it('API, projector and CLI exit 2 with one line naming every missing setting, and create nothing under DATA_DIR', () => {
      const dataDir = join(dir, 'nothing');
      for (const [app, args] of [['api', []], ['projector', []], ['cli', ['token', '--sub', 'intruder', '--role', 'admin']]] as Array<[string, string[]]>) {
        const result = run(app, args, { NODE_ENV: 'production', DATA_DIR: dataDir });
        expect({ app, status: result.status, stdout: result.stdout }).toEqual({ app, status: 2, stdout: '' });
        const lines = result.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        for (const name of ['AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY(_FILE)', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'SIGNING_KEY_FILE or SIGNING_KEY_PEM', 'PERSONAL_DATA_KEK_FILE', 'BLIND_INDEX_KEY_FILE']) expect(lines[0]).toContain(name);
      }
      expect(existsSync(dataDir)).toBe(false);
    });

    it('`token` refuses in production even when everything is configured', () => {
      const result = run('cli', ['token', '--sub', 'intruder', '--role', 'admin'], { ...configured, DATA_DIR: join(dir, 'configured') });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/refused with NODE_ENV=production/);
    });
  });
});

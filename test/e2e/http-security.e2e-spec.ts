import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';

/** docs/api.md routes: the referential read (every role) and the referential draft (admin, a JSON body). */
const readPath = () => `/v1/referentials/${randomUUID()}`;
const commandPath = '/v1/referentials';

describe('Rate limits', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE_USER: '5', RATE_LIMIT_PER_MINUTE_IP: '30' } })));
  afterAll(async () => t?.close());

  it('per user, after authentication: 429 RATE_LIMITED with Retry-After once the user\'s share is spent; others unaffected', async () => {
    const alice = await t.token('alice', ['admin']);
    for (let i = 0; i < 5; i++) expect((await t.http().get(readPath()).set('Authorization', `Bearer ${alice}`)).status).toBe(404);
    const refused = await t.http().get(readPath()).set('Authorization', `Bearer ${alice}`);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ statusCode: 429, code: 'RATE_LIMITED', message: expect.stringMatching(/user/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(12); // 5/min: one every 12 s
    const bob = await t.token('bob', ['admin']);
    expect((await t.http().get(readPath()).set('Authorization', `Bearer ${bob}`)).status).toBe(404);
  });

  it('per address, before authentication: a flood of bad tokens is cut off with 429, not answered 401 forever', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await t.http().get(readPath()).set('Authorization', 'Bearer forged.forged.forged')).status);
    expect(statuses).toContain(401);
    expect(statuses[statuses.length - 1]).toBe(429);
    const refused = await t.http().get('/health');
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});

describe('Headers, CORS and input limits (defaults)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.token('alice', ['admin']);
  });
  afterAll(async () => t?.close());

  it('sends security headers (helmet) and keeps /v1 answers out of caches', async () => {
    const res = await t.http().get(readPath()).set('Authorization', `Bearer ${admin}`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-powered-by']).toBeUndefined();
    const health = await t.http().get('/health');
    expect(health.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keeps CORS closed by default: no Access-Control-* header for a foreign origin, preflight included', async () => {
    const res = await t.http().get(readPath()).set('Origin', 'https://evil.example.org').set('Authorization', `Bearer ${admin}`);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await t.http().options(commandPath).set('Origin', 'https://evil.example.org').set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('answers 413 PAYLOAD_TOO_LARGE to a body over 256 kB, before authentication matters', async () => {
    const huge = JSON.stringify({ code: 'RNCP1', title: 'x'.repeat(300 * 1024) });
    const res = await t.http().post(commandPath).set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send(huge);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it.each([
    ['truncated JSON', '{"code": "RNCP1", "title": '],
    ['a bare string (strict mode)', '"just a string"'],
    ['single quotes', "{'code': 'RNCP1'}"],
    ['a trailing comma', '{"code": "RNCP1",}'],
  ])('answers 400 VALIDATION_FAILED to malformed JSON: %s', async (_, body) => {
    const res = await t.http().post(commandPath).set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it('does not echo a malformed body in the error (no reflection of what was sent)', async () => {
    const res = await t.http().post(commandPath).set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').send('{"x": <script>alert(1)</script>');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain('<script>');
  });
});

describe('CORS when configured', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ env: { CORS_ORIGINS: 'https://backoffice.example.org,http://localhost:5173' } })));
  afterAll(async () => t?.close());

  it('allows exactly the configured origins, with the headers the API uses', async () => {
    const preflight = await t.http().options(commandPath).set('Origin', 'https://backoffice.example.org').set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://backoffice.example.org');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const read = await t.http().get(readPath()).set('Origin', 'http://localhost:5173').set('Authorization', `Bearer ${await t.token('alice', ['admin'])}`);
    expect(read.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(read.headers['access-control-expose-headers']).toMatch(/ETag/);
  });

  it('gives a foreign origin nothing', async () => {
    const res = await t.http().options(commandPath).set('Origin', 'https://evil.example.org').set('Access-Control-Request-Method', 'POST');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

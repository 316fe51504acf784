import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { AddressInfo, connect } from 'node:net';
import { gzipSync } from 'node:zlib';
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

  it('answers 415 UNSUPPORTED_MEDIA_TYPE to JSON in another charset, reads gzip, and 400 (no echo) to a malformed %-escape in the path', async () => {
    const latin1 = await t.http().post(commandPath).set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json; charset=latin1').send('{"code":"RNCP1"}');
    expect(latin1.status).toBe(415);
    expect(latin1.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    const zipped = await t.http().post(commandPath).set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').serialize((b: Buffer) => b as unknown as string).send(gzipSync('{"unknownField":1}'));
    expect(zipped.status).toBe(400);
    expect(zipped.body.message).toMatch(/unknownField/); // read, then refused by validation
    const bad = await t.http().get('/v1/referentials/%E0%A4%A-secret').set('Authorization', `Bearer ${admin}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed URL encoding' });
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

/** Issue 15, reproductions 5 to 7: bodies built to hurt, slow clients, secrets in paths, limits that limit. */
describe('Hostile bodies, timeouts, logs and default limits', () => {
  let t: TestApp;
  let admin: string;
  const nestedArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const post = (path: string, body: string, headers: Record<string, string> = {}) => {
    let req = t.http().post(path).set('Authorization', `Bearer ${admin}`).set('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(body);
  };
  beforeAll(async () => {
    t = await startTestApp({ env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_BODY_TIMEOUT_MS: '2000' } });
    admin = await t.token('alice', ['admin']);
  });
  afterAll(async () => t?.close());

  it.each([
    ['3,000 nested arrays as the body', () => nestedArrays(3000), {}],
    ['3,000 nested arrays in a field', () => `{"givenName": ${nestedArrays(3000)}}`, {}],
    ['250 kB of nesting with an Idempotency-Key', () => `{"code": ${nestedArrays(60_000)}}`, { 'Idempotency-Key': 'deep-1' }],
    ['33 levels of objects', () => '{"a":'.repeat(33) + '1' + '}'.repeat(33), {}],
  ] as Array<[string, () => string, Record<string, string>]>)('answers 400 VALIDATION_FAILED, before validation and hashing, to %s', async (_, body, headers) => {
    for (const path of ['/v1/candidates', commandPath]) {
      const res = await post(path, body(), headers);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(/nested deeper than 32 levels/) });
    }
  });

  it('answers 400, not 500, to a lone surrogate in any string, key or value, and accepts a proper pair', async () => {
    for (const body of ['{"givenName": "\\ud800"}', '{"code": "RNCP1", "title": "a\\udc00b"}', '{"\\ud800": 1}']) {
      const res = await post('/v1/candidates', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/lone UTF-16 surrogate/) });
    }
    const pair = await post(commandPath, '{"unknownField": "\\ud83d\\ude00"}');
    expect(pair.status).toBe(400);
    expect(pair.body.message).not.toMatch(/surrogate/); // refused by validation (unknown field), not by the Unicode check
  });

  it('answers 400 VALIDATION_FAILED, not 503 "database unavailable", to a truncated body', async () => {
    for (const body of ['{"givenName": "Li', '{"givenName": "Li"', '{"a": "\\u12']) {
      const res = await post('/v1/candidates', body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed request body: not valid JSON' });
    }
  });

  it('closes a connection whose body never finishes, token or not, with 408', async () => {
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d) => (received += d));
    const closed = once(socket, 'close');
    socket.write('POST /v1/candidates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"givenName":');
    // A trickle that would keep an idle-socket timeout from ever firing.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    try {
      await closed;
    } finally {
      clearInterval(trickle);
    }
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('gives the server the configured timeouts (defaults: 10 s for headers, 30 s for the whole request)', async () => {
    expect(t.app.getHttpServer()).toMatchObject({ headersTimeout: 1000, requestTimeout: 2000 });
    const defaults = await startTestApp();
    try {
      expect(defaults.app.getHttpServer()).toMatchObject({ headersTimeout: 10_000, requestTimeout: 30_000 });
    } finally {
      await defaults.close();
    }
  });

  it('logs the route template, never the concrete path of an unmatched route (a token or an email in a URL)', async () => {
    const logged = await startTestApp({ env: { LOG_LEVEL: 'info' } });
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return String(chunk).startsWith('{') ? true : write(chunk, ...(rest as []));
    });
    try {
      const token = await logged.token('alice', ['admin']);
      const secret = 'zoe.martin@example.org';
      await logged.http().get(`/v1/reset/${token}/${secret}`).set('Authorization', `Bearer ${token}`);
      await logged.http().get(`/v1/referentials/${randomUUID()}`).set('Authorization', `Bearer ${token}`);
      await new Promise((r) => setImmediate(r));
      const requests = lines.filter((l) => l.includes('"route"'));
      expect(requests.some((l) => l.includes('"route":"unmatched"'))).toBe(true);
      expect(requests.some((l) => l.includes('"route":"/v1/referentials/:id"'))).toBe(true);
      for (const line of lines) {
        expect(line).not.toContain(secret);
        expect(line).not.toContain(token.split('.')[2]);
      }
    } finally {
      spy.mockRestore();
      await logged.close();
    }
  });

  it('by default throttles one user past 600 requests a minute and one address past 1,200 (60,000 throttled nothing)', async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE_USER: '', RATE_LIMIT_PER_MINUTE_IP: '' } });
    try {
      const alice = await limited.token('alice', ['admin']);
      await limited.app.listen(0, '127.0.0.1');
      const { port } = limited.app.getHttpServer().address() as AddressInfo;
      const statuses = async (n: number, headers: Record<string, string>) => {
        const out: number[] = [];
        for (let i = 0; i < n; i += 50) {
          const batch = Array.from({ length: Math.min(50, n - i) }, () => fetch(`http://127.0.0.1:${port}/v1/referentials/${randomUUID()}`, { headers }).then((r) => r.status));
          out.push(...(await Promise.all(batch)));
        }
        return out;
      };
      // The buckets refill while the requests run (10 a second for a user): counts are bounded, not exact.
      const asAlice = await statuses(900, { Authorization: `Bearer ${alice}` });
      const passed = asAlice.filter((s) => s === 404).length;
      expect(passed).toBeGreaterThanOrEqual(600);
      expect(passed).toBeLessThan(900);
      expect(asAlice.slice(0, 600)).toEqual(asAlice.slice(0, 600).map(() => 404)); // a minute's burst, then the refill rate
      expect(asAlice.filter((s) => s === 429).length).toBe(900 - passed);
      const forged = await statuses(700, { Authorization: 'Bearer forged.forged.forged' });
      expect(forged).toContain(401);
      // 1,600 requests from this address: past 1,200, less what the bucket refilled meanwhile (20 a second), however slow the machine.
      expect(forged).toContain(429);
    } finally {
      await limited.close();
    }
  });
});

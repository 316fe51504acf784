import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { startTestApp, TestApp } from '../support/app';
import { concretePath, discoverRoutes, DiscoveredRoute } from '../support/routes';

/**
 * Fuzzing past the guard: every route discovered at run time, called by a
 * user holding every role, with generated bodies built from the field names
 * of docs/api.md (so validation runs field by field instead of stopping at the
 * first unknown field), wrong types, huge strings, deep JSON, SQL and script
 * fragments, hostile ids and query strings. Whatever is sent: never a 5xx
 * (503 aside, which a loaded database may give), always the error shape.
 */
const FIELDS = [
  'givenName', 'familyName', 'birthDate', 'email', 'accessRoute', 'sessionId', 'blocks', 'accommodations', 'type', 'extraTimePercent', 'details',
  'justification', 'favourable', 'motivation', 'granted', 'reason', 'criterion', 'result', 'comment', 'correctionReason', 'criteria', 'members',
  'userId', 'name', 'president', 'professional', 'candidateId', 'block', 'decision', 'opinionId', 'referentialId', 'title', 'startsOn', 'endsOn',
  'overrideRetention', 'code', 'level', 'certifier', 'validationRule', 'competences', 'modalities', 'activities', 'evaluation', 'note', 'appealId', 'juryId',
];
const HOSTILE = [
  "' OR 1=1 --", "'; DROP TABLE events; --", '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '../../etc/passwd', '\u0000', '%00', '${jndi:ldap://x/a}',
  '{{7*7}}', '__proto__', 'constructor', '\ud800', 'NaN', '-1', '1e309', '2026-02-30', '9999-99-99T99:99:99Z', '', ' ', 'Ω≈ç√∫˜µ≤≥÷', '😀'.repeat(50),
];
const ROLES = ['admin', 'assessor', 'referent', 'jury', 'regulator'] as const;
/** A few seconds on an idle machine; the reliability storm (test/reliability) sends thousands more. */
const RUNS = 600;

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? { value: v } : [v];
  return v;
}

const scalar = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.constantFrom(randomUUID(), '2026-06-15', '2026-06-15T10:00:00Z', 'BC01', 'CE1.1', 'acquired', 'validated', 'extra-time', 'vae', 'all-criteria', 'RNCP00000'),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 1000, maxLength: 1000 }).map((s) => s.repeat(20)), // ~20k characters: over every length limit
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object'), fc.constant(deep(120))),
  array: fc.array(tie('any'), { maxLength: 4 }),
  object: fc.dictionary(fc.constantFrom(...FIELDS), tie('any'), { maxKeys: 5 }),
})).any;
const body = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 8 }) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map((d) => ({ ...d, unknownField: 'x', ['__proto__']: { admin: true } })) },
  { weight: 1, arbitrary: value },
  { weight: 1, arbitrary: fc.constantFrom('{"broken": ', '[1,2', 'null', '"text"', '{"a":1,}', '\u0000', 'x'.repeat(300 * 1024)).map((raw) => ({ raw })) },
);
const id = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null).map(() => randomUUID()) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE.filter((h) => h !== '' && h !== '\ud800'), '%ED%A0%80', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'A'.repeat(500), '%2e%2e%2f', '..') },
);
const query = fc.dictionary(fc.constantFrom('asOf', 'after', 'limit', 'offset', 'status', 'x'), fc.oneof(fc.constantFrom(...HOSTILE), fc.integer().map(String), fc.constant('2026-06-15T10:00:00Z')), { maxKeys: 3 });

describe('Input fuzzing past the guard (fast-check)', () => {
  let t: TestApp;
  let base: string;
  let bearer: string;
  let routes: DiscoveredRoute[];

  beforeAll(async () => {
    t = await startTestApp({ env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_BODY_TIMEOUT_MS: '2000' } });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    bearer = await t.token('fuzzer', [...ROLES]);
    routes = discoverRoutes(t.app).filter((r) => r.path.startsWith('/v1/') && ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
  });
  afterAll(async () => t?.close());

  it(`answers ${RUNS} generated requests over every /v1 route without a 5xx`, async () => {
    expect(routes.some((r) => r.method === 'POST')).toBe(true);
    const faults: string[] = [];
    const statuses: Record<number, number> = {};
    // Sampled rather than asserted: every fault is listed, not only the first one shrunk.
    const samples = fc.sample(fc.tuple(fc.constantFrom(...routes), body, fc.array(id, { minLength: 3, maxLength: 3 }), query), { numRuns: RUNS, seed: 812026 });
    let next = 0;
    const worker = async () => {
      while (next < samples.length) {
        const [route, payload, ids, params] = samples[next++];
        let n = 0;
        const path = concretePath(route.path, () => ids[n++ % ids.length]);
        const search = new URLSearchParams(params as Record<string, string>).toString();
        const raw = payload && typeof payload === 'object' && 'raw' in (payload as object) ? (payload as { raw: string }).raw : JSON.stringify(payload);
        const res = await fetch(`${base}${path}${search ? `?${search}` : ''}`, {
          method: route.method,
          headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
          body: route.method === 'GET' ? undefined : raw,
        });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 500 && res.status !== 503) faults.push(`${route.method} ${path} → ${res.status} ${text.slice(0, 300)} (body ${String(raw).slice(0, 200)})`);
        if (res.status >= 400 && (res.headers.get('content-type') ?? '').includes('json')) {
          const error = JSON.parse(text);
          if (typeof error.code !== 'string' || error.statusCode !== res.status) faults.push(`${route.method} ${path} → ${res.status} without the error shape: ${text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(faults).toEqual([]);
    expect(Object.keys(statuses).length).toBeGreaterThan(1);
  });

  /** Issue 15: bodies that once gave 500 (nesting, lone surrogates) or 503 (a truncated string). */
  const HOSTILE_BODIES: Array<[string, string]> = [
    ['3,000 nested arrays', '['.repeat(3000) + ']'.repeat(3000)],
    ['nesting in a field', `{"givenName": ${'['.repeat(3000)}${']'.repeat(3000)}}`],
    ['33 nested objects', '{"a":'.repeat(33) + '1' + '}'.repeat(33)],
    ['a lone high surrogate', '{"givenName": "\\ud800", "reason": "x"}'],
    ['a lone low surrogate in a key', '{"\\udc00": 1}'],
    ['a truncated string', '{"givenName": "Li'],
    ['a truncated escape', '{"reason": "\\u12'],
    ['a truncated array', '{"blocks": ["BC01", '],
    ['unbalanced closers', ']]]]}}}}'],
  ];

  it('answers every route, with and without a token, 4xx to nested, surrogate and truncated bodies: never a 5xx, never a hang', async () => {
    const faults: string[] = [];
    const writes = routes.filter((r) => r.method !== 'GET');
    const jobs = writes.flatMap((route) => HOSTILE_BODIES.flatMap(([name, raw]) => [true, false].map((withToken) => ({ route, name, raw, withToken }))));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const { route, name, raw, withToken } = jobs[next++];
        const path = concretePath(route.path, () => randomUUID());
        try {
          const res = await fetch(`${base}${path}`, {
            method: route.method,
            headers: { ...(withToken ? { Authorization: `Bearer ${bearer}` } : {}), 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
            body: raw,
            signal: AbortSignal.timeout(15_000), // far past the 2 s request timeout: only a hang reaches it
          });
          const text = await res.text();
          if (res.status >= 500 || res.status < 400) faults.push(`${route.method} ${path} ${name} ${withToken ? 'with' : 'without'} token → ${res.status} ${text.slice(0, 200)}`);
          else if (withToken && res.status !== 400) faults.push(`${route.method} ${path} ${name} → ${res.status}, expected 400 VALIDATION_FAILED`);
          else if (res.status === 400 && JSON.parse(text).code !== 'VALIDATION_FAILED') faults.push(`${route.method} ${path} ${name} → 400 ${text.slice(0, 200)}`);
        } catch (error) {
          faults.push(`${route.method} ${path} ${name} → no answer (${(error as Error).name})`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(writes.length).toBeGreaterThan(10);
    expect(faults).toEqual([]);
  });

  it('disconnects with 408 every write route\'s request whose body never arrives in full', async () => {
    const { port } = new URL(base);
    const writes = routes.filter((r) => r.method !== 'GET');
    const answers = await Promise.all(
      writes.map(async (route) => {
        const socket = connect(Number(port), '127.0.0.1');
        let received = '';
        socket.on('data', (d) => (received += d));
        socket.on('error', () => undefined);
        const closed = once(socket, 'close');
        const path = concretePath(route.path, () => randomUUID());
        socket.write(`${route.method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bearer}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"givenName": "Li`);
        await closed;
        return `${route.method} ${route.path} ${received.slice(0, 12)}`;
      }),
    );
    expect(answers).toEqual(writes.map((r) => `${r.method} ${r.path} HTTP/1.1 408`));
  });
});

import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from '../support/app';

/** Every command route of docs/api.md (and ours), with a placeholder for path ids. */
const COMMAND_ROUTES = [
  '/v1/referentials',
  '/v1/referentials/{id}/publish',
  '/v1/sessions',
  '/v1/sessions/{id}/assessors',
  '/v1/candidates',
  '/v1/candidates/{id}/enrolments',
  '/v1/candidates/{id}/accommodations',
  '/v1/candidates/{id}/accommodations/{id}/opinion',
  '/v1/candidates/{id}/accommodations/{id}/decision',
  '/v1/candidates/{id}/scores',
  '/v1/candidates/{id}/neutralisation-opinions',
  '/v1/candidates/{id}/erasure',
  '/v1/juries',
  '/v1/juries/{id}/open',
  '/v1/juries/{id}/neutralisations',
  '/v1/juries/{id}/decisions',
  '/v1/juries/{id}/close',
];
const ROLES = ['admin', 'assessor', 'referent', 'jury', 'regulator'] as const;
const HOSTILE_STRINGS = ["' OR 1=1 --", '"; DROP TABLE events; --', '<script>alert(1)</script>', '../../etc/passwd', '\u0000', '%00', '${jndi:ldap://x}', 'x'.repeat(100_000)];
const TOTAL = Number(process.env.STORM_REQUESTS || 10_000);

function deep(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { a: [v] };
  return v;
}

/**
 * Bad input storm: generated malformed or hostile requests (wrong types, huge
 * strings, deep JSON, unknown fields, SQL and script fragments, wrong ids,
 * wrong roles, no or forged tokens). Every one must be refused with a 4xx:
 * zero 500s and zero events written.
 */
describe('reliability: bad input storm', () => {
  let t: TestApp;
  let base: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    // One listening server and keep-alive fetch: supertest would open a server per request.
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    for (const role of ROLES) tokens[role] = await t.token(`storm-${role}`, [role]);
  });
  afterAll(async () => t?.close());

  it(`refuses ${TOTAL} hostile requests without a 500 and without writing`, async () => {
    const db = t.app.get('DATABASE');
    const before = Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    const hostileValue = fc.oneof(
      fc.constantFrom(...HOSTILE_STRINGS),
      fc.string({ maxLength: 50 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(deep(200)),
      fc.array(fc.string(), { maxLength: 5 }),
    );
    const body = fc.oneof(
      // an unknown field guarantees refusal whatever else is right
      fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), hostileValue, { maxKeys: 6 }).map((d) => ({ ...d, __unknown_field__: 1 })),
      fc.constant(deep(500)),
      fc.constantFrom('{"broken": ', 'null', '[]', '"just a string"', '{"a":1,}', '\u0000'),
      // Issue 15: deep nesting past the parser's reach, lone surrogates, strings cut short (once 500 and 503).
      fc.constantFrom('['.repeat(3000) + ']'.repeat(3000), `{"code": ${'['.repeat(60_000)}${']'.repeat(60_000)}}`, '{"givenName": "\\ud800"}', '{"\\udfff": 1}', '{"givenName": "Li', '{"reason": "\\u12'),
    );
    const request = fc.record({
      route: fc.constantFrom(...COMMAND_ROUTES),
      id: fc.oneof(fc.constant(randomUUID()), fc.constantFrom(...HOSTILE_STRINGS.slice(0, 7), 'not-a-uuid', '0', '-1', '%2e%2e')),
      auth: fc.constantFrom('none', 'garbage', 'forged-alg-none', ...ROLES),
      body,
    });
    const samples = fc.sample(request, { numRuns: TOTAL, seed: 20261127 });
    const statuses: Record<number, number> = {};
    const fivehundreds: unknown[] = [];
    const concurrency = 32;
    let next = 0;
    const worker = async () => {
      while (next < samples.length) {
        const r = samples[next++];
        const path = r.route.replace(/\{id\}/g, encodeURIComponent(r.id));
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (r.auth === 'garbage') headers.Authorization = 'Bearer not.a.token';
        else if (r.auth === 'forged-alg-none') headers.Authorization = `Bearer ${forgedNone()}`;
        else if (r.auth !== 'none') headers.Authorization = `Bearer ${tokens[r.auth]}`;
        const payload = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: payload });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status >= 500) fivehundreds.push({ path, status: res.status, body: text.slice(0, 500) });
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const after = Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    console.log(`bad input storm: ${samples.length} requests in ${Date.now() - started} ms, statuses ${JSON.stringify(statuses)}, events written ${after - before}`);
    expect(fivehundreds).toEqual([]);
    expect(Object.keys(statuses).every((s) => Number(s) >= 400 && Number(s) < 500)).toBe(true);
    expect(after - before).toBe(0);
  }, Math.max(60_000, TOTAL * 30)); // 30 ms a request at worst: a busy machine is slower, not wrong
});

function forgedNone(): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'mallory', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

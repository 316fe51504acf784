import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { startTestApp, TestApp } from '../support/app';
import { TEST_DATABASE_URL } from '../support/databases';

const SEED = JSON.parse(readFileSync(join(__dirname, '../../libs/domain/src/referential/seed/manager-marketing-commercial.referential.json'), 'utf8'));
const STATEMENT_TIMEOUT_MS = 1500;

/**
 * Pool exhaustion and a slow database: a lock held on the events table for
 * 10 s. Commands must fail fast with 503 within the configured bound (never
 * hang, never 500), the process stays up, and everything works once the lock
 * is released.
 */
describe('reliability: events table locked for 10 s', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS), DATABASE_POOL_SIZE: '4' } });
    admin = await t.token('admin-1', ['admin']);
  });
  afterAll(async () => t?.close());

  it('answers 503 within the bound while locked, and recovers when released', async () => {
    const draft = () => t.http().post('/v1/referentials').set('Authorization', `Bearer ${admin}`).send(SEED);
    expect((await draft()).status).toBe(201);

    const locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    await locker.query(`SET search_path TO ${t.schema}`);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const lockedAt = Date.now();
    const statuses: number[] = [];
    const latencies: number[] = [];
    try {
      // 12 concurrent commands against a pool of 4: some wait for a connection, all must end quickly.
      const attempts = Array.from({ length: 12 }, async () => {
        const started = Date.now();
        const res = await draft();
        latencies.push(Date.now() - started);
        statuses.push(res.status);
        if (res.status === 503) {
          expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
          expect(res.headers['retry-after']).toBeDefined();
        }
      });
      await Promise.all(attempts);
      // The process itself is alive and answers (health may say the database is busy).
      const health = await t.http().get('/health');
      expect([200, 503]).toContain(health.status);
      const remaining = 10_000 - (Date.now() - lockedAt);
      if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    console.log(`locked 10 s: ${statuses.length} commands, statuses ${JSON.stringify(count(statuses))}, max latency ${Math.max(...latencies)} ms (bound ${STATEMENT_TIMEOUT_MS} ms statement + connection wait)`);
    expect(statuses.every((s) => s === 503)).toBe(true);
    // Each request ends within the statement timeout plus the pool's wait for a connection.
    expect(Math.max(...latencies)).toBeLessThan(STATEMENT_TIMEOUT_MS * 3 + 5000);

    const after = await draft();
    expect(after.status).toBe(201);
    expect((await t.http().get('/health')).status).toBe(200);
  });
});

function count(values: number[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
}

import { startTestApp, TestApp } from '../support/app';

describe('GET /health', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t?.close());

  it('answers 200 while the database answers, with no token', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { kind: 'server' } });
  });

  it('answers 503 when the database does not', async () => {
    const db = t.app.get('DATABASE');
    const original = db.pool.query.bind(db.pool);
    db.pool.query = () => Promise.reject(new Error('connection refused'));
    try {
      const res = await t.http().get('/health').expect(503);
      expect(res.body.status).toBe('unavailable');
      // Anonymous callers learn that it is down, not the driver's text (addresses, users, internals).
      expect(JSON.stringify(res.body)).not.toContain('connection refused');
    } finally {
      db.pool.query = original;
    }
  });
});

import { startTestApp, TestApp } from '../support/app';

describe('metrics, readiness and correlation ids', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(async () => t?.close());

  it('echoes a well-formed X-Correlation-Id and generates one otherwise', async () => {
    const given = await t.http().get('/health').set('X-Correlation-Id', 'abc-123').expect(200);
    expect(given.headers['x-correlation-id']).toBe('abc-123');
    const generated = await t.http().get('/health').set('X-Correlation-Id', 'bad id with spaces').expect(200);
    expect(generated.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers /health/ready 200 with the database check', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { database: { status: 'up' } } });
  });

  it('answers /health/ready 503 when the database does not', async () => {
    const db = t.app.get('DATABASE');
    const original = db.pool.query.bind(db.pool);
    db.pool.query = () => Promise.reject(new Error('connection refused'));
    try {
      const res = await t.http().get('/health/ready').expect(503);
      expect(res.body.checks.database.status).toBe('down');
    } finally {
      db.pool.query = original;
    }
  });

  it('exposes the metric names after some traffic, labelled by route template', async () => {
    const store = t.app.get('EVENT_STORE');
    const meta = { actor: { id: 'u', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() };
    await store.append('metrics-test-1', [{ type: 'Something', data: {}, metadata: meta }], { expectedVersion: 'no-stream' });
    await expect(store.append('metrics-test-1', [{ type: 'Something', data: {}, metadata: meta }], { expectedVersion: 'no-stream' })).rejects.toThrow();
    await t.http().get('/v1/referentials/00000000-0000-4000-8000-000000000000').expect(401);
    await t.http().get('/health').expect(200);
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'http_request_duration_seconds_bucket',
      'event_store_append_duration_seconds_bucket',
      'event_store_appended_events_total',
      'event_store_concurrency_conflicts_total',
      'event_store_head_position',
      'process_cpu_user_seconds_total',
    ]) {
      expect(res.text).toContain(name);
    }
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/);
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/referentials\/:id",status="401"\} 1/);
    expect(res.text).toMatch(/event_store_concurrency_conflicts_total\{operation="append"\} 1/);
    expect(res.text).toMatch(/event_store_append_duration_seconds_count\{operation="append",outcome="ok"\} 1/);
    // The ledger service, when its module is wired in, reports through the same endpoint.
    if (res.text.includes('ledger_lag_events ')) expect(res.text).toMatch(/ledger_lag_events \d+/);
  });
});

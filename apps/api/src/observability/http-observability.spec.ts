import express from 'express';
import request from 'supertest';
import { JsonLogger } from '@app/platform/observability/logger';
import { Metrics } from '@app/platform/observability/metrics';
import { httpObservability } from './http-observability';

function appWithLog(level = 'info') {
  const lines: string[] = [];
  const logger = new JsonLogger(level, { write: (l: string) => lines.push(l) });
  const metrics = new Metrics({ defaultMetrics: false });
  const app = express();
  app.use(httpObservability(metrics, logger));
  app.use((req, _res, next) => {
    // what the auth guard does once it has verified the token
    (req as unknown as { principal: unknown; actingRole: string }).principal = { id: 'user-42', roles: ['admin'] };
    (req as unknown as { actingRole: string }).actingRole = 'admin';
    next();
  });
  app.post('/v1/candidates/:id/scores', express.json(), (_req, res) => res.status(201).json({ ok: true }));
  app.get('/boom', (_req, res) => res.status(500).json({}));
  return { app, lines, metrics };
}

describe('request log lines', () => {
  it('writes one JSON line per request with correlation id, user id, route, status and latency', async () => {
    const { app, lines } = appWithLog();
    const res = await request(app).post('/v1/candidates/0b6f3a52-1a8c-4c55-9d5b-3f1e5b8c2a11/scores?secret=x').set('X-Correlation-Id', 'corr-1').send({ comment: 'a' }).expect(201);
    expect(res.headers['x-correlation-id']).toBe('corr-1');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({
      level: 30,
      correlationId: 'corr-1',
      userId: 'user-42',
      req: { method: 'POST', route: '/v1/candidates/:id/scores' },
      res: { statusCode: 201 },
    });
    expect(typeof line.responseTime).toBe('number');
    expect(typeof line.time).toBe('number');
  });

  it('never logs the token, the headers, the body or the query string', async () => {
    const { app, lines } = appWithLog();
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl';
    await request(app)
      .post('/v1/candidates/x/scores?email=jeanne.dupont@example.org')
      .set('Authorization', `Bearer ${token}`)
      .set('Cookie', 'session=s3cr3t')
      .send({ givenName: 'Jeanne', familyName: 'Dupont' })
      .expect(201);
    const text = lines.join('');
    for (const secret of [token, 'Bearer', 's3cr3t', 'Jeanne', 'Dupont', 'jeanne.dupont']) expect(text).not.toContain(secret);
  });

  it('logs server errors at error level, and nothing below the configured level', async () => {
    const quiet = appWithLog('warn');
    await request(quiet.app).post('/v1/candidates/x/scores').send({}).expect(201);
    await request(quiet.app).get('/boom').expect(500);
    expect(quiet.lines).toHaveLength(1);
    expect(JSON.parse(quiet.lines[0])).toMatchObject({ level: 50, res: { statusCode: 500 } });
  });

  it('scrubs tokens from ordinary log messages too', () => {
    const lines: string[] = [];
    const logger = new JsonLogger('info', { write: (l: string) => lines.push(l) });
    logger.warn('rejected Authorization: Bearer abc.def.ghi from client', 'Auth');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: 40, context: 'Auth' });
    expect(line.msg).not.toContain('abc.def.ghi');
  });

  it('counts latency under the route template, unmatched paths under one label', async () => {
    const { app, metrics } = appWithLog();
    await request(app).post('/v1/candidates/1/scores').send({}).expect(201);
    await request(app).get('/nope/123').expect(404);
    const text = await metrics.text();
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/v1/candidates/:id/scores",status="201"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
  });
});

import Fastify from 'fastify';
import { JsonLogger } from '@app/platform/observability/logger';
import { Metrics } from '@app/platform/observability/metrics';
import { installHttpObservability } from './http-observability';

async function appWithLog(level = 'info') {
  const lines: string[] = [];
  const logger = new JsonLogger(level, { write: (l: string) => lines.push(l) });
  const metrics = new Metrics({ defaultMetrics: false });
  const app = Fastify();
  installHttpObservability(app, metrics, logger);
  app.addHook('preHandler', (req, _reply, done) => {
    // what the auth guard does once it has verified the token
    Object.assign(req, { principal: { id: 'user-42', roles: ['admin'] }, actingRole: 'admin' });
    done();
  });
  app.post('/v1/candidates/:id/scores', async (_req, reply) => reply.code(201).send({ ok: true }));
  app.get('/boom', async (_req, reply) => reply.code(500).send({}));
  await app.ready();
  return { app, lines, metrics };
}

describe('request log lines', () => {
  it('writes one JSON line per request with correlation id, user id, route, status and latency', async () => {
    const { app, lines } = await appWithLog();
    const res = await app.inject({ method: 'POST', url: '/v1/candidates/0b6f3a52-1a8c-4c55-9d5b-3f1e5b8c2a11/scores?secret=x', headers: { 'x-correlation-id': 'corr-1' }, payload: { comment: 'a' } });
    expect(res.statusCode).toBe(201);
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

  it('gives a request without a well-formed correlation id a new one', async () => {
    const { app, lines } = await appWithLog();
    const res = await app.inject({ method: 'POST', url: '/v1/candidates/x/scores', headers: { 'x-correlation-id': 'not well formed!' }, payload: {} });
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(lines[0]).correlationId).toBe(res.headers['x-correlation-id']);
  });

  it('never logs the token, the headers, the body or the query string', async () => {
    const { app, lines } = await appWithLog();
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl';
    const res = await app.inject({
      method: 'POST',
      url: '/v1/candidates/x/scores?email=jeanne.dupont@example.org',
      headers: { authorization: `Bearer ${token}`, cookie: 'session=s3cr3t' },
      payload: { givenName: 'Jeanne', familyName: 'Dupont' },
    });
    expect(res.statusCode).toBe(201);
    const text = lines.join('');
    for (const secret of [token, 'Bearer', 's3cr3t', 'Jeanne', 'Dupont', 'jeanne.dupont']) expect(text).not.toContain(secret);
  });

  it('logs server errors at error level, and nothing below the configured level', async () => {
    const quiet = await appWithLog('warn');
    expect((await quiet.app.inject({ method: 'POST', url: '/v1/candidates/x/scores', payload: {} })).statusCode).toBe(201);
    expect((await quiet.app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
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
    const { app, metrics } = await appWithLog();
    expect((await app.inject({ method: 'POST', url: '/v1/candidates/1/scores', payload: {} })).statusCode).toBe(201);
    expect((await app.inject({ method: 'GET', url: '/nope/123' })).statusCode).toBe(404);
    const text = await metrics.text();
    expect(text).toContain('http_request_duration_seconds_count{method="POST",route="/v1/candidates/:id/scores",status="201"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
  });
});

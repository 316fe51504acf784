import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../apps/api/src/bootstrap';
import { loadConfig } from '@app/platform/config';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';

describe('GET /health', () => {
  let app: INestApplication;
  const schema = uniqueSchema('health');

  beforeAll(async () => {
    app = await createApp(loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, LOG_LEVEL: 'silent' }));
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  it('answers 200 while the database answers', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { kind: 'server' } });
  });

  it('answers 503 when the database does not', async () => {
    const db = app.get('DATABASE');
    const original = db.pool.query.bind(db.pool);
    db.pool.query = () => Promise.reject(new Error('connection refused'));
    try {
      const res = await request(app.getHttpServer()).get('/health').expect(503);
      expect(res.body.status).toBe('unavailable');
    } finally {
      db.pool.query = original;
    }
  });
});

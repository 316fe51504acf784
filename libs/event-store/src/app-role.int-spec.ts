import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createApp } from '../../../apps/api/src/bootstrap';
import { loadConfig } from '@app/platform/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../test/support/databases';
import { APP_ROLE } from './migrations';
import { openDatabase } from './database';
import { PostgresEventStore } from './postgres-event-store';

/**
 * The service can run as a login role that is only a member of cert_app:
 * migrations run once as the owner, then the service appends and reads, and
 * the database refuses it any change to the log.
 */
describe('running under the least-privilege application role', () => {
  const schema = uniqueSchema('role');
  const login = `cert_test_${Math.random().toString(36).slice(2, 8)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-role-'));
  let admin: Client;

  beforeAll(async () => {
    // The owner migrates every module by starting the app once.
    const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: dataDir, LOG_LEVEL: 'silent', RUN_PROJECTIONS: 'false' };
    const app = await createApp(loadConfig(env), env);
    await app.init();
    await app.close();
    admin = new Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${login} LOGIN IN ROLE ${APP_ROLE}`);
  });
  afterAll(async () => {
    await dropSchema(schema);
    await admin.query(`DROP ROLE IF EXISTS ${login}`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('appends and reads, and cannot change or delete events', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.username = login;
    const db = await openDatabase({ url: url.toString(), dataDir, schema });
    try {
      const store = new PostgresEventStore(db.pool);
      const stream = `test-${randomUUID()}`;
      const meta = { actor: { id: 'u', role: 'admin' }, correlationId: 'c', causationId: null, recordedAt: new Date().toISOString() };
      await store.append(stream, [{ type: 'Tested', data: { ok: true }, metadata: meta }], { expectedVersion: 'no-stream' });
      expect(await store.readStream(stream)).toHaveLength(1);
      // read models and other module tables are usable
      await expect(db.pool.query('SELECT count(*) FROM idempotency_keys')).resolves.toBeDefined();
      await expect(db.pool.query(`UPDATE events SET type = 'X'`)).rejects.toMatchObject({ code: '42501' });
      await expect(db.pool.query('DELETE FROM events')).rejects.toMatchObject({ code: '42501' });
      await expect(db.pool.query('TRUNCATE events')).rejects.toMatchObject({ code: '42501' });
    } finally {
      await db.close();
    }
  });

  it('starts the whole API under that role once migrated', async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.username = login;
    const env = { DATABASE_URL: url.toString(), DATABASE_SCHEMA: schema, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const app = await createApp(loadConfig(env), env);
    await app.init();
    await app.close();
  });
});

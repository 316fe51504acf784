import { tmpdir } from 'node:os';
import { openDatabase } from './database';
import { EVENT_STORE_MIGRATIONS, migrate } from './migrations';
import { LEDGER_MIGRATIONS } from './ledger/ledger-migrations';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../test/support/databases';

describe('migrations', () => {
  it('processes starting at once on a fresh schema each apply every migration exactly once between them', async () => {
    const schema = uniqueSchema('mig');
    // Four processes' pools (an API's workers, a projector), each migrating two scopes, all at once.
    const dbs = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ url: TEST_DATABASE_URL, dataDir: tmpdir(), schema, poolSize: 2 })));
    try {
      const applied = await Promise.all(dbs.map(async (db) => [
        ...(await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store')).map((v) => `event-store#${v}`),
        ...(await migrate(db.pool, LEDGER_MIGRATIONS, 'ledger')).map((v) => `ledger#${v}`),
      ]));
      const all = applied.flat().sort();
      const expected = [...EVENT_STORE_MIGRATIONS.map((m) => `event-store#${m.version}`), ...LEDGER_MIGRATIONS.map((m) => `ledger#${m.version}`)].sort();
      expect(all).toEqual(expected);
      const { rows } = await dbs[0].pool.query('SELECT scope, version FROM schema_migrations ORDER BY scope, version');
      expect(rows.map((r) => `${r.scope}#${r.version}`).sort()).toEqual(expected);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await dropSchema(schema);
    }
  });
});

import { Database, openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { AppConfig } from '@app/platform/config';
import { projectionsFor } from '../projections';
import { ProjectionRuntime, RuntimeOptions } from './projection-runtime';

/**
 * The engine outside Nest (the CLI, the read side's thread): its own small pool
 * on the configured database (`poolSize`, default 3). Close the returned
 * database when done.
 */
export async function openProjectionRuntime(
  config: AppConfig,
  options: RuntimeOptions & { poolSize?: number },
): Promise<{ runtime: ProjectionRuntime; db: Database; store: PostgresEventStore }> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.schema, poolSize: options.poolSize ?? 3, statementTimeoutMs: config.statementTimeoutMs });
  try {
    await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
    const store = new PostgresEventStore(db.pool, { signal: db.signal, notify: db.kind === 'server' });
    const runtime = new ProjectionRuntime(db, store, projectionsFor(config), options);
    await runtime.init();
    return { runtime, db, store };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

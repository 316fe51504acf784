import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Database, openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  db: Database;
  /** For server databases: the schema name, so a test can reach it from another process. */
  schema: string;
  url?: string;
  dataDir?: string;
  dispose(): Promise<void>;
}

export function uniqueSchema(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A fresh schema on the local PostgreSQL server, dropped afterwards: suites never see each other. */
export async function serverDatabase(options: { migrate?: boolean; poolSize?: number; statementTimeoutMs?: number } = {}): Promise<TestDatabase> {
  const schema = uniqueSchema();
  const db = await openDatabase({ url: TEST_DATABASE_URL, dataDir: tmpdir(), schema, poolSize: options.poolSize ?? 20, statementTimeoutMs: options.statementTimeoutMs });
  if (options.migrate !== false) await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
  return {
    db,
    schema,
    url: TEST_DATABASE_URL,
    dispose: async () => {
      await db.close();
      await dropSchema(schema);
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A fresh PGlite database in a temporary folder, removed afterwards. */
export async function embeddedDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-pglite-'));
  const db = await openDatabase({ dataDir });
  if (options.migrate !== false) await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
  return {
    db,
    schema: 'public',
    dataDir,
    dispose: async () => {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const BACKENDS: Array<[string, () => Promise<TestDatabase>]> = [
  ['PostgreSQL server', () => serverDatabase()],
  ['embedded PGlite', () => embeddedDatabase()],
];

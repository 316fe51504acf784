import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client, Pool, PoolConfig } from 'pg';
import { lockDataDirectory } from './data-directory-lock';
import type { AppendSignal } from './postgres-event-store';

export type DatabaseKind = 'server' | 'embedded';

export interface DatabaseOptions {
  /** PostgreSQL server URL; unset = embedded PGlite under dataDir. */
  url?: string;
  dataDir: string;
  /** Schema holding every table (tests use one each). */
  schema?: string;
  /** Pool size on a server database (the embedded database always has one connection). */
  poolSize?: number;
  /** Bound on any statement, so a locked table answers 503 rather than hanging. */
  statementTimeoutMs?: number;
  /** How long a request waits for a pooled connection before giving up. */
  connectionTimeoutMs?: number;
}

export interface Database {
  kind: DatabaseKind;
  /** The one pool every component shares (TypeORM included, through its driver). */
  pool: Pool;
  /** pg connection settings, so other components (TypeORM) connect the same way. */
  connection: PoolConfig;
  schema: string;
  /** Wake-ups from other processes' appends (server only: LISTEN on a dedicated connection). */
  signal?: AppendSignal & { close(): Promise<void> };
  close(): Promise<void>;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the database the whole process shares. On the embedded default,
 * PGlite serves the PostgreSQL wire protocol on a loopback port and the
 * ordinary pg driver talks to it, so there is one SQL code path; PGlite runs
 * one query at a time, and a second connection would wait forever behind an
 * open transaction, hence a pool of exactly one connection.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const statementTimeout = options.statementTimeoutMs ?? 15_000;
  if (options.url) {
    const connection: PoolConfig = {
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      options: `-c search_path=${schema} -c idle_in_transaction_session_timeout=30000 -c statement_timeout=${statementTimeout} -c plan_cache_mode=force_generic_plan`,
    };
    await ensureSchema(options.url, schema);
    const pool = new Pool(connection);
    pool.on('error', () => undefined); // an idle client dropped by the server is replaced on next use
    // pg-pool listens for errors only on idle clients: a checked-out client (a transaction, a
    // projection batch) whose server crashes emits 'error' with no listener, which kills the
    // process. Its queries still reject (→ 503) and the pool discards it on release.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const signal = listenForAppends(connection);
    return {
      kind: 'server',
      pool,
      connection,
      schema,
      signal,
      close: async () => {
        await signal.close();
        await endPool(pool);
      },
    };
  }

  const dataDir = resolve(options.dataDir);
  // Before anything touches the files: a second process on the same directory would
  // silently overwrite the first one's writes (PGlite locks nothing itself).
  const lock = lockDataDirectory(dataDir);
  let db: import('@electric-sql/pglite').PGlite | undefined;
  let server: import('@electric-sql/pglite-socket').PGLiteSocketServer;
  let port: number;
  try {
    mkdirSync(dataDir, { recursive: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    db = await PGlite.create({ dataDir: join(dataDir, 'pglite') });
    port = await freePort();
    // The pool keeps one connection; the server accepts a few so that a connection
    // dropped after an error (PGlite closes it) can be replaced at once.
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 4 });
    await server.start();
  } catch (error) {
    await db?.close().catch(() => undefined);
    lock.release();
    throw error;
  }
  const pglite = db;
  const connection: PoolConfig = {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 15_000,
  };
  const pool = new Pool(connection);
  pool.on('error', () => undefined);
  // An embedded database is its own data directory: it always uses the public schema.
  return {
    kind: 'embedded',
    pool,
    connection,
    schema: 'public',
    close: async () => {
      try {
        await endPool(pool);
        await server.stop();
        await pglite.close();
      } finally {
        lock.release();
      }
    },
  };
}

/** TypeORM ends the shared pool when its DataSource is destroyed: a second end must not stop the rest of the close. */
async function endPool(pool: Pool): Promise<void> {
  if ((pool as Pool & { ending?: boolean }).ending) return;
  await pool.end();
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  if (schema === 'public') return;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // The application role may not create schemas: only ask when the schema is missing.
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (!rowCount) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error; // concurrent creator
  } finally {
    await client.end();
  }
}

/** LISTEN on a dedicated connection that reconnects by itself; the slow poll covers the gaps. */
function listenForAppends(connection: PoolConfig): AppendSignal & { close(): Promise<void> } {
  const listeners = new Set<() => void>();
  let client: Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    if (closed) return;
    const c = new Client({ ...connection, options: connection.options });
    c.on('error', () => schedule());
    c.on('end', () => schedule());
    c.on('notification', () => listeners.forEach((l) => l()));
    try {
      await c.connect();
      await c.query('LISTEN cert_events');
      client = c;
      listeners.forEach((l) => l()); // we may have missed appends while away
    } catch {
      c.end().catch(() => undefined);
      schedule();
    }
  };
  const schedule = () => {
    client = null;
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 1000);
    retry.unref();
  };
  void connect();
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

import type { Pool, PoolClient } from 'pg';

/**
 * Versioned, idempotent schema migrations, applied in order on start under an
 * advisory lock so that several processes starting at once apply each exactly once.
 * A migration is never edited once shipped: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements run in one transaction. */
  up: string;
}

/** The application role gets INSERT and SELECT on the log, nothing else. */
export const APP_ROLE = 'cert_app';

export const EVENT_STORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'event store: streams, events, immutability',
    up: `
      CREATE TABLE streams (
        stream_id text PRIMARY KEY,
        version bigint NOT NULL CHECK (version >= 0)
      );
      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY,
        stream_id text NOT NULL,
        version bigint NOT NULL,
        event_id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        schema_version int NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        hash text NOT NULL,
        PRIMARY KEY (stream_id, version)
      );
      CREATE UNIQUE INDEX events_global_order ON events (transaction_id, global_position);
      CREATE UNIQUE INDEX events_global_position ON events (global_position);
      CREATE INDEX events_recorded_at ON events (recorded_at);

      CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the event log is append-only: % on events is refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();
    `,
  },
  {
    version: 2,
    name: 'least-privilege application role',
    // Roles are cluster-wide: create once, tolerate a concurrent creator.
    up: `
      DO $do$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          CREATE ROLE ${APP_ROLE} NOLOGIN;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END
      $do$;
      DO $do$
      BEGIN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${APP_ROLE}', current_schema());
      END
      $do$;
      REVOKE ALL ON events FROM ${APP_ROLE};
      GRANT SELECT, INSERT ON events TO ${APP_ROLE};
      GRANT SELECT, INSERT, UPDATE ON streams TO ${APP_ROLE};
    `,
  },
  {
    version: 3,
    name: 'application role on the tables other modules create later',
    // Read models, checkpoints, keys and idempotency answers are created by their own
    // migrations after this one: default privileges reach them. The log keeps the narrower
    // grant of migration 2 (tables created earlier are not affected), and every append-only
    // table refuses UPDATE and DELETE by trigger whatever the grant.
    up: `
      DO $do$
      BEGIN
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}', current_schema());
      END
      $do$;
      GRANT SELECT, INSERT ON schema_migrations TO ${APP_ROLE};
    `,
  },
  {
    version: 4,
    name: 'neutralisations by candidate',
    // Time travel folds a candidate's stream and the jury neutralisations naming them;
    // without this index the second read scans the whole log.
    up: `CREATE INDEX events_neutralisations_by_candidate ON events ((data->>'candidateId')) WHERE type = 'CriterionNeutralised';`,
  },
  {
    version: 5,
    name: 'no index on recorded_at',
    // Every query that bounds by time (progress?asOf=, history) first selects one stream or
    // candidate, whose own index finds the rows; no query reads the whole log by time. The
    // index only cost every append an extra B-tree insertion.
    up: `DROP INDEX IF EXISTS events_recorded_at;`,
  },
  {
    version: 6,
    name: 'jury events by candidate',
    // A candidate's history lists the jury events naming them (recusals, neutralisations,
    // decisions): without this index each history request scanned the whole log. Partial:
    // only jury events are indexed, the rest of the log pays nothing but the predicate.
    up: `CREATE INDEX events_jury_by_candidate ON events ((data->>'candidateId'), global_position) WHERE stream_id LIKE 'jury-%';`,
  },
  {
    version: 7,
    name: 'one index for jury events by candidate',
    // Neutralisations are jury events: time travel finds them through events_jury_by_candidate
    // like the history does, and the index of migration 4 only cost their appends a second entry.
    up: `DROP INDEX IF EXISTS events_neutralisations_by_candidate;`,
  },
  {
    version: 8,
    name: 'juries by session',
    // Who may read a candidate: the members of a jury of one of their sessions
    // (docs/security.md, "Who sees what"). Partial: only JuryConvened events are indexed.
    up: `CREATE INDEX events_juries_by_session ON events ((data->>'sessionId')) WHERE type = 'JuryConvened';`,
  },
];

export async function migrate(pool: Pool, migrations: Migration[], lockName = 'schema_migrations'): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  let failure: Error | undefined;
  try {
    // Asked first: the application role may read the table but not create anything.
    const { rows } = await client.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    if (!rows[0].present) {
      // Under one lock for every scope: processes starting at once on a fresh schema would
      // otherwise both create the table and one fail on PostgreSQL's catalogue (duplicate pg_type row).
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['migrate:schema_migrations']);
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          scope text NOT NULL, version int NOT NULL, name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, version))`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (await applyOne(client, lockName, migration)) applied.push(migration.version);
    }
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    client.release(failure);
  }
  return applied;
}

async function applyOne(client: PoolClient, scope: string, migration: Migration): Promise<boolean> {
  await client.query('BEGIN');
  try {
    // Serialises concurrent starters; released at commit.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrate:${scope}`]);
    const done = await client.query('SELECT 1 FROM schema_migrations WHERE scope = $1 AND version = $2', [scope, migration.version]);
    if (done.rowCount) {
      await client.query('COMMIT');
      return false;
    }
    await client.query(migration.up);
    await client.query('INSERT INTO schema_migrations (scope, version, name) VALUES ($1, $2, $3)', [scope, migration.version, migration.name]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new Error(`migration ${scope} #${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
  }
}

import type { Migration } from '@app/event-store/migrations';

/**
 * One row per projection and generation. The active generation is the one the
 * views point at; a rebuild fills a new generation beside it, then flips
 * `active` and the views in one transaction.
 */
export const PROJECTION_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'projection checkpoints',
    up: `
      CREATE TABLE projection_checkpoints (
        name text NOT NULL,
        generation int NOT NULL,
        code_version int NOT NULL,
        active boolean NOT NULL DEFAULT false,
        status text NOT NULL CHECK (status IN ('building', 'live', 'retired')),
        transaction_id xid8 NOT NULL DEFAULT '0',
        position bigint NOT NULL DEFAULT 0,
        events_applied bigint NOT NULL DEFAULT 0,
        error text,
        failed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, generation)
      );
      CREATE UNIQUE INDEX projection_checkpoints_one_active ON projection_checkpoints (name) WHERE active;
    `,
  },
  {
    version: 2,
    name: 'storage of rows rewritten whole',
    // REWRITTEN_ROWS (projection.ts) on the tables of the generations made before it:
    // the rows written from now on are stored uncompressed up to 8 kB, on half-filled pages.
    up: `
      DO $$
      DECLARE t regclass;
      BEGIN
        FOR t IN SELECT c.oid::regclass FROM pg_class c
                  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                    AND c.relname ~ '^(candidate_progress|back_office_candidates|deliberation_sheet)_g[0-9]+$'
        LOOP
          EXECUTE format('ALTER TABLE %s SET (toast_tuple_target = 8160, fillfactor = 50)', t);
        END LOOP;
      END $$;
    `,
  },
  {
    version: 3,
    name: 'fold states written behind',
    // Where a generation's fold states written behind were last all written (StateMemo.stageBehind):
    // NULL when they are as of the checkpoint itself.
    up: `
      ALTER TABLE projection_checkpoints ADD COLUMN states_transaction_id xid8, ADD COLUMN states_position bigint;
    `,
  },
];

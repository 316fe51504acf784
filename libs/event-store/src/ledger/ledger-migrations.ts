import { APP_ROLE, Migration } from '../migrations';

/** Applied in their own scope ('ledger'), after the event store's (the ledger references its positions). */
export const LEDGER_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'ledger: hash chain and signed checkpoints, append-only',
    up: `
      CREATE TABLE ledger (
        seq bigint PRIMARY KEY CHECK (seq >= 1),
        global_position bigint NOT NULL UNIQUE,
        transaction_id xid8 NOT NULL,
        leaf text NOT NULL,
        chain text NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ledger_checkpoints (
        size bigint PRIMARY KEY CHECK (size >= 0),
        head text NOT NULL,
        time timestamptz NOT NULL,
        origin text NOT NULL,
        signature text NOT NULL,
        key_fingerprint text NOT NULL
      );
      -- The ledger is as append-only as the log it seals: a rewrite must be visible, not silent.
      CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END
      $fn$;
      CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON ledger
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
      CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
      CREATE TRIGGER ledger_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON ledger_checkpoints
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
      CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
      REVOKE ALL ON ledger, ledger_checkpoints FROM ${APP_ROLE};
      GRANT SELECT, INSERT ON ledger, ledger_checkpoints TO ${APP_ROLE};
    `,
  },
  {
    version: 2,
    name: 'ledger: the chain of signing keys (one row per sealed key rotation)',
    // An index of the SigningKeyRotated events the sealer sealed, so that signing, exporting and
    // verifying know the key in force at any size without scanning the log. The events stay the proof.
    up: `
      CREATE TABLE ledger_keys (
        seq bigint PRIMARY KEY REFERENCES ledger (seq),
        key_fingerprint text NOT NULL,
        public_key text NOT NULL,
        previous_key_fingerprint text NOT NULL,
        previous_public_key text NOT NULL
      );
      CREATE TRIGGER ledger_keys_no_update_delete BEFORE UPDATE OR DELETE ON ledger_keys
        FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
      CREATE TRIGGER ledger_keys_no_truncate BEFORE TRUNCATE ON ledger_keys
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
      REVOKE ALL ON ledger_keys FROM ${APP_ROLE};
      GRANT SELECT, INSERT ON ledger_keys TO ${APP_ROLE};
    `,
  },
];

import type { Pool, PoolClient } from 'pg';
import { checkpointOf, EventStore, LogCheckpoint, StoredEvent, StoreUnavailableError } from '@app/event-store/event-store';
import { translate } from '@app/event-store/postgres-event-store';
import { CheckpointMoved, EventApplyError, generationTable, Projection, ProjectionContext, ProjectionFailure } from './projection';
import type { StateMemo } from './state-memo';

export type GenerationStatus = 'building' | 'live' | 'retired';

export interface CheckpointRow {
  name: string;
  generation: number;
  codeVersion: number;
  active: boolean;
  status: GenerationStatus;
  checkpoint: LogCheckpoint;
  /** Where the fold states written behind were last all written, when older than `checkpoint` (StateMemo.stageBehind). */
  states: LogCheckpoint | null;
  eventsApplied: number;
  error: string | null;
  failedAt: string | null;
  updatedAt: string;
}

const ROW = `name, generation, code_version, active, status, transaction_id::text AS transaction_id, position,
  states_transaction_id::text AS states_transaction_id, states_position, events_applied, error, failed_at, updated_at`;

function toRow(r: any): CheckpointRow {
  return {
    name: r.name,
    generation: r.generation,
    codeVersion: r.code_version,
    active: r.active,
    status: r.status,
    checkpoint: { transactionId: r.transaction_id, position: Number(r.position) },
    states: r.states_transaction_id === null ? null : { transactionId: r.states_transaction_id, position: Number(r.states_position) },
    eventsApplied: Number(r.events_applied),
    error: r.error,
    failedAt: r.failed_at ? new Date(r.failed_at).toISOString() : null,
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/**
 * Why a batch may not move a generation's checkpoint from `expected` (the
 * generation is gone, no longer active for a live runner, or its checkpoint is
 * elsewhere), or null when it may.
 */
function movedFrom(projection: Projection, generation: number, expected: LogCheckpoint, requireActive: boolean, row: Pick<CheckpointRow, 'active' | 'checkpoint'> | undefined): CheckpointMoved | null {
  if (!row) return new CheckpointMoved(`generation ${generation} of ${projection.name} no longer exists`);
  if (requireActive && !row.active) return new CheckpointMoved(`generation ${generation} of ${projection.name} is no longer active`);
  const { transactionId, position } = row.checkpoint;
  if (transactionId !== expected.transactionId || position !== expected.position) {
    return new CheckpointMoved(`checkpoint of ${projection.name} g${generation} is at ${transactionId}/${position}, expected ${expected.transactionId}/${expected.position}`);
  }
  return null;
}

export interface BatchOptions {
  /** A live runner's: the generation must still be the active one. */
  requireActive: boolean;
  /** The live runner's states (absent in rebuilds and switches): committed with the batch, cleared if it fails. */
  memo?: StateMemo;
  /** Fold states written behind are all written once this long has passed since they last were (default 0: at every batch). */
  statesEveryMs?: number;
}

/** Runs a projection's apply or writeStates: a store that is unavailable is retried, any other failure stops the projection. */
async function failuresNamed(projection: Projection, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const translated = translate(error instanceof EventApplyError ? error.cause : error);
    if (translated instanceof StoreUnavailableError) throw translated; // transient: retried, not a failure
    throw new ProjectionFailure(projection.name, error instanceof EventApplyError ? error.event : undefined, error instanceof EventApplyError ? error.cause : error);
  }
}

/** Every state the context's memo holds behind its row, through the projection's writeStates. */
function writeBehind(projection: Projection, context: ProjectionContext): Promise<void> {
  if (!projection.writeStates) throw new Error(`projection ${projection.name} left fold states behind their rows but has no writeStates`);
  return projection.writeStates(context.memo!.behind(), context);
}

/** `work`'s outcome, with the memo committed when it succeeds and cleared when it fails. */
function settled<T>(memo: StateMemo, work: Promise<T>): Promise<T> {
  return work.then(
    (result) => {
      memo.commit();
      return result;
    },
    (error: unknown) => {
      memo.clear();
      throw error;
    },
  );
}

/**
 * Checkpoints and generations of read-model tables. Every write to a read
 * model goes through `applyBatch`, which moves the checkpoint in the same
 * transaction (compare-and-set under a row lock), so a batch takes effect
 * exactly once whatever crashes or how many runners there are.
 */
export class ProjectionCheckpoints {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    /** The log, read upcast: projections fold events in the current shape of their type. */
    private readonly store: EventStore,
    /** ProjectionContext.rowsPerStatement (absent: a batch's rows in one statement). */
    private readonly rowsPerStatement?: number,
  ) {}

  async rows(name?: string): Promise<CheckpointRow[]> {
    const { rows } = await this.pool.query(
      `SELECT ${ROW} FROM projection_checkpoints ${name ? 'WHERE name = $1' : ''} ORDER BY name, generation`,
      name ? [name] : [],
    );
    return rows.map(toRow);
  }

  async active(name: string): Promise<CheckpointRow | undefined> {
    return (await this.rows(name)).find((r) => r.active);
  }

  /**
   * A new, empty generation of the projection's tables. With `active`, it is
   * only created when the projection has no active generation yet (first
   * start), and the views point at it at once.
   */
  async createGeneration(projection: Projection, options: { active: boolean }): Promise<CheckpointRow> {
    return this.transaction(async (client) => {
      // Serialises concurrent starters and rebuilders of this projection (released at commit).
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}:projection-ddl:${projection.name}`]);
      if (options.active) {
        const { rows } = await client.query(`SELECT ${ROW} FROM projection_checkpoints WHERE name = $1 AND active`, [projection.name]);
        if (rows.length) return toRow(rows[0]);
      }
      const { rows: max } = await client.query('SELECT coalesce(max(generation), 0) AS g FROM projection_checkpoints WHERE name = $1', [projection.name]);
      const generation = Number(max[0].g) + 1;
      for (const [base, ddl] of Object.entries(projection.tables)) {
        const table = generationTable(base, generation);
        await client.query(`DROP TABLE IF EXISTS ${table}`); // leftover of a generation whose row was removed
        await client.query(ddl(table));
      }
      const { rows } = await client.query(
        `INSERT INTO projection_checkpoints (name, generation, code_version, active, status)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${ROW}`,
        [projection.name, generation, projection.codeVersion, options.active, options.active ? 'live' : 'building'],
      );
      if (options.active) await this.pointViews(client, projection, generation);
      return toRow(rows[0]);
    });
  }

  /**
   * Applies a batch read in gap-safe order to one generation and moves its
   * checkpoint to the batch's last event, in one transaction. The stored
   * checkpoint must be `expected` (and, for a live runner, the generation
   * still active): otherwise nothing is written and CheckpointMoved is thrown.
   *
   * The transaction commits without waiting for its WAL to reach the disk
   * (synchronous_commit off, for this transaction only): a batch lost in a
   * crash of the server is lost with its checkpoint, and the runner applies
   * those events again from the log, whose appends do wait for the disk. The
   * read models' rows are most of the WAL written while scores come in (about
   * 9 kB per score against 1.3 kB for the event): their commits no longer wait
   * on it (docs/performance.md, "Read models").
   */
  async applyBatch(projection: Projection, generation: number, expected: LogCheckpoint, events: StoredEvent[], options: BatchOptions): Promise<LogCheckpoint> {
    if (events.length === 0) return expected;
    const { memo } = options;
    const next = events.some((e) => projection.handles(e.type))
      ? this.applyInTransaction(projection, generation, expected, events, options)
      : this.passOver(projection, generation, expected, events, options.requireActive);
    return memo ? settled(memo, next) : next;
  }

  /**
   * A runner starting over from where its fold states written behind were
   * last all written (CheckpointRow.states) folds the events up to its
   * checkpoint into those states alone (ProjectionContext.statesOnly): every
   * other row has them already. Nothing is written and the checkpoint stays.
   */
  async foldStates(projection: Projection, generation: number, events: StoredEvent[], memo: StateMemo): Promise<void> {
    const handled = events.filter((e) => projection.handles(e.type));
    if (handled.length === 0) return;
    await settled(
      memo,
      this.transaction(async (client) => {
        const context = { ...this.context(client, generation, memo), statesOnly: true };
        await failuresNamed(projection, () => projection.apply(handled, context));
      }),
    );
  }

  /**
   * Writes every fold state the memo holds behind its row (a runner that
   * stops), if the generation's checkpoint is still `expected`: the next
   * runner then starts from the checkpoint itself.
   */
  async writeStates(projection: Projection, generation: number, expected: LogCheckpoint, memo: StateMemo): Promise<void> {
    if (memo.mostBehind === 0) return;
    await settled(
      memo,
      this.transaction(async (client) => {
        await this.lockCheckpoint(client, projection, generation, expected, true);
        await writeBehind(projection, this.context(client, generation, memo));
        await client.query('UPDATE projection_checkpoints SET states_transaction_id = NULL, states_position = NULL WHERE name = $1 AND generation = $2', [projection.name, generation]);
      }),
    );
  }

  private applyInTransaction(projection: Projection, generation: number, expected: LogCheckpoint, events: StoredEvent[], options: BatchOptions): Promise<LogCheckpoint> {
    return this.transaction(async (client) => {
      await this.lockCheckpoint(client, projection, generation, expected, options.requireActive);
      return this.applyLocked(client, projection, generation, events, options);
    });
  }

  /** Locks the generation's checkpoint row for this transaction, which commits without waiting for the disk; CheckpointMoved unless it is at `expected`. */
  private async lockCheckpoint(client: PoolClient, projection: Projection, generation: number, expected: LogCheckpoint, requireActive: boolean): Promise<void> {
    const { rows } = await client.query(
      `SELECT set_config('synchronous_commit', 'off', true), active, transaction_id::text AS transaction_id, position FROM projection_checkpoints
        WHERE name = $1 AND generation = $2 FOR UPDATE`,
      [projection.name, generation],
    );
    const row = rows[0];
    const moved = movedFrom(projection, generation, expected, requireActive, row && { active: row.active, checkpoint: { transactionId: row.transaction_id, position: Number(row.position) } });
    if (moved) throw moved;
  }

  /**
   * A batch the projection handles none of (most batches of a projection that
   * folds a few event types, such as the identity search index while scores
   * come in): only the checkpoint moves, in one statement that checks it is
   * where this runner left it, instead of a transaction of four (begin, lock,
   * update, commit). Under the same row lock: a switch or a rebuild that
   * moved the checkpoint or made the generation inactive first makes it
   * update nothing, and CheckpointMoved says why. It commits without waiting
   * for the disk, as a batch does.
   */
  private async passOver(projection: Projection, generation: number, expected: LogCheckpoint, events: StoredEvent[], requireActive: boolean): Promise<LogCheckpoint> {
    const next = checkpointOf(events[events.length - 1]);
    let moved: number | null;
    try {
      ({ rowCount: moved } = await this.pool.query(
        `UPDATE projection_checkpoints
            SET transaction_id = $3::text::xid8, position = $4, error = NULL, failed_at = NULL, updated_at = now()
          WHERE name = $1 AND generation = $2 AND transaction_id = $5::text::xid8 AND position = $6 AND (active OR NOT $7)
            AND set_config('synchronous_commit', 'off', true) IS NOT NULL`,
        [projection.name, generation, next.transactionId, next.position, expected.transactionId, expected.position, requireActive],
      ));
    } catch (error) {
      throw translate(error);
    }
    if (moved === 1) return next;
    const row = (await this.rows(projection.name)).find((r) => r.generation === generation);
    throw movedFrom(projection, generation, expected, requireActive, row) ?? new CheckpointMoved(`checkpoint of ${projection.name} g${generation} moved while it was being passed over`);
  }

  /**
   * Makes `generation` the live one: under the checkpoint rows' locks (a live
   * runner's next batch waits), applies what the log gained since the
   * rebuild's last batch, flips `active` and points the views at the new
   * tables, all in one transaction. Then drops the old generation.
   */
  async switchTo(projection: Projection, generation: number, batchSize: number, onBatch?: (events: number) => void): Promise<void> {
    const previous = await this.transaction(async (client) => {
      const { rows } = await client.query(
        `SELECT ${ROW} FROM projection_checkpoints WHERE name = $1 ORDER BY generation FOR UPDATE`,
        [projection.name],
      );
      const all = rows.map(toRow);
      const target = all.find((r) => r.generation === generation);
      if (!target) throw new Error(`generation ${generation} of ${projection.name} does not exist`);
      // The gap-safe read, on this transaction's own connection (the embedded database has no other).
      const log = this.store.within(client);
      let checkpoint = target.checkpoint;
      for (;;) {
        const events = await log.readAll({ after: checkpoint, limit: batchSize, upcast: true, metadata: projection.readsMetadata === true });
        if (events.length === 0) break;
        checkpoint = await this.applyLocked(client, projection, generation, events);
        onBatch?.(events.length);
        if (events.length < batchSize) break;
      }
      // Two statements: the unique index on the active generation is checked row by row,
      // so the old generation must stop being active before the new one starts.
      await client.query(
        `UPDATE projection_checkpoints SET active = false, status = 'retired', updated_at = now()
          WHERE name = $1 AND active AND generation <> $2`,
        [projection.name, generation],
      );
      await client.query(
        `UPDATE projection_checkpoints SET active = true, status = 'live', updated_at = now()
          WHERE name = $1 AND generation = $2`,
        [projection.name, generation],
      );
      await this.pointViews(client, projection, generation);
      return all.filter((r) => r.active && r.generation !== generation).map((r) => r.generation);
    });
    for (const old of previous) await this.dropGeneration(projection, old);
  }

  /** Removes a generation's tables and checkpoint (never the active one). */
  async dropGeneration(projection: Projection, generation: number): Promise<void> {
    await this.transaction(async (client) => {
      const { rows } = await client.query('DELETE FROM projection_checkpoints WHERE name = $1 AND generation = $2 AND NOT active RETURNING generation', [projection.name, generation]);
      if (!rows.length) return;
      for (const base of Object.keys(projection.tables)) await client.query(`DROP TABLE IF EXISTS ${generationTable(base, generation)}`);
    });
  }

  async markFailed(name: string, generation: number, error: string): Promise<void> {
    await this.pool.query('UPDATE projection_checkpoints SET error = $3, failed_at = now(), updated_at = now() WHERE name = $1 AND generation = $2', [name, generation, error.slice(0, 2000)]);
  }

  /**
   * A digest of a generation's tables, row by row (each as jsonb, a fold state
   * kept as JSON text parsed: the key order of a json column or a fold state
   * does not count): equal digests, equal read models.
   */
  async tableHash(projection: Projection, generation: number): Promise<string> {
    const parts: string[] = [];
    for (const base of Object.keys(projection.tables).sort()) {
      const table = generationTable(base, generation);
      const { rows } = await this.pool.query(
        `SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS h, count(*) AS n FROM (
           SELECT (CASE WHEN jsonb_typeof(j->'state') = 'string' THEN jsonb_set(j, '{state}', (j->>'state')::jsonb) ELSE j END)::text AS r
             FROM (SELECT row_to_json(t)::jsonb AS j FROM ${table} t) t) t`,
      );
      parts.push(`${base}:${rows[0].n}:${rows[0].h}`);
    }
    return parts.join(' ');
  }

  private async applyLocked(client: PoolClient, projection: Projection, generation: number, events: StoredEvent[], options: Pick<BatchOptions, 'memo' | 'statesEveryMs'> = {}): Promise<LogCheckpoint> {
    const { memo } = options;
    // Read with `upcast: true` (the runner's subscription, the rebuild, the switch).
    const handled = events.filter((e) => projection.handles(e.type));
    const context = this.context(client, generation, memo);
    if (handled.length > 0) await failuresNamed(projection, () => projection.apply(handled, context));
    // The states written behind, all of them, every `statesEveryMs` or when a table holds the memo's limit of them.
    const behind = memo?.mostBehind ?? 0;
    const writeAll = behind > 0 && (behind >= Math.max(1, memo!.limit) || Date.now() - memo!.writtenAt >= (options.statesEveryMs ?? 0));
    if (writeAll) await failuresNamed(projection, () => writeBehind(projection, context));
    const next = checkpointOf(events[events.length - 1]);
    // In an UPDATE the right-hand sides read the row as it was: states left behind by this batch are as of its start.
    await client.query(
      `UPDATE projection_checkpoints
          SET transaction_id = $3::text::xid8, position = $4, events_applied = events_applied + $5,
              states_transaction_id = CASE WHEN $6 THEN NULL ELSE coalesce(states_transaction_id, transaction_id) END,
              states_position = CASE WHEN $6 THEN NULL ELSE coalesce(states_position, position) END,
              error = NULL, failed_at = NULL, updated_at = now()
        WHERE name = $1 AND generation = $2`,
      [projection.name, generation, next.transactionId, next.position, handled.length, writeAll || behind === 0],
    );
    return next;
  }

  /** What a projection's apply and writeStates get: the transaction's connection, this generation's tables. */
  private context(client: PoolClient, generation: number, memo?: StateMemo): ProjectionContext {
    return { client, generation, table: (base) => generationTable(base, generation), memo, rowsPerStatement: this.rowsPerStatement };
  }

  private async pointViews(client: PoolClient, projection: Projection, generation: number): Promise<void> {
    for (const base of Object.keys(projection.tables)) {
      // DROP + CREATE rather than CREATE OR REPLACE: a new code version may change the columns.
      await client.query(`DROP VIEW IF EXISTS ${base}`);
      await client.query(`CREATE VIEW ${base} AS SELECT * FROM ${generationTable(base, generation)}`);
    }
  }

  /**
   * One transaction on one pooled connection; the callback must not use the
   * pool (a pool of one would deadlock). The pool's own client, not a TypeORM
   * query runner: no projection writes through entities, and the runner's
   * begin, commit and bookkeeping took about 0.1 ms of the event loop per
   * batch (docs/performance.md, "Read models").
   */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw error;
    } finally {
      // A connection that could not even roll back is discarded rather than handed out again.
      client.release(broken);
    }
  }
}

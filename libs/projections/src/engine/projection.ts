import type { PoolClient } from 'pg';
import type { StoredEvent } from '@app/event-store/event-store';
import type { StateMemo } from './state-memo';

/**
 * What a batch's `apply` gets: the batch transaction's connection and the
 * names of this generation's tables. Everything written here commits with the
 * checkpoint, or not at all.
 */
export interface ProjectionContext {
  /** The transaction's own connection. On the embedded database it is the only one: never use the pool here. */
  client: PoolClient;
  generation: number;
  /** The table of this generation for a base table name (e.g. candidate_progress → candidate_progress_g2). */
  table(base: string): string;
  /**
   * A live runner's states from its earlier batches (StateMemo): take a row's
   * state from here before reading it, stage every state written. Absent in
   * rebuilds and switches.
   */
  memo?: StateMemo;
  /**
   * The batch's events were applied before to every row but the fold states
   * written behind (a runner starting over from the checkpoint its stored
   * states were written at, up to its checkpoint): fold them into those
   * states (in the memo) and write nothing.
   */
  statesOnly?: boolean;
  /**
   * Rows per statement (upsertRows): ROWS_PER_STATEMENT on a server; absent
   * (all in one) on the embedded database, where the statements run on the
   * API's own thread anyway and each one waits its turn on the one connection.
   */
  rowsPerStatement?: number;
}

export interface Projection {
  name: string;
  /** Bump when evolve or the tables change: the projection then rebuilds itself beside the live one on start. */
  codeVersion: number;
  /** Base table name → CREATE TABLE statement for a given generation's table name. Queries read the base name (a view). */
  tables: Record<string, (table: string) => string>;
  handles(eventType: string): boolean;
  /**
   * True when `apply` reads events' `metadata` or `hash`. A rebuild leaves them
   * unread otherwise (they are then `null`): parsing them was about a third of
   * a rebuild's time, and no projection folds them.
   */
  readsMetadata?: boolean;
  /** Idempotent: an event at or before a row's last applied position changes nothing. */
  apply(events: StoredEvent[], tx: ProjectionContext): Promise<void>;
  /**
   * Writes fold states the projection left to the memo (StateMemo.stageBehind,
   * only when `tx.memo` is there): every such state, by table and key, in one
   * batch's transaction. A projection that never stages behind has none.
   */
  writeStates?(states: ReadonlyMap<string, ReadonlyMap<string, unknown>>, tx: ProjectionContext): Promise<void>;
}

export const generationTable = (base: string, generation: number) => `${base}_g${generation}`;

/**
 * Storage of a table whose rows are rewritten whole at every batch that
 * touches them (a candidate's state, a little over 2 kB of JSON and growing
 * with their scores). Rows stay uncompressed in the table up to 8 kB instead
 * of being compressed past 2 kB: compressing at every write and decompressing
 * at every read cost about 20 µs per row, and the bytes saved do not matter
 * for tables of a few thousand rows. Pages are filled to half, so that the new
 * version of a row finds room on its page (a heap-only update: no index entry
 * to add, the old version pruned in place): the upserts of a batch of scores
 * took half the time (docs/performance.md, "Read models"). Engine migration 2
 * sets both on the tables made before.
 */
export const REWRITTEN_ROWS = 'WITH (toast_tuple_target = 8160, fillfactor = 50)';

/**
 * The column type of a fold state that only its runner reads back (whole, to
 * fold the next batch into it): `text`, the JSON as written. As `jsonb`
 * PostgreSQL built the binary form of every state a batch rewrote, which no
 * query used (for the back office's 4.3 kB states, written from one document
 * per statement: 52-54 µs of the server's CPU per row as `jsonb`, 30-32 µs as
 * `json`; upsertRows then took it to 12-14 µs); as `json` it still parsed
 * every state to check it (about 5 µs of the server's CPU per score for the
 * back office's state, 3-4 µs for progress'; docs/performance.md, "Read
 * models"). The runner is its only writer and JSON.stringify its only
 * encoder, and loadStates parses it back. Key order is the writer's:
 * compare such rows with the state parsed (Checkpoints.tableHash does).
 *
 * Written through upsertRows as `foldState(column)`: the value is the state,
 * encoded there.
 */
export const FOLD_STATE = 'text';

/**
 * Rows per statement on a server (upsertRows; about 25 candidate states, a
 * hundred kB). A batch's rows in one statement (500 kB and more under a
 * steady flow of scores) were made in one go on the event loop, with the
 * requests waiting meanwhile, and landed in V8's large-object space; in pieces
 * of this size the requests are served between two statements: p99 of the
 * HTTP bench 57-66 ms -> 49-58 ms in alternated runs, for the same CPU. On the
 * embedded database the pieces cost 6 % of the scores per second and bought
 * nothing: none there (ProjectionContext.rowsPerStatement; docs/performance.md,
 * "Read models").
 */
export const ROWS_PER_STATEMENT = 25;

/** `rows` in pieces of `size` (all in one when absent), for one statement each. */
export function* inPieces<T>(rows: readonly T[], size = Number.POSITIVE_INFINITY): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}

/** An event the projection could not apply: the projection stops on it rather than skip it. */
export class ProjectionFailure extends Error {
  constructor(
    readonly projection: string,
    readonly event: { globalPosition: number; transactionId: string; type: string; streamId: string } | undefined,
    override readonly cause: unknown,
  ) {
    super(
      `projection ${projection} stopped${event ? ` at event #${event.globalPosition} (${event.type} in ${event.streamId}, tx ${event.transactionId})` : ''}: ${(cause as Error)?.message ?? String(cause)}`,
    );
    this.name = 'ProjectionFailure';
  }
}

/** Thrown by a projection's apply to name the event that failed. */
export class EventApplyError extends Error {
  constructor(
    readonly event: StoredEvent,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'EventApplyError';
  }
}

/** The stored checkpoint is not the one this runner expected: another runner or a rebuild moved it. */
export class CheckpointMoved extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointMoved';
  }
}

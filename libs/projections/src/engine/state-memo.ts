import type { PoolClient } from 'pg';

/**
 * The states a live runner wrote in its earlier batches, so that the next
 * batch touching the same candidate need not read back the row it has just
 * written (under a steady flow of scores, reading a candidate's state back
 * was a quarter of the database's work for the read models, and parsing it a
 * good part of the API's: docs/performance.md, "Read models").
 *
 * Sound because a runner is the only writer of its generation's tables while
 * it follows the log: every batch moves the checkpoint from where this
 * runner left it, under a row lock (applyBatch), or fails with CheckpointMoved
 * and the runner starts over with a new memo. A state comes back only as it
 * was staged by a batch that committed: `take` removes the entry (a batch that
 * changed a state must stage it again), `commit` keeps what the batch staged,
 * `clear` forgets everything (a batch that failed, whatever it had taken or
 * changed in place).
 *
 * Bounded: past `limit` entries in one table, its least recently written
 * entries go first (per table, so that a projection keeping two states per
 * candidate, such as the back office's progress and file, keeps as many
 * candidates as one keeping one).
 */
export class StateMemo {
  private readonly kept = new Map<string, Map<string, unknown>>();
  private staged = new Map<string, Map<string, unknown>>();

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new Error('StateMemo: limit must be a non-negative integer');
  }

  /** Entries kept, all tables together. */
  get size(): number {
    let size = 0;
    for (const states of this.kept.values()) size += states.size;
    return size;
  }

  /** The state of `key` in `table` as the last committed batch wrote it, or undefined (then read the row). */
  take<T>(table: string, key: string): T | undefined {
    const states = this.kept.get(table);
    const state = states?.get(key);
    if (state === undefined) return undefined;
    states!.delete(key);
    return state as T;
  }

  /** What this batch writes for `key` in `table` (exactly what the row will hold once read back). */
  stage(table: string, key: string, state: unknown): void {
    let states = this.staged.get(table);
    if (!states) this.staged.set(table, (states = new Map()));
    states.set(key, state);
  }

  /** The batch committed: its staged states are the rows now. */
  commit(): void {
    for (const [table, staged] of this.staged) {
      let states = this.kept.get(table);
      if (!states) this.kept.set(table, (states = new Map()));
      for (const [key, state] of staged) {
        states.delete(key);
        states.set(key, state);
      }
      for (const key of states.keys()) {
        if (states.size <= this.limit) break;
        states.delete(key);
      }
    }
    this.staged = new Map();
  }

  /** The batch failed or its outcome is unknown: nothing here can be trusted any more. */
  clear(): void {
    this.kept.clear();
    this.staged = new Map();
  }
}

/**
 * The `state` column of the rows of `table` whose `key` column is one of
 * `ids`: from the memo for those it has, in one query for the others. An id
 * with no row is left out.
 */
export async function loadStates<T>(client: PoolClient, table: string, key: string, ids: Iterable<string>, memo?: StateMemo): Promise<Array<[string, T]>> {
  const found: Array<[string, T]> = [];
  const unread: string[] = [];
  for (const id of ids) {
    const state = memo?.take<T>(table, id);
    if (state) found.push([id, state]);
    else unread.push(id);
  }
  if (unread.length) {
    const { rows } = await client.query(`SELECT ${key} AS id, state FROM ${table} WHERE ${key} = ANY($1::text[])`, [unread]);
    // A fold state (FOLD_STATE) comes back as its JSON text; other states as the driver parsed them.
    for (const r of rows) found.push([r.id as string, (typeof r.state === 'string' ? JSON.parse(r.state) : r.state) as T]);
  }
  return found;
}

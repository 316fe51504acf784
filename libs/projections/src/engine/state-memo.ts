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
 * Bounded: the least recently written entries go first past `limit`.
 */
export class StateMemo {
  private readonly kept = new Map<string, unknown>();
  private staged = new Map<string, unknown>();

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new Error('StateMemo: limit must be a non-negative integer');
  }

  get size(): number {
    return this.kept.size;
  }

  /** The state of `key` in `table` as the last committed batch wrote it, or undefined (then read the row). */
  take<T>(table: string, key: string): T | undefined {
    const id = entry(table, key);
    const state = this.kept.get(id);
    if (state === undefined) return undefined;
    this.kept.delete(id);
    return state as T;
  }

  /** What this batch writes for `key` in `table` (exactly what the row will hold once read back). */
  stage(table: string, key: string, state: unknown): void {
    this.staged.set(entry(table, key), state);
  }

  /** The batch committed: its staged states are the rows now. */
  commit(): void {
    for (const [id, state] of this.staged) {
      this.kept.delete(id);
      this.kept.set(id, state);
    }
    this.staged = new Map();
    for (const id of this.kept.keys()) {
      if (this.kept.size <= this.limit) break;
      this.kept.delete(id);
    }
  }

  /** The batch failed or its outcome is unknown: nothing here can be trusted any more. */
  clear(): void {
    this.kept.clear();
    this.staged = new Map();
  }
}

const entry = (table: string, key: string) => `${table}\u0000${key}`;

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

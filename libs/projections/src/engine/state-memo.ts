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
 *
 * States written behind (`stageBehind`): a projection may leave a fold state
 * unwritten, kept here alone until the engine writes every such state at once
 * (`behind`, then `commit`: Projection.writeStates), every few seconds or when
 * a table holds `limit` of them. Until then the row is older than the state:
 * such an entry is never evicted nor dropped by `take`, and losing it (`clear`
 * while any is kept) sets `lost`: the runner must then start over from the
 * checkpoint the stored states were written at (docs/projections.md, "Fold
 * states written behind").
 */
export class StateMemo {
  private readonly kept = new Map<string, Map<string, unknown>>();
  private staged = new Map<string, Map<string, unknown>>();
  /** Per table, the keys of the kept states whose rows are older (written behind). */
  private readonly unwritten = new Map<string, Set<string>>();
  /** Per table, the keys this batch staged behind. */
  private stagedBehind = new Map<string, Set<string>>();
  /** The batch being applied writes every state kept behind (`behind` was called): at its commit, none is left. */
  private writingAll = false;
  /** States written behind were dropped (a batch failed): the rows cannot be trusted without the log. */
  lost = false;
  /** When states written behind were last all written, or the memo made (Date.now()). */
  writtenAt = Date.now();

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new Error('StateMemo: limit must be a non-negative integer');
  }

  /** The most states written behind in one table (kept, or staged by this batch). */
  get mostBehind(): number {
    let most = 0;
    for (const [table, keys] of this.unwritten) most = Math.max(most, keys.size);
    for (const [table, keys] of this.stagedBehind) {
      const unwritten = this.unwritten.get(table);
      let count = unwritten?.size ?? 0;
      for (const key of keys) if (!unwritten?.has(key)) count++;
      most = Math.max(most, count);
    }
    return most;
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
    // A state written behind stays: its row is older, and a batch may read it without changing it.
    if (!this.unwritten.get(table)?.has(key)) states!.delete(key);
    return state as T;
  }

  /** What this batch writes for `key` in `table` (exactly what the row will hold once read back). */
  stage(table: string, key: string, state: unknown): void {
    let states = this.staged.get(table);
    if (!states) this.staged.set(table, (states = new Map()));
    states.set(key, state);
    this.stagedBehind.get(table)?.delete(key);
  }

  /** A state this batch read and left as it was: back to the memo (a state written behind is there still). */
  keep(table: string, key: string, state: unknown): void {
    if (!this.unwritten.get(table)?.has(key)) this.stage(table, key, state);
  }

  /** What this batch folds into `key`'s state in `table` without writing the row (written behind: see the class). */
  stageBehind(table: string, key: string, state: unknown): void {
    this.stage(table, key, state);
    let keys = this.stagedBehind.get(table);
    if (!keys) this.stagedBehind.set(table, (keys = new Set()));
    keys.add(key);
  }

  /**
   * Every state written behind, kept or staged by this batch, by table, for
   * the batch to write (Projection.writeStates): once it commits, none is
   * behind any more.
   */
  behind(): Map<string, Map<string, unknown>> {
    const states = new Map<string, Map<string, unknown>>();
    const add = (table: string, keys: Set<string>, from: Map<string, unknown> | undefined) => {
      let rows = states.get(table);
      if (!rows) states.set(table, (rows = new Map()));
      for (const key of keys) rows.set(key, from!.get(key));
    };
    for (const [table, keys] of this.unwritten) add(table, keys, this.kept.get(table));
    // What this batch staged (behind or not) is newer than what the memo kept.
    for (const [table, staged] of this.staged) {
      const rows = states.get(table);
      if (rows) for (const key of rows.keys()) if (staged.has(key)) rows.set(key, staged.get(key));
    }
    for (const [table, keys] of this.stagedBehind) add(table, keys, this.staged.get(table));
    this.writingAll = true;
    return states;
  }

  /** The batch committed: its staged states are the rows now. */
  commit(): void {
    if (this.writingAll) {
      this.unwritten.clear();
      this.writtenAt = Date.now();
    } else {
      for (const [table, keys] of this.stagedBehind) {
        let unwritten = this.unwritten.get(table);
        if (!unwritten) this.unwritten.set(table, (unwritten = new Set()));
        for (const key of keys) unwritten.add(key);
      }
    }
    for (const [table, staged] of this.staged) {
      let states = this.kept.get(table);
      if (!states) this.kept.set(table, (states = new Map()));
      const unwritten = this.unwritten.get(table);
      for (const [key, state] of staged) {
        states.delete(key);
        states.set(key, state);
        if (!this.stagedBehind.get(table)?.has(key)) unwritten?.delete(key);
      }
      let over = states.size - this.limit;
      for (const key of states.keys()) {
        if (over <= 0) break;
        if (unwritten?.has(key)) continue;
        states.delete(key);
        over--;
      }
    }
    this.staged = new Map();
    this.stagedBehind = new Map();
    this.writingAll = false;
  }

  /** The batch failed or its outcome is unknown: nothing here can be trusted any more (`lost` if a state was written behind). */
  clear(): void {
    // What this batch staged behind goes with it, and its rows are as they were before it: only states kept from
    // earlier batches were newer than their rows.
    for (const keys of this.unwritten.values()) if (keys.size) this.lost = true;
    this.kept.clear();
    this.unwritten.clear();
    this.staged = new Map();
    this.stagedBehind = new Map();
    this.writingAll = false;
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

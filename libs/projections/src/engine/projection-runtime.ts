import { EventEmitter } from 'node:events';
import { Database } from '@app/event-store/database';
import { checkpointOf, compareCheckpoints, EventStore, LOG_START, LogCheckpoint, StoredEvent, Subscription } from '@app/event-store/event-store';
import { migrate } from '@app/event-store/migrations';
import { CheckpointRow, ProjectionCheckpoints } from './checkpoints';
import { PROJECTION_MIGRATIONS } from './migrations';
import { CheckpointMoved, Projection, ProjectionFailure, ROWS_PER_STATEMENT } from './projection';
import { advisoryLock, noLock, RunnerLock } from './runner-lock';
import { StateMemo } from './state-memo';

export interface ProjectionLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RuntimeOptions {
  /** Events read and applied per transaction while following the log (default 500). */
  batchSize?: number;
  /**
   * Events read and applied per transaction while a rebuild catches up from
   * position zero (default 5,000): a candidate's row is then rewritten once per
   * batch for tens of its events instead of a handful, and the per-transaction
   * costs (checkpoint lock and update, commit flush) are paid ten times less
   * often. Memory grows with it: two batches are held at once.
   */
  rebuildBatchSize?: number;
  /** How often a waiting process tries to take over a projection (server database). */
  lockRetryMs?: number;
  /** After a failing event, how long before the runner tries that event again (it never skips it). */
  failureRetryMs?: number;
  /** Least time between two batches of a live runner while appends keep coming (default 0; see SubscribeOptions). */
  minIntervalMs?: number;
  /** States a live runner keeps from its earlier batches instead of reading them back (StateMemo; default 1,000 per table of the projection, 0: none). */
  memoEntries?: number;
  /**
   * How long a live runner may keep fold states written behind (StateMemo.stageBehind) before it writes them all
   * (default 0: at every batch; the API and the projector take PROJECTION_STATES_EVERY_MS). A runner that restarts
   * after a crash folds the events of that span again.
   */
  statesEveryMs?: number;
  /** Where the runners report (the Nest module passes Nest's logger, tools and tests their own). */
  logger: ProjectionLogger;
}

export type RunnerStatus = 'idle' | 'waiting-for-lock' | 'rebuilding' | 'live' | 'failed' | 'stopped';

export interface ProjectionState {
  name: string;
  codeVersion: number;
  /** Generation the queries read (null before the first start). */
  generation: number | null;
  /** live / failed from the checkpoint table; what this process's runner does in `runner`. */
  status: 'live' | 'failed' | 'missing';
  runner: RunnerStatus | 'not-running-here';
  position: number;
  transactionId: string;
  head: number;
  /** Positions between the log head and the checkpoint (an upper bound of events behind). */
  lag: number;
  eventsApplied: number;
  error: string | null;
  failedAt: string | null;
  updatedAt: string | null;
  failures: number;
  rebuilding: { generation: number; position: number; codeVersion: number } | null;
}

export interface RebuildProgress {
  (done: number, total: number): void;
}

/** A thousand candidates' states per table: about 5 MB at twenty scores each (measured), three times that fully scored. */
export const DEFAULT_MEMO_ENTRIES = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * What the runtime asks of a projection's runner: this process's
 * (ProjectionRunner), or one another thread of the process runs and reports
 * on (read-side-thread.ts), which `adopt` registers.
 */
export interface Runner {
  readonly status: RunnerStatus;
  /** What the runner has applied (its generation's checkpoint). */
  readonly checkpoint: LogCheckpoint;
  /** Failing batches since the runner started. */
  readonly failures: number;
  /** Someone waits for this read model: the next batch is applied now, not after the least interval. */
  hurry(): void;
  stop(): Promise<void>;
}

/** One projection in this process: takes the runner lock, follows the log, stops on a failing event. */
class ProjectionRunner implements Runner {
  status: RunnerStatus = 'idle';
  generation = 0;
  checkpoint: LogCheckpoint = LOG_START;
  failures = 0;
  private loop: Promise<void> | null = null;
  private stopResolve!: () => void;
  private readonly stopping = new Promise<void>((resolve) => (this.stopResolve = resolve));
  private stopped = false;
  private subscription: Subscription | null = null;

  constructor(
    private readonly projection: Projection,
    private readonly runtime: ProjectionRuntime,
    private readonly lock: RunnerLock,
    private readonly options: Required<RuntimeOptions>,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Someone waits for this read model: the next batch is applied now, not after the least interval. */
  hurry(): void {
    this.subscription?.hurry?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopResolve();
    await this.loop;
    this.status = 'stopped';
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    while (!this.stopped) {
      this.status = 'waiting-for-lock';
      const lock = await this.lock.acquire(this.stopping);
      if (!lock) break;
      logger.log(`projection ${this.projection.name}: this process is the active runner`);
      try {
        const outcome = await this.runLocked(lock.lost);
        if (outcome === 'lost') logger.warn(`projection ${this.projection.name}: runner lock lost (connection closed); trying to take it again`);
        if (outcome === 'failed') await Promise.race([sleep(this.options.failureRetryMs), this.stopping, lock.lost]);
      } catch (error) {
        if (!this.stopped) {
          logger.warn(`projection ${this.projection.name}: ${(error as Error).message}; retrying`);
          await Promise.race([sleep(1000), this.stopping]);
        }
      } finally {
        await lock.release();
      }
    }
  }

  private async runLocked(lost: Promise<void>): Promise<'stopped' | 'lost' | 'failed'> {
    const { checkpoints } = this.runtime;
    let active: CheckpointRow | undefined = await checkpoints.createGeneration(this.projection, { active: true });
    if (active.codeVersion !== this.projection.codeVersion) {
      this.options.logger.log(`projection ${this.projection.name}: code version ${active.codeVersion} → ${this.projection.codeVersion}, rebuilding beside the live tables`);
      this.status = 'rebuilding';
      let lostNow = false;
      void lost.then(() => (lostNow = true));
      await this.runtime.rebuild(this.projection.name, { cancelled: () => this.stopped || lostNow });
      active = undefined;
    }
    for (;;) {
      active ??= await checkpoints.createGeneration(this.projection, { active: true });
      this.generation = active.generation;
      this.checkpoint = active.checkpoint;
      this.status = 'live';
      this.runtime.events.emit('progress', this.projection.name);
      const outcome = await this.follow(lost, active.states);
      if (outcome !== 'resync') return outcome;
      active = undefined;
    }
  }

  /**
   * Follows the log from the checkpoint, or from `states` (where the fold
   * states written behind were last all written) when it is older: the events
   * up to the checkpoint are then folded into those states alone
   * (ProjectionCheckpoints.foldStates), the others have them already.
   */
  private follow(lost: Promise<void>, states: LogCheckpoint | null): Promise<'resync' | 'stopped' | 'lost' | 'failed'> {
    const { checkpoints, events } = this.runtime;
    const { logger } = this.options;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (outcome: 'resync' | 'stopped' | 'lost' | 'failed') => {
        if (finished) return;
        finished = true;
        // Not awaited here: this may run inside the subscription's own loop.
        void subscription
          .stop()
          .then(async () => {
            // A runner that stops writes what it kept behind, so that the next one starts from its checkpoint
            // (not while still folding up to it: its states are not yet as of its checkpoint).
            if (outcome === 'stopped' && memo && !memo.lost && !statesOnlyTo) {
              await checkpoints.writeStates(this.projection, this.generation, this.checkpoint, memo).catch((error: Error) => {
                logger.warn(`projection ${this.projection.name}: fold states not written on stopping (${error.message}); the next runner folds them again from the log`);
              });
            }
          })
          .then(() => resolve(outcome));
      };
      // Folded into the stored states alone up to here (see above); null once passed.
      let statesOnlyTo: LogCheckpoint | null = states && compareCheckpoints(states, this.checkpoint) < 0 ? this.checkpoint : null;
      // A new memo each time the runner (re)starts from the stored checkpoint; one of no entries when
      // states were left behind (only those are kept then, and written at the first batch).
      const memo = this.options.memoEntries > 0 || statesOnlyTo ? new StateMemo(this.options.memoEntries) : undefined;
      if (statesOnlyTo) logger.log(`projection ${this.projection.name}: folding the events after position ${states!.position} into the fold states written behind`);
      const subscription = (this.subscription = this.runtime.store.subscribe({
        from: statesOnlyTo ? states! : this.checkpoint,
        batchSize: this.options.batchSize,
        minIntervalMs: this.options.minIntervalMs,
        upcast: true,
        metadata: this.projection.readsMetadata === true,
        handle: async (batch) => {
          if (finished) throw new CheckpointMoved('runner stopping');
          // States kept behind their rows were dropped with a failed batch: start over from the stored ones.
          if (memo?.lost) throw new CheckpointMoved(`projection ${this.projection.name}: fold states kept behind their rows were lost with a failed batch`);
          if (statesOnlyTo) {
            const to = statesOnlyTo;
            const past = batch.findIndex((e) => compareCheckpoints(checkpointOf(e), to) > 0);
            await checkpoints.foldStates(this.projection, this.generation, past < 0 ? batch : batch.slice(0, past), memo!);
            if (past < 0) return;
            statesOnlyTo = null;
            batch = batch.slice(past);
          }
          this.checkpoint = await checkpoints.applyBatch(this.projection, this.generation, this.checkpoint, batch, { requireActive: true, memo, statesEveryMs: this.options.statesEveryMs });
          if (this.status === 'failed') this.status = 'live';
          events.emit('progress', this.projection.name);
        },
        onError: (error) => {
          if (error instanceof CheckpointMoved) finish('resync');
          else if (error instanceof ProjectionFailure) {
            this.failures++;
            this.status = 'failed';
            this.options.logger.error(`${error.message} — not skipped; fix the cause, the runner retries this event every ${Math.round(this.options.failureRetryMs / 1000)} s`);
            void checkpoints.markFailed(this.projection.name, this.generation, error.message).catch(() => undefined);
            events.emit('progress', this.projection.name);
            finish('failed');
          } else if (!finished) {
            this.options.logger.warn(`projection ${this.projection.name}: ${(error as Error)?.message ?? String(error)} (will retry)`);
          }
        },
      }));
      void this.stopping.then(() => finish('stopped'));
      void lost.then(() => finish('lost'));
    });
  }
}

/**
 * The projection engine of one process: its runners (one per projection,
 * active only while holding that projection's lock), status, read-your-writes
 * waits and rebuilds. Plain class: the Nest module, the projector and the CLI
 * all build it the same way.
 */
export class ProjectionRuntime {
  readonly checkpoints: ProjectionCheckpoints;
  /** 'progress' (projection name) after every batch a local runner commits. */
  readonly events = new EventEmitter();
  private readonly runners = new Map<string, Runner>();
  private readonly options: Required<RuntimeOptions>;

  constructor(
    readonly db: Database,
    readonly store: EventStore,
    readonly projections: Projection[],
    options: RuntimeOptions,
  ) {
    this.events.setMaxListeners(0);
    this.checkpoints = new ProjectionCheckpoints(db.pool, db.schema, store, db.kind === 'server' ? ROWS_PER_STATEMENT : undefined);
    this.options = {
      batchSize: options.batchSize ?? 500,
      rebuildBatchSize: options.rebuildBatchSize ?? 5000,
      minIntervalMs: options.minIntervalMs ?? 0,
      memoEntries: options.memoEntries ?? DEFAULT_MEMO_ENTRIES,
      statesEveryMs: options.statesEveryMs ?? 0,
      lockRetryMs: options.lockRetryMs ?? 1000,
      failureRetryMs: options.failureRetryMs ?? 30_000,
      logger: options.logger,
    };
  }

  projection(name: string): Projection {
    const found = this.projections.find((p) => p.name === name);
    if (!found) throw new Error(`unknown projection ${name} (known: ${this.projections.map((p) => p.name).join(', ')})`);
    return found;
  }

  /** Checkpoint table, and a first generation (tables and views) for every projection, so queries never meet a missing view. */
  async init(): Promise<void> {
    await migrate(this.db.pool, PROJECTION_MIGRATIONS, 'projections');
    for (const projection of this.projections) await this.checkpoints.createGeneration(projection, { active: true });
  }

  start(): void {
    for (const projection of this.projections) {
      if (this.runners.has(projection.name)) continue;
      const lock = this.db.kind === 'server' ? advisoryLock(this.db.connection, `${this.db.schema}:projection:${projection.name}`, this.options.lockRetryMs) : noLock;
      const runner = new ProjectionRunner(projection, this, lock, this.options);
      this.runners.set(projection.name, runner);
      runner.start();
    }
  }

  /**
   * Registers the runner of `name` that another thread of this process runs
   * (read-side-thread.ts): status, read-your-writes waits and `hurry` then go
   * to it as to a local one; it emits 'progress' on `events` after each batch.
   */
  adopt(name: string, runner: Runner): void {
    this.projection(name);
    if (this.runners.has(name)) throw new Error(`projection ${name} already has a runner in this process`);
    this.runners.set(name, runner);
  }

  /** A reader waits for `name`: its runner here (or adopted) applies its next batch now. */
  hurry(name: string): void {
    this.runners.get(name)?.hurry();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    this.runners.clear();
  }

  /** The local runner's status, or undefined when projections do not run in this process. */
  runnerStatus(name: string): RunnerStatus | undefined {
    return this.runners.get(name)?.status;
  }

  /** The runner of `name` in this process (its own or adopted), if any. */
  runnerOf(name: string): Runner | undefined {
    return this.runners.get(name);
  }

  async status(): Promise<ProjectionState[]> {
    const rows = await this.checkpoints.rows();
    const head = await this.store.headPosition();
    return this.projections.map((projection) => {
      const mine = rows.filter((r) => r.name === projection.name);
      const active = mine.find((r) => r.active);
      const building = mine.find((r) => !r.active && r.status === 'building');
      const runner = this.runners.get(projection.name);
      const position = active?.checkpoint.position ?? 0;
      return {
        name: projection.name,
        codeVersion: projection.codeVersion,
        generation: active?.generation ?? null,
        status: !active ? 'missing' : active.error ? 'failed' : 'live',
        runner: runner?.status ?? 'not-running-here',
        position,
        transactionId: active?.checkpoint.transactionId ?? '0',
        head,
        lag: Math.max(0, head - position),
        eventsApplied: active?.eventsApplied ?? 0,
        error: active?.error ?? null,
        failedAt: active?.failedAt ?? null,
        updatedAt: active?.updatedAt ?? null,
        failures: runner?.failures ?? 0,
        rebuilding: building ? { generation: building.generation, position: building.checkpoint.position, codeVersion: building.codeVersion } : null,
      };
    });
  }

  /**
   * Read-your-writes. "Passed position n" means every committed event whose
   * position is at most n has been applied. The log is read in (transaction
   * id, position) order, so the target is the greatest (tx, position) among
   * committed events at or below n: once the checkpoint reaches it, nothing
   * at or below n is left. One query finds the target; then the wait is on
   * the local runner's progress events (no polling) — or, when another
   * process runs the projection, on its checkpoint row every 200 ms.
   */
  async waitFor(name: string, position: number, timeoutMs: number): Promise<boolean> {
    this.projection(name);
    const deadline = Date.now() + timeoutMs;
    // A position the log has not reached cannot have been processed: wait for
    // it to be written (up to the deadline) rather than answer at once.
    for (;;) {
      if ((await this.store.lastPosition()) >= position) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await sleep(Math.min(remaining, 200));
    }
    const target = await this.store.checkpointAtOrBefore(position);
    if (!target) return true;
    for (;;) {
      const runner = this.runners.get(name);
      const local = runner?.status === 'live';
      const reached = local ? runner!.checkpoint : (await this.checkpoints.active(name))?.checkpoint;
      if (reached && compareCheckpoints(reached, target) >= 0) return true;
      // A read waits on it: the local runner does not keep to its least interval (another process's does).
      runner?.hurry();
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      if (local) await this.nextProgress(name, Math.min(remaining, 1000));
      else await sleep(Math.min(remaining, 200));
    }
  }

  /**
   * Builds a new generation from position zero beside the live one (queries
   * keep reading the live one), then switches atomically. On a server
   * database, concurrent rebuilds of one projection queue behind a lock.
   */
  async rebuild(
    name: string,
    options: { onProgress?: RebuildProgress; cancelled?: () => boolean; /** Overrides the runtime's rebuildBatchSize for this rebuild. */ batchSize?: number } = {},
  ): Promise<{ generation: number; events: number }> {
    const projection = this.projection(name);
    const batchSize = options.batchSize ?? this.options.rebuildBatchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`rebuild batch size must be a positive integer, got ${batchSize}`);
    await migrate(this.db.pool, PROJECTION_MIGRATIONS, 'projections');
    const lock = this.db.kind === 'server' ? advisoryLock(this.db.connection, `${this.db.schema}:projection-rebuild:${name}`, 500) : noLock;
    const held = await lock.acquire(new Promise<void>(() => undefined));
    // The next batch is read (on another pooled connection) while this one is applied, so the
    // database reads while Node folds and the other way round; the first one while the new
    // generation is set up. On the embedded database a read just queues for the one connection.
    // A batch is read from the last event of the one before, known before that one is applied.
    const read = (after: LogCheckpoint): Promise<StoredEvent[]> => {
      const reading = this.store.readAll({ after, limit: batchSize, upcast: true, metadata: projection.readsMetadata === true });
      // Handled where it is awaited; this only keeps a failure while nobody awaits it yet (or
      // after an earlier failure, ever) from being an unhandled rejection.
      reading.catch(() => undefined);
      return reading;
    };
    let next: Promise<StoredEvent[]> | null = read(LOG_START);
    try {
      // Only for progress reports: counted meanwhile, awaited before the first report.
      let total = 0;
      const counting = this.store
        .countEvents({ gapSafe: true })
        .then((n) => void (total = n))
        .catch(() => undefined);
      // Generations left 'building' by an interrupted rebuild: nobody else builds them while we hold the lock.
      for (const row of await this.checkpoints.rows(name)) if (!row.active) await this.checkpoints.dropGeneration(projection, row.generation);
      const target = await this.checkpoints.createGeneration(projection, { active: false });
      let done = 0;
      let checkpoint = LOG_START;
      while (next) {
        const events: StoredEvent[] = await next;
        next = null;
        if (events.length === 0) break;
        if (options.cancelled?.()) throw new Error(`rebuild of ${name} cancelled`);
        if (events.length === batchSize) next = read(checkpointOf(events[events.length - 1]));
        checkpoint = await this.checkpoints.applyBatch(projection, target.generation, checkpoint, events, { requireActive: false });
        done += events.length;
        await counting;
        options.onProgress?.(done, Math.max(total, done));
      }
      await counting;
      await this.checkpoints.switchTo(projection, target.generation, batchSize, (n) => {
        done += n;
        options.onProgress?.(done, Math.max(total, done));
      });
      this.options.logger.log(`projection ${name}: generation ${target.generation} is live (${done} events)`);
      return { generation: target.generation, events: done };
    } finally {
      await held?.release();
    }
  }

  private nextProgress(name: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off('progress', listener);
        resolve();
      };
      const listener = (which: string) => which === name && done();
      const timer = setTimeout(done, timeoutMs);
      this.events.on('progress', listener);
    });
  }
}

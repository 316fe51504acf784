import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceLimits, Worker } from 'node:worker_threads';
import { LOG_START, LogCheckpoint } from '@app/event-store/event-store';
import type { AppConfig } from '@app/platform/config';
import type { ProjectionLogger, ProjectionRuntime, Runner, RunnerStatus } from './projection-runtime';

/** What the API's main thread tells the read side's thread. */
export type ToReadSide = { type: 'hurry'; name: string } | { type: 'stop' };

/** What the read side's thread reports: a runner's state (after each batch: `progressed`), a log line. */
export type FromReadSide =
  | { type: 'runner'; name: string; status: RunnerStatus; checkpoint: LogCheckpoint; failures: number; progressed: boolean }
  | { type: 'log'; level: 'log' | 'warn' | 'error'; message: string };

/** What the thread is started with (structured-cloned). */
export interface ReadSideWorkerData {
  config: AppConfig;
}

/** The compiled entry of the thread, beside this file in the build. */
export const READ_SIDE_WORKER = join(__dirname, 'read-side-thread.worker.js');

/**
 * The young generation of the thread's heap, in MB. Under the bench's full
 * HTTP load V8's default (48 MB, the main thread's) put the API at 321 MB
 * resident, 16 MB at 297-304 MB and 8 MB at 287 MB, scores/s within the runs'
 * spread (docs/performance.md, "The read side's thread"): the thread's garbage
 * is a batch's, short-lived, and the target is 300 MB for the whole process.
 */
export const READ_SIDE_YOUNG_GENERATION_MB = 8;

/** A runner the thread runs: its last reported state; `hurry` goes over to the thread. */
class ThreadRunner implements Runner {
  status: RunnerStatus = 'idle';
  checkpoint: LogCheckpoint = LOG_START;
  failures = 0;

  constructor(
    private readonly name: string,
    private readonly thread: ReadSideThread,
  ) {}

  hurry(): void {
    this.thread.send({ type: 'hurry', name: this.name });
  }

  /** The thread stops as a whole (ReadSideThread.stop). */
  async stop(): Promise<void> {}
}

/**
 * The read side (the projections' runners and the ledger sealer) in a worker
 * thread of the API process, so that the thread answering requests does not
 * also fold and write the read models (PROJECTIONS_THREAD, docs/operations.md).
 * The thread has its own small pool and the runner locks; it is woken by the
 * server's notifications like any other process's runners. Its runners are
 * adopted by this process's runtime: status, health and read-your-writes
 * (`X-Min-Position`) see them as local ones, and a waiting reader hurries
 * them. If the thread dies it is started again (1 s, doubling up to 30 s);
 * the runner locks it held are released with its connections.
 */
export class ReadSideThread {
  private worker: Worker | null = null;
  private stopping = false;
  private restartDelayMs = 1000;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly runners = new Map<string, ThreadRunner>();

  constructor(
    private readonly runtime: ProjectionRuntime,
    private readonly config: AppConfig,
    private readonly logger: ProjectionLogger,
    private readonly options: { entry?: string; resourceLimits?: ResourceLimits } = {},
  ) {
    for (const projection of runtime.projections) {
      const runner = new ThreadRunner(projection.name, this);
      this.runners.set(projection.name, runner);
      runtime.adopt(projection.name, runner);
    }
  }

  start(): void {
    const entry = this.options.entry ?? READ_SIDE_WORKER;
    // Tests build the application from the TypeScript sources, which a worker cannot load.
    if (!existsSync(entry)) throw new Error(`PROJECTIONS_THREAD=on needs the built application (npm start builds it): ${entry} is missing`);
    const data: ReadSideWorkerData = { config: this.config };
    const worker = new Worker(entry, { workerData: data, resourceLimits: this.options.resourceLimits ?? { maxYoungGenerationSizeMb: READ_SIDE_YOUNG_GENERATION_MB } });
    this.worker = worker;
    this.startedAt = Date.now();
    worker.on('message', (message: FromReadSide) => this.received(message));
    worker.on('error', (error) => this.logger.error(`read side thread: ${error.stack ?? error.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      for (const runner of this.runners.values()) runner.status = this.stopping ? 'stopped' : 'idle';
      if (this.stopping) return;
      // Ran a minute or more: a new failure, not the same one again.
      if (Date.now() - this.startedAt > 60_000) this.restartDelayMs = 1000;
      this.logger.error(`read side thread exited (code ${code}): the projections and the ledger sealer start again in ${this.restartDelayMs / 1000} s`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        if (!this.stopping) this.start();
      }, this.restartDelayMs);
      this.restartTimer.unref();
      this.restartDelayMs = Math.min(this.restartDelayMs * 2, 30_000);
    });
  }

  send(message: ToReadSide): void {
    this.worker?.postMessage(message);
  }

  /** The runners stop after their batch, the sealer after its own, the thread's connections close; past `timeoutMs` the thread is terminated. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToReadSide);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    if ((await Promise.race([exited, late])) === 'late') {
      this.logger.warn(`read side thread did not stop within ${timeoutMs} ms: terminated`);
      await worker.terminate();
    }
    clearTimeout(timer);
  }

  private received(message: FromReadSide): void {
    if (message.type === 'log') {
      this.logger[message.level](message.message);
      return;
    }
    const runner = this.runners.get(message.name);
    if (!runner) return;
    runner.status = message.status;
    runner.checkpoint = message.checkpoint;
    runner.failures = message.failures;
    // Readers waiting with X-Min-Position look again.
    if (message.progressed) this.runtime.events.emit('progress', message.name);
  }
}

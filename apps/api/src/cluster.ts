import cluster, { Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { AppConfig, projectionsInThread } from '@app/platform/config';
import { ConfigError } from '@app/platform/settings';

/**
 * Several API processes on one port (`API_WORKERS`, docs/operations.md
 * "Workers"): a `node:cluster` primary forks the workers and supervises them;
 * it serves nothing itself and opens no database. The operating system hands
 * each new connection to the next worker (round robin). Worker 1 runs the
 * projections and the ledger sealer (unless RUN_PROJECTIONS=false: a separate
 * projector runs them); the others serve HTTP only.
 */

/** Most workers `auto` starts on a server database: past four, PostgreSQL and the load balancer gain little from more. */
export const AUTO_MAX_WORKERS = 4;
export const MAX_WORKERS = 64;

/** Set by the primary in each worker's environment: its number (1…N). */
export const WORKER_NUMBER_ENV = 'API_WORKER_NUMBER';

/**
 * How many API processes to run. `auto` (the default): 1 on the embedded
 * database, on a PostgreSQL server one per core but one, at most 4 (a core is left to
 * PostgreSQL and the rest of the machine: on 2 cores two workers served fewer
 * commands than one, docs/performance.md). An integer overrides; more
 * than 1 on the embedded database is refused, because PGlite is one process
 * with one connection: two processes on one data directory would each keep
 * their own copy and drop each other's acknowledged writes.
 */
export function apiWorkers(config: Pick<AppConfig, 'databaseUrl'>, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const raw = (env.API_WORKERS ?? '').trim();
  let count: number;
  if (raw === '' || raw === 'auto') count = config.databaseUrl ? Math.max(1, Math.min(cores - 1, AUTO_MAX_WORKERS)) : 1;
  else {
    count = Number(raw);
    if (!/^\d+$/.test(raw) || count < 1 || count > MAX_WORKERS) throw new ConfigError(`API_WORKERS must be "auto" or an integer between 1 and ${MAX_WORKERS}, got "${raw}"`);
  }
  if (count > 1 && !config.databaseUrl) {
    throw new ConfigError(
      `API_WORKERS=${count} needs a PostgreSQL server (DATABASE_URL): the embedded database (PGlite) belongs to one process, ` +
        'and several processes on one data directory would lose acknowledged writes. Use API_WORKERS=1 (the default without DATABASE_URL) or set DATABASE_URL',
    );
  }
  return count;
}

/** The worker that runs the projections and the sealer: 1, or none when a separate projector runs them. */
export function projectionsWorker(config: Pick<AppConfig, 'runProjections'>): number | null {
  return config.runProjections ? 1 : null;
}

/** Delay before restarting a worker that died, after `failures` deaths in a row: 0.5 s, 1 s, 2 s… up to 30 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));
}

/** A worker that ran this long before dying starts its backoff afresh. */
const STABLE_AFTER_MS = 60_000;

export interface PrimaryLog {
  info(message: string): void;
  error(message: string): void;
}

export interface PrimaryOptions {
  count: number;
  config: AppConfig;
  shutdownTimeoutMs: number;
  log: PrimaryLog;
  /** Called once, when every worker of the first start listens. */
  onListening(port: number): void;
}

interface Slot {
  number: number;
  worker: Worker | null;
  startedAt: number;
  failures: number;
  listened: boolean;
  restartTimer: NodeJS.Timeout | null;
}

/**
 * The primary: forks `count` workers, restarts one that dies (with backoff,
 * logged), and on SIGTERM/SIGINT sends SIGTERM to every worker — each drains
 * as a single process does (readiness off, in-flight requests answered,
 * projections stopped at a batch boundary, pools closed) — then exits 0 when
 * all exited 0, else 1. A worker that fails before the first start completed
 * stops the whole start with its exit code (a migration that fails, a bad key
 * file): restarting it would only repeat the failure. At start, worker 1 boots
 * alone (it creates or migrates the schema), then the others together.
 */
export function runPrimary(options: PrimaryOptions): void {
  const { count, config, log } = options;
  const projections = projectionsWorker(config);
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ number: i + 1, worker: null, startedAt: 0, failures: 0, listened: false, restartTimer: null }));
  let started = false;
  let stopping = false;
  let exitCode = 0;
  const own = primaryMetrics(count, () => slots.filter((s) => s.worker && s.listened).length);

  const fork = (slot: Slot) => {
    slot.restartTimer = null;
    slot.startedAt = Date.now();
    slot.listened = false;
    const worker = cluster.fork({
      [WORKER_NUMBER_ENV]: String(slot.number),
      // Exactly one worker runs the projections and the ledger sealer (which follows RUN_PROJECTIONS).
      RUN_PROJECTIONS: slot.number === projections ? 'true' : 'false',
    });
    slot.worker = worker;
    worker.on('listening', (address) => {
      slot.listened = true;
      // Worker 1 has migrated the schema: the others start now, all at once (their migrations find nothing to do).
      if (!started && slot.number === 1 && !stopping) for (const other of slots.slice(1)) if (!other.worker) fork(other);
      if (!started && slots.every((s) => s.listened)) {
        started = true;
        options.onListening(address.port);
      }
    });
    // A message to a worker that just died (its channel closed) must not take the primary down with it.
    worker.on('error', (error) => log.error(`worker ${slot.number} (pid ${worker.process.pid}): ${error.message}`));
    worker.on('message', (message: { type?: string; id?: number }) => {
      if (message?.type === 'metrics:request') void aggregateMetrics(slots, own.registry).then((text) => worker.isConnected() && worker.send({ type: 'metrics:aggregated', id: message.id, text }));
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (stopping) {
        // A worker stopped before it listened had nothing to drain: SIGTERM ending it is a clean stop.
        const clean = code === 0 || (signal === 'SIGTERM' && !slot.listened);
        if (!clean && exitCode === 0) exitCode = 1;
        if (slots.every((s) => !s.worker)) process.exit(exitCode);
        return;
      }
      if (!started) {
        // The first start failed: the other workers would fail alike, or run without it.
        log.error(`worker ${slot.number} (pid ${worker.process.pid}) exited with ${how} before the API started: stopping`);
        stop(code && code > 0 ? code : 1);
        return;
      }
      if (Date.now() - slot.startedAt >= STABLE_AFTER_MS) slot.failures = 0;
      slot.failures += 1;
      own.restarts.inc();
      const delay = restartDelayMs(slot.failures);
      log.error(`worker ${slot.number} (pid ${worker.process.pid}) exited with ${how}; restarting it in ${delay} ms (${slot.failures} in a row)`);
      slot.restartTimer = setTimeout(() => fork(slot), delay);
    });
  };

  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    for (const slot of slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
    }
    const live = slots.filter((s) => s.worker);
    if (live.length === 0) process.exit(exitCode);
    for (const slot of live) slot.worker!.process.kill('SIGTERM');
    // Each worker bounds its own drain by SHUTDOWN_TIMEOUT_MS; this only catches one that hangs past it.
    setTimeout(() => {
      for (const slot of slots) if (slot.worker) slot.worker.process.kill('SIGKILL');
      log.error(`workers still running ${options.shutdownTimeoutMs + 2000} ms after the shutdown began: killed`);
      process.exit(1);
    }, options.shutdownTimeoutMs + 2000).unref();
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      log.info(`${signal}: stopping ${slots.filter((s) => s.worker).length} workers (each finishes its in-flight requests, then the projections stop and the pools close)`);
      stop(0);
    });
  }
  // Worker 1 first, alone: it creates or migrates the schema, and the others then boot against a
  // ready one instead of queuing behind its migrations (which serialise concurrent starters).
  fork(slots[0]);
}

/** The line saying how the API is spread over processes. */
export function workersLine(count: number, config: Pick<AppConfig, 'runProjections' | 'projectionsThread' | 'databaseUrl'>, pids: number[] = []): string {
  const list = pids.length ? ` (pids ${pids.join(', ')})` : '';
  const thread = projectionsInThread(config) ? ', on a thread of its own' : '';
  const where = config.runProjections ? `projections and ledger sealer in worker 1${thread}` : 'projections and ledger sealer in a separate projector';
  return `${count} API worker process${count > 1 ? 'es' : ''}${list}, ${where}`;
}

/** Pids of the live workers, in worker order. */
export function workerPids(): number[] {
  return Object.values(cluster.workers ?? {})
    .map((w) => w?.process.pid)
    .filter((p): p is number => typeof p === 'number');
}

/** What the primary adds to the aggregated /metrics: how many workers are configured, listening, and restarted. */
function primaryMetrics(count: number, listening: () => number): { registry: Registry; restarts: Counter } {
  const registry = new Registry();
  new Gauge({ name: 'api_workers', help: 'API worker processes configured (API_WORKERS)', registers: [registry] }).set(count);
  new Gauge({
    name: 'api_workers_listening',
    help: 'API worker processes currently serving HTTP',
    registers: [registry],
    collect() {
      this.set(listening());
    },
  });
  const restarts = new Counter({ name: 'api_worker_restarts_total', help: 'API worker processes that died and were restarted', registers: [registry] });
  return { registry, restarts };
}

/** A worker registry's metrics as JSON (getMetricsAsJSON), as AggregatorRegistry.aggregate takes them. */
type Collected = Parameters<typeof AggregatorRegistry.aggregate>[0][number];

let collections = 0;

/**
 * One /metrics answer for the whole API: every live worker's registry, summed
 * (counters, histograms, memory), averaged or maxed where prom-client or the
 * gauge says so, plus the primary's own gauges. A worker that does not answer
 * within 2 s is left out of that scrape.
 */
async function aggregateMetrics(slots: Slot[], own: Registry): Promise<string> {
  const id = ++collections;
  const workers = slots.map((s) => s.worker).filter((w): w is Worker => !!w && w.isConnected());
  const answers = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<Collected | null>((resolve) => {
          const timer = setTimeout(() => done(null), 2000);
          const onMessage = (message: { type?: string; id?: number; metrics?: Collected }) => {
            if (message?.type === 'metrics:collected' && message.id === id) done(message.metrics ?? null);
          };
          const done = (value: Collected | null) => {
            clearTimeout(timer);
            worker.off('message', onMessage);
            resolve(value);
          };
          worker.on('message', onMessage);
          worker.send({ type: 'metrics:collect', id });
        }),
    ),
  );
  const aggregated = AggregatorRegistry.aggregate(answers.filter((a): a is Collected => a !== null));
  return Registry.merge([aggregated as Registry, own]).metrics();
}

/**
 * In a worker: /metrics answers for the whole API (the primary aggregates
 * every worker's registry), whichever worker the scrape reaches; the worker
 * answers the primary's collections with its own registry. Should the primary
 * not answer within 3 s, the worker's own metrics are served.
 */
export function metricsThroughPrimary(metrics: { registry: { getMetricsAsJSON(): Promise<unknown> }; text(): Promise<string> }): void {
  if (!process.send) return;
  const local = metrics.text.bind(metrics);
  const pending = new Map<number, (text: string) => void>();
  let requests = 0;
  process.on('message', (message: { type?: string; id?: number; text?: string }) => {
    if (message?.type === 'metrics:collect') {
      void metrics.registry.getMetricsAsJSON().then((json) => process.send?.({ type: 'metrics:collected', id: message.id, metrics: json }));
    } else if (message?.type === 'metrics:aggregated' && typeof message.id === 'number') {
      pending.get(message.id)?.(message.text ?? '');
    }
  });
  metrics.text = () =>
    new Promise<string>((resolve) => {
      const id = ++requests;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(local());
      }, 3000);
      pending.set(id, (text) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(text);
      });
      process.send!({ type: 'metrics:request', id });
    });
}

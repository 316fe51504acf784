import { resolve } from 'node:path';
import { GROUP_COMMIT_DEFAULTS, GroupCommitOptions } from '@app/event-store/postgres-event-store';
import { loadSecurityConfig, SecurityConfig } from './http/security.config';
import { boolean, ConfigError, integer, oneOf } from './settings';

/** The setting primitives, for the modules that import them with the config. */
export { boolean, ConfigError, integer, oneOf };

/** Everything the processes read from the environment, validated once at start. */
export interface AppConfig {
  port: number;
  databaseUrl?: string;
  dataDir: string;
  schema: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** Projections run inside the API process unless a separate projector is deployed. */
  runProjections: boolean;
  /**
   * PROJECTIONS_THREAD: where an API process that runs the projections runs
   * them and the ledger sealer. 'on': in a worker thread of its own, off the
   * thread that answers requests (a server database only); 'off': on that
   * thread; 'auto' (default): the API's entry (main.ts) makes it 'on' for a
   * server database and 'off' for the embedded one, whose one connection
   * lives on the main thread. An application built in a test from a config
   * left at 'auto' runs them on its main thread.
   */
  projectionsThread?: 'auto' | 'on' | 'off';
  logLevel: string;
  /** Rate limits, CORS, proxies, retention (optional so hand-built configs in tests need not spell it). */
  security?: SecurityConfig;
  /** Minimum length of a motivation once trimmed (jury decisions, referent opinions); MOTIVATION_MIN_LENGTH, default 10. */
  motivationMinLength?: number;
  /** Where the key-encryption key of personal data comes from (optional for the same reason). */
  kek?: KekSettings;
  /** Batch sizes and retry delay of the projection runners (optional for the same reason: defaults then). */
  projections?: ProjectionSettings;
  /** Group commit of the event store (optional for the same reason: on, with its defaults). */
  eventStore?: EventStoreSettings;
}

/** Group commit of concurrent appends (docs/event-store.md "Group commit"). */
export interface EventStoreSettings {
  /** EVENT_STORE_GROUP_COMMIT, default true. */
  groupCommit: boolean;
  /** Most events one group writes (EVENT_STORE_GROUP_MAX, default 64). */
  groupMaxEvents: number;
  /** How long an append may wait for others when no group is committing (EVENT_STORE_GROUP_WAIT_MS, default 0). */
  groupWaitMs: number;
  /** Groups committing at the same time (EVENT_STORE_GROUP_CONCURRENCY, default 1; more start for a full queue or a stalled group). */
  groupConcurrency: number;
}

export function eventStoreSettings(env: NodeJS.ProcessEnv): EventStoreSettings {
  return {
    groupCommit: boolean(env, 'EVENT_STORE_GROUP_COMMIT', true),
    groupMaxEvents: integer(env, 'EVENT_STORE_GROUP_MAX', GROUP_COMMIT_DEFAULTS.maxEvents, 1, 10_000),
    groupWaitMs: integer(env, 'EVENT_STORE_GROUP_WAIT_MS', GROUP_COMMIT_DEFAULTS.maxWaitMs, 0, 1_000),
    groupConcurrency: integer(env, 'EVENT_STORE_GROUP_CONCURRENCY', GROUP_COMMIT_DEFAULTS.concurrency, 1, 64),
  };
}

/** The store's group-commit options from the settings (absent settings: the store's defaults). */
export function groupCommitOptions(settings: EventStoreSettings | undefined): GroupCommitOptions | false {
  if (!settings) return {};
  if (!settings.groupCommit) return false;
  return { maxEvents: settings.groupMaxEvents, maxWaitMs: settings.groupWaitMs, concurrency: settings.groupConcurrency };
}

export interface ProjectionSettings {
  /** Events per transaction while following the log (PROJECTION_BATCH_SIZE, default 500). */
  batchSize: number;
  /** Events per transaction while rebuilding (PROJECTION_REBUILD_BATCH_SIZE, default 5000). */
  rebuildBatchSize: number;
  /** Delay before a failed runner tries the same event again (PROJECTION_FAILURE_RETRY_MS, default 30000). */
  failureRetryMs: number;
  /** Least time between two batches while appends keep coming (PROJECTION_INTERVAL_MS, default PROJECTION_INTERVAL_DEFAULT_MS). */
  minIntervalMs: number;
  /** How long a live runner keeps fold states written behind before writing them all (PROJECTION_STATES_EVERY_MS, default PROJECTION_STATES_EVERY_DEFAULT_MS; 0: at every batch). */
  statesEveryMs: number;
}

/** See `SubscribeOptions.minIntervalMs`: how stale a read model may get under a steady flow of commands, for fewer transactions. */
export const PROJECTION_INTERVAL_DEFAULT_MS = 100;

/** See `RuntimeOptions.statesEveryMs`: a runner restarting after a crash folds at most these few seconds of the log again. */
export const PROJECTION_STATES_EVERY_DEFAULT_MS = 5000;

export function projectionSettings(env: NodeJS.ProcessEnv): ProjectionSettings {
  return {
    batchSize: integer(env, 'PROJECTION_BATCH_SIZE', 500, 1, 10_000),
    rebuildBatchSize: integer(env, 'PROJECTION_REBUILD_BATCH_SIZE', 5000, 1, 50_000),
    failureRetryMs: integer(env, 'PROJECTION_FAILURE_RETRY_MS', 30_000, 100, 3_600_000),
    minIntervalMs: integer(env, 'PROJECTION_INTERVAL_MS', PROJECTION_INTERVAL_DEFAULT_MS, 0, 10_000),
    statesEveryMs: integer(env, 'PROJECTION_STATES_EVERY_MS', PROJECTION_STATES_EVERY_DEFAULT_MS, 0, 600_000),
  };
}

/** Where the KEKs come from, as configured (paths only: files are read when the vault is built). */
export interface KekSettings {
  file?: string;
  previousFiles: string[];
  production: boolean;
}

export function kekSettings(env: NodeJS.ProcessEnv): KekSettings {
  const file = env.PERSONAL_DATA_KEK_FILE?.trim() || undefined;
  const previousFiles = (env.PERSONAL_DATA_KEK_PREVIOUS_FILES ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  if (previousFiles.length && !file) throw new ConfigError('PERSONAL_DATA_KEK_PREVIOUS_FILES is set without PERSONAL_DATA_KEK_FILE: the new KEK must be configured to rotate to it');
  return { file, previousFiles, production: env.NODE_ENV === 'production' };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    databaseUrl: optionalUrl(env, 'DATABASE_URL'),
    dataDir: resolve(env.DATA_DIR || './data'),
    schema: pattern(env, 'DATABASE_SCHEMA', 'public', /^[a-z_][a-z0-9_]{0,62}$/),
    poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    statementTimeoutMs: integer(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 15_000, 100, 600_000),
    runProjections: boolean(env, 'RUN_PROJECTIONS', true),
    projectionsThread: projectionsThread(env),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    security: loadSecurityConfig(env),
    motivationMinLength: integer(env, 'MOTIVATION_MIN_LENGTH', 10, 1, 500),
    kek: kekSettings(env),
    projections: projectionSettings(env),
    eventStore: eventStoreSettings(env),
  };
}

function projectionsThread(env: NodeJS.ProcessEnv): 'auto' | 'on' | 'off' {
  const value = oneOf(env, 'PROJECTIONS_THREAD', 'auto', ['auto', 'on', 'off']);
  if (value === 'on' && !env.DATABASE_URL) throw new ConfigError('PROJECTIONS_THREAD=on needs DATABASE_URL: the embedded database has one connection, on the main thread');
  return value;
}

/** Whether this process runs the projections and the ledger sealer in a worker thread (PROJECTIONS_THREAD, resolved). */
export function projectionsInThread(config: Pick<AppConfig, 'runProjections' | 'projectionsThread' | 'databaseUrl'>): boolean {
  return config.runProjections && config.projectionsThread === 'on' && config.databaseUrl !== undefined;
}

function pattern(env: NodeJS.ProcessEnv, name: string, fallback: string, re: RegExp): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!re.test(raw)) throw new ConfigError(`${name} is not valid: "${raw}"`);
  return raw;
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    const url = new URL(raw);
    if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error('protocol');
  } catch {
    throw new ConfigError(`${name} must be a postgres:// URL`);
  }
  return raw;
}

/** NODE_ENV=production: no development key is generated or trusted, every key comes from configuration. */
export function isProduction(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === 'production';
}

const set = (env: NodeJS.ProcessEnv, name: string) => (env[name] ?? '').trim() !== '';

/**
 * What production lacks, by setting name (empty when ready or outside
 * production): an identity provider with its issuer and audience, the
 * certifier's signing key, the key-encryption key of personal data, and the
 * key of the identity search index.
 */
export function missingProductionSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  if (!isProduction(env)) return [];
  const missing: string[] = [];
  if (!set(env, 'AUTH_JWKS_URL') && !set(env, 'AUTH_JWT_PUBLIC_KEY') && !set(env, 'AUTH_JWT_PUBLIC_KEY_FILE')) missing.push('AUTH_JWKS_URL or AUTH_JWT_PUBLIC_KEY(_FILE)');
  if (!set(env, 'AUTH_ISSUER')) missing.push('AUTH_ISSUER');
  if (!set(env, 'AUTH_AUDIENCE')) missing.push('AUTH_AUDIENCE');
  if (!set(env, 'SIGNING_KEY_FILE') && !set(env, 'SIGNING_KEY_PEM')) missing.push('SIGNING_KEY_FILE or SIGNING_KEY_PEM');
  if (!set(env, 'PERSONAL_DATA_KEK_FILE')) missing.push('PERSONAL_DATA_KEK_FILE');
  if (!set(env, 'BLIND_INDEX_KEY_FILE')) missing.push('BLIND_INDEX_KEY_FILE');
  return missing;
}

/** The one line an operator reads when production is not configured, or undefined when it is. */
export function productionRefusal(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = missingProductionSettings(env);
  if (missing.length === 0) return undefined;
  return `refusing to start with NODE_ENV=production: missing ${missing.join(', ')} (no development key is used in production; see docs/security.md "Production checklist")`;
}

/**
 * Called first by every entry point (API, projector, CLI): in production
 * without its keys the process stops with exit code 2 and one line on stderr,
 * before anything is generated under DATA_DIR.
 */
export function exitUnlessProductionReady(env: NodeJS.ProcessEnv = process.env): void {
  const refusal = productionRefusal(env);
  if (!refusal) return;
  process.stderr.write(`${refusal}\n`);
  process.exit(2);
}

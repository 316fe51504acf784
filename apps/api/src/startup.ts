import { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { AppConfig, projectionsInThread } from '@app/platform/config';
import { JsonLogger } from '@app/platform/observability/logger';

/**
 * What the API does around Nest at start: take the embedded data directory
 * before anything opens it, check a server database answers, report a failed
 * start in one line with an exit code, and say where it listens.
 */

/** A start that cannot succeed for a reason the operator fixes outside the process: one line, exit 2. */
export class StartupError extends Error {
  readonly exitCode = 2;
}

/** host:port/database of a PostgreSQL URL, never its user or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** One connection attempt before Nest boots, so that an unreachable server is one line naming DATABASE_URL, not a stack trace. */
export async function checkDatabaseReachable(config: AppConfig, timeoutMs = 5000): Promise<void> {
  if (!config.databaseUrl) return;
  const client = new Client({ connectionString: config.databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    let reason = e.code && /^E[A-Z]+$/.test(e.code) ? e.code : e.message;
    const password = safePassword(config.databaseUrl);
    if (password) reason = reason.split(password).join('***');
    throw new StartupError(`cannot reach the database named by DATABASE_URL (${describeDatabaseUrl(config.databaseUrl)}): ${reason}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function safePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/** The message and exit code of a failed start: 2 for what the operator must fix (setting, lock, unreachable database). */
export function startupFailure(error: unknown): { line: string; exitCode: number } {
  const name = (error as Error | undefined)?.name;
  if (name === 'ConfigError') return { line: `configuration error: ${(error as Error).message}`, exitCode: 2 };
  if (name === 'DataDirectoryLockedError' || error instanceof StartupError) return { line: `error: ${(error as Error).message}`, exitCode: 2 };
  return { line: (error as Error)?.stack ?? String(error), exitCode: 1 };
}

/**
 * In a terminal, Nest's start-up chatter (one line per module and per route)
 * is logged at debug, so that the few lines `announce` prints are what a
 * person sees; LOG_LEVEL=debug shows it all. Not on a terminal, the JSON log
 * is left as it was.
 */
export class StartupQuietLogger extends JsonLogger {
  private quiet = true;

  startedListening(): void {
    this.quiet = false;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    if (this.quiet) this.debug(message, ...rest);
    else super.log(message, ...rest);
  }
}

let quietLogger: StartupQuietLogger | null = null;

export function startupLogger(config: AppConfig): JsonLogger | null {
  if (config.logLevel === 'silent') return null;
  if (!process.stdout.isTTY) return new JsonLogger(config.logLevel);
  quietLogger = new StartupQuietLogger(config.logLevel);
  return quietLogger;
}

/** From here on, info lines are info again (requests, projections, shutdown). */
export function startedListening(): void {
  quietLogger?.startedListening();
}

/** The port actually bound (PORT=0 asks the system for a free one). */
export function boundPort(app: INestApplication): number {
  return (app.getHttpServer().address() as AddressInfo).port;
}

/** The lines a person starting the API reads: where it listens, which database, which token mode, where the docs are. */
export function startupLines(config: AppConfig, port: number, env: NodeJS.ProcessEnv = process.env, workers = 1): string[] {
  const base = `http://localhost:${port}`;
  const database = config.databaseUrl
    ? `PostgreSQL at ${describeDatabaseUrl(config.databaseUrl)}, schema ${config.schema}`
    : `embedded PostgreSQL (PGlite) in ${config.dataDir}, held by this process (stop it before running database commands of the CLI)`;
  const auth = loadAuthConfig(env, config.dataDir);
  const mode =
    auth.mode === 'development'
      ? 'development tokens, signed with the key under DATA_DIR (npm run -s token -- --sub <id> --role <role>)'
      : `tokens from the identity provider${auth.issuer ? ` ${auth.issuer}` : ''}`;
  return [
    `API listening on ${base} (pid ${process.pid})`,
    `  database: ${database}`,
    `  mode:     ${mode}${config.runProjections ? (workers > 1 ? ', projections in worker 1' : ', projections in this process') : ', projections in a separate projector'}${projectionsInThread(config) ? ' (on a thread of their own)' : ''}`,
    `  docs:     ${base}/docs (OpenAPI JSON at ${base}/docs-json), health at ${base}/health`,
  ];
}

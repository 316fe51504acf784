import { resolve } from 'node:path';
import { loadSecurityConfig, SecurityConfig } from './http/security.config';

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
  logLevel: string;
  /** Rate limits, CORS, proxies, retention (optional so hand-built configs in tests need not spell it). */
  security?: SecurityConfig;
  /** Minimum length of a motivation once trimmed (jury decisions, referent opinions); MOTIVATION_MIN_LENGTH, default 10. */
  motivationMinLength?: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
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
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    security: loadSecurityConfig(env),
    motivationMinLength: integer(env, 'MOTIVATION_MIN_LENGTH', 10, 1, 500),
  };
}

export function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
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

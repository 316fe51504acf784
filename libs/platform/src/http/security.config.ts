import { ConfigError, integer } from '../settings';

/** HTTP abuse limits, CORS, proxies and personal-data settings, read and checked once at start. */
export interface SecurityConfig {
  /** Requests per minute per authenticated user; 0 disables. */
  rateLimitPerMinuteUser: number;
  /** Requests per minute per client address, counted before authentication; 0 disables. */
  rateLimitPerMinuteIp: number;
  /** Origins allowed by CORS; empty: CORS closed (no Access-Control-* headers at all). `['*']`: any origin. */
  corsOrigins: string[];
  /** Which proxies to trust for the client address (Fastify's `trustProxy`): false, true, a hop count, or a list of proxy addresses/subnets. */
  trustProxy: boolean | number | string;
  /** Years after the candidate file's last event before personal data may be erased without an override. */
  retentionYears: number;
  /** Longest wait for a request's headers before 408 and close (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Longest wait for a whole request, body included, before 408 and close (Node's requestTimeout). */
  bodyTimeoutMs: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  jsonMaxDepth: number;
  /** Secret for regulator pseudonyms (HMAC-SHA-256 of the candidate id); unset: a key kept in the database. */
  pseudonymKey?: Buffer;
}

export function loadSecurityConfig(env: NodeJS.ProcessEnv = process.env): SecurityConfig {
  return {
    // Sized for a back office of tens of people: a page costs a few requests, a script or a flood many more.
    rateLimitPerMinuteUser: integer(env, 'RATE_LIMIT_PER_MINUTE_USER', DEFAULT_RATE_LIMIT_PER_MINUTE_USER, 0, 10_000_000),
    rateLimitPerMinuteIp: integer(env, 'RATE_LIMIT_PER_MINUTE_IP', DEFAULT_RATE_LIMIT_PER_MINUTE_IP, 0, 10_000_000),
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    trustProxy: trustProxy(env.TRUST_PROXY),
    retentionYears: integer(env, 'RETENTION_YEARS', 5, 0, 100),
    pseudonymKey: pseudonymKey(env.PSEUDONYM_KEY),
    ...timeouts(env),
    jsonMaxDepth: integer(env, 'HTTP_JSON_MAX_DEPTH', 32, 4, 256),
  };
}

export const DEFAULT_RATE_LIMIT_PER_MINUTE_USER = 600;
export const DEFAULT_RATE_LIMIT_PER_MINUTE_IP = 1_200;

function timeouts(env: NodeJS.ProcessEnv): { headersTimeoutMs: number; bodyTimeoutMs: number } {
  const headersTimeoutMs = integer(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 1_000, 120_000);
  const bodyTimeoutMs = integer(env, 'HTTP_BODY_TIMEOUT_MS', 30_000, 1_000, 600_000);
  if (headersTimeoutMs > bodyTimeoutMs) throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed HTTP_BODY_TIMEOUT_MS (${bodyTimeoutMs}): the body timeout counts from the first byte of the request`);
  return { headersTimeoutMs, bodyTimeoutMs };
}

function corsOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const origins = raw.split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.includes('*')) {
    if (origins.length > 1) throw new ConfigError('CORS_ORIGINS: "*" cannot be combined with other origins');
    return ['*'];
  }
  for (const origin of origins) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port])`);
    }
    // Browsers send the origin exactly as scheme://host[:port]: anything else would never match.
    if (!/^https?:$/.test(url.protocol) || url.origin !== origin) {
      throw new ConfigError(`CORS_ORIGINS: "${origin}" is not an origin (scheme://host[:port], no path or trailing slash)`);
    }
  }
  return origins;
}

function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw.trim() === '' || /^(false|0|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  const parts = raw.split(',').map((p) => p.trim());
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  if (parts.every((p) => named.includes(p) || /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(p))) return parts.join(',');
  throw new ConfigError(`TRUST_PROXY must be true, false, a hop count, or addresses/subnets (loopback, 10.0.0.0/8, ...), got "${raw}"`);
}

function pseudonymKey(raw: string | undefined): Buffer | undefined {
  if (raw === undefined || raw === '') return undefined;
  const bytes = /^[0-9a-fA-F]+$/.test(raw) && raw.length % 2 === 0 ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (bytes.length < 32) throw new ConfigError('PSEUDONYM_KEY must hold at least 32 bytes (64 hex characters or 44 base64 characters)');
  return bytes;
}

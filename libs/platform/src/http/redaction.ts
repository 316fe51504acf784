/**
 * What must never reach a log line: credentials (tokens, cookies, keys) and
 * candidates' personal data (identity, health-related free text). Loggers and
 * error reporters pass anything structured through `redact`, and free text
 * through `redactText`; `REDACT_PATHS` is the same list in pino's `redact`
 * option syntax for a pino-based logger.
 */
export const REDACTED = '[redacted]';

/** Credentials, matched case-insensitively on the key name, at any depth. */
export const SECRET_KEYS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'token', 'access_token', 'refresh_token', 'id_token', 'password', 'secret', 'privateKey', 'private_key', 'data_key', 'dataKey'];

/** Personal data of candidates (docs/events.md "Sealed" fields and the API bodies that carry them). */
export const PERSONAL_KEYS = ['givenName', 'familyName', 'birthDate', 'email', 'identity', 'justification', 'details', 'motivation', 'note', 'comment'];

/** pino `redact.paths` equivalent (pino matches keys exactly: the names as the API spells them). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'req.body',
  'req.query',
  'res.body',
  ...[...SECRET_KEYS, ...PERSONAL_KEYS].map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `*.${k}` : `*["${k}"]`)),
];

const SENSITIVE = new Set([...SECRET_KEYS, ...PERSONAL_KEYS].map((k) => k.toLowerCase()));

const TEXT_PATTERNS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9_\-.~+/]+=*/gi, `$1 ${REDACTED}`],
  // A JWT/JWS anywhere (three base64url parts, the first one a JSON header).
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  [/[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g, '[email]'],
];

export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of TEXT_PATTERNS) out = out.replace(re, replacement);
  return out;
}

/**
 * A copy of `value` fit for a log: sensitive keys replaced, sealed payloads
 * reduced to their key id, strings scrubbed, depth and size bounded.
 */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value.length > 2000 ? `${value.slice(0, 2000)}…` : value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= 8) return '[depth]';
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1, seen));
  const record = value as Record<string, unknown>;
  if (record.alg === 'A256GCM' && typeof record.ct === 'string') return `[sealed:${String(record.kid)}]`;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record).slice(0, 100)) out[key] = SENSITIVE.has(key.toLowerCase()) ? REDACTED : redact(v, depth + 1, seen);
  return out;
}

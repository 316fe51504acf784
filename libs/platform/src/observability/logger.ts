import { LoggerService } from '@nestjs/common';
import pino, { Logger as Pino } from 'pino';
import { REDACT_PATHS } from '../http/redaction';

/** pino's numeric levels, so that pino tooling (pino-pretty, log shippers) reads these lines as its own. */
export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LevelName = keyof typeof LEVELS;

export interface LogSink {
  write(line: string): unknown;
}

/** Bearer tokens and JWTs never reach the log, whatever a message happens to contain. */
const SECRETS: Array<[RegExp, string]> = [
  [/Bearer\s+[A-Za-z0-9_\-.~+/]+=*/gi, 'Bearer [redacted]'],
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
];

export function scrub(text: string): string {
  let out = text;
  for (const [re, replacement] of SECRETS) out = out.replace(re, replacement);
  return out;
}

/**
 * Structured JSON logs through pino, one line per record (`level`, `time`,
 * `pid`, `hostname`, `msg` and the record's fields), with the redaction paths
 * of the security work (tokens, cookies, bodies, personal fields) and tokens
 * scrubbed from messages. Also Nest's LoggerService, so framework messages
 * come out the same way; on a terminal the lines go through pino-pretty.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(
    level: string,
    sink: LogSink = defaultSink(),
    bindings: Record<string, unknown> = {},
  ) {
    const known = (level as LevelName) in LEVELS ? level : 'info';
    this.pino = pino({ level: known, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => sink.write(line) }).child(bindings);
  }

  isEnabled(level: LevelName): boolean {
    return level !== 'silent' && this.pino.isLevelEnabled(level);
  }

  /** A record with structured fields (the request log uses this). */
  write(level: Exclude<LevelName, 'silent'>, fields: Record<string, unknown>, msg: string): void {
    if (!this.isEnabled(level)) return;
    this.pino[level](fields, scrub(msg));
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.nest('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.nest('error', message, rest, true);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.nest('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.nest('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.nest('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.nest('fatal', message, rest, true);
  }

  /** Nest calls (message, ...optionalParams, context); errors add a stack before the context. */
  private nest(level: Exclude<LevelName, 'silent'>, message: unknown, rest: unknown[], mayHaveStack = false): void {
    if (!this.isEnabled(level)) return;
    const params = [...rest];
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (mayHaveStack && typeof params[0] === 'string' && params[0].includes('\n    at ')) fields.stack = scrub(params.shift() as string);
    if (message instanceof Error) {
      fields.err = { type: message.name, message: scrub(message.message), stack: message.stack ? scrub(message.stack) : undefined };
      this.write(level, fields, message.message);
      return;
    }
    if (message !== null && typeof message === 'object') {
      this.write(level, { ...fields, data: message }, '');
      return;
    }
    this.write(level, fields, String(message));
  }
}

/** stdout; human-readable through pino-pretty when stdout is a terminal (and pino-pretty is installed). */
export function defaultSink(): LogSink {
  if (process.stdout.isTTY) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pretty = require('pino-pretty') as (options: Record<string, unknown>) => LogSink;
      return pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
    } catch {
      // a production image without dev dependencies: JSON it is
    }
  }
  return { write: (line) => process.stdout.write(line) };
}

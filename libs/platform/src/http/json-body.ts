import type { IncomingMessage } from 'node:http';

/**
 * Checks a raw JSON body before anything parses it: nesting depth, and
 * strings that would hold a lone UTF-16 surrogate once parsed (`"\ud800"`,
 * which PostgreSQL's jsonb refuses and no text of ours needs). One pass over
 * the bytes with a counter, no recursion, so a hostile body costs
 * microseconds per kilobyte and never the stack. Anything structurally
 * broken is left to JSON.parse, which answers 400 as well.
 */
export class HostileBodyError extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly type = 'entity.hostile';
  /** Never the body itself: only what rule it broke. */
  constructor(message: string) {
    super(message);
    this.name = 'HostileBodyError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const U = 0x75;

function hex4(buf: Uint8Array, at: number): number {
  if (at + 4 > buf.length) return -1;
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = buf[i];
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Returns the rule the body breaks, or undefined. UTF-8 multi-byte sequences never contain these ASCII bytes, so a byte scan is exact. */
export function hostileJsonProblem(buf: Uint8Array, maxDepth: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === QUOTE) inString = false;
      else if (c === BACKSLASH) {
        if (buf[i + 1] !== U) {
          i++; // \" \\ \n ...: skip the escaped character
          continue;
        }
        const unit = hex4(buf, i + 2);
        if (unit < 0) return undefined; // malformed escape: JSON.parse refuses it
        i += 5;
        if (unit >= 0xdc00 && unit <= 0xdfff) return 'a string holds a lone UTF-16 surrogate (invalid Unicode)';
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = buf[i + 1] === BACKSLASH && buf[i + 2] === U ? hex4(buf, i + 3) : -1;
          if (low < 0xdc00 || low > 0xdfff) return 'a string holds a lone UTF-16 surrogate (invalid Unicode)';
          i += 6;
        }
      }
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return `JSON nested deeper than ${maxDepth} levels`;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return undefined;
}

/** body-parser's `verify` hook: runs on the raw bytes after the size limit, before JSON.parse. */
export function hostileJsonGuard(maxDepth: number) {
  return (_req: IncomingMessage, _res: unknown, buf: Buffer): void => {
    const problem = hostileJsonProblem(buf, maxDepth);
    if (problem) throw new HostileBodyError(`malformed request body: ${problem}`);
  };
}

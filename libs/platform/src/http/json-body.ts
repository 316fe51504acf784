import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

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
  readonly expose = true;
  readonly type = 'entity.hostile';
  /** Never the body itself: only what rule it broke. */
  constructor(message: string) {
    super(message);
    this.name = 'HostileBodyError';
  }
}

/**
 * A body the API cannot read: malformed JSON (400), too large (413), a
 * charset or content encoding it does not decode (415). The message names the
 * fault, never the body; the errors filter maps the status to its code.
 */
export class BodyError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
  get statusCode(): number {
    return this.status;
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

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * A JSON body as the API reads it: empty is `{}`, only an object or an array
 * at the top (strict), the hostile-body scan on the raw bytes, then JSON.parse.
 */
export function parseJsonBody(buf: Buffer, maxDepth: number): unknown {
  let first = 0;
  while (first < buf.length && WHITESPACE.has(buf[first])) first++;
  if (first === buf.length) return {};
  if (buf[first] !== OPEN_OBJECT && buf[first] !== OPEN_ARRAY) throw new BodyError(400, 'entity.parse.failed', 'malformed request body: not valid JSON');
  const problem = hostileJsonProblem(buf, maxDepth);
  if (problem) throw new HostileBodyError(`malformed request body: ${problem}`);
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new BodyError(400, 'entity.parse.failed', 'malformed request body: not valid JSON');
  }
}

/** The charset parameter of a Content-Type, lower-cased (undefined when absent). */
function charsetOf(contentType: string | undefined): string | undefined {
  const m = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return m ? m[1].toLowerCase() : undefined;
}

/** Undoes a gzip, deflate or br Content-Encoding, never past `limit` bytes (413 beyond); any other encoding is 415. */
export function decodeContent(req: Pick<IncomingMessage, 'headers'>, raw: Buffer, limit: number): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity') return raw;
  const inflate = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipSync : encoding === 'deflate' ? inflateSync : encoding === 'br' ? brotliDecompressSync : null;
  if (!inflate) throw new BodyError(415, 'encoding.unsupported', `unsupported content encoding "${encoding.slice(0, 20)}"`);
  try {
    return inflate(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw new BodyError(413, 'entity.too.large', 'request entity too large');
    throw new BodyError(400, 'entity.parse.failed', 'malformed request body: not valid JSON');
  }
}

/** A route that reads its body as text (e.g. an XML document as received), with its own types and limit. */
export interface TextBodyRoute {
  method: string;
  /** The route template, as the router holds it: `/v1/exports/accrochage/reports`. */
  url: string;
  /** Media types (`application/*+xml` allowed) read as text on that route. */
  types: string[];
  limit: number;
}

function typeMatches(essence: string, pattern: string): boolean {
  if (!pattern.includes('*')) return essence === pattern;
  const [type, sub] = pattern.split('/');
  const [t, s] = essence.split('/');
  return t === type && !!s && (sub === '*' || (sub.startsWith('*+') && s.endsWith(sub.slice(1))));
}

function readLimited(stream: NodeJS.ReadableStream, limit: number, declared: number, done: (err: Error | null, body?: Buffer) => void): void {
  if (declared > limit) {
    (stream as NodeJS.ReadableStream & { resume(): void }).resume();
    return done(new BodyError(413, 'entity.too.large', 'request entity too large'));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    done(err, body);
  };
  stream.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) return finish(new BodyError(413, 'entity.too.large', 'request entity too large'));
    chunks.push(chunk);
  });
  stream.on('end', () => finish(null, Buffer.concat(chunks, size)));
  stream.on('error', (err: Error) => finish(err));
}

/**
 * The API's body parsers, in place of Fastify's own: JSON (`application/json`)
 * within `jsonLimit` through `parseJsonBody`, UTF-8 only (415 for another
 * charset), gzip/deflate/br decoded; the text bodies of the routes that read
 * text; any other body is not read and the handler sees none (the route's
 * validation answers 400), as no route reads it.
 */
export function registerBodyParsers(fastify: FastifyInstance, options: { jsonLimit: number; maxDepth: number; textRoutes?: TextBodyRoute[] }): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.jsonLimit }, (req: FastifyRequest, raw: Buffer, done) => {
    try {
      const charset = charsetOf(req.headers['content-type']);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new BodyError(415, 'charset.unsupported', `unsupported charset "${charset.slice(0, 20).toUpperCase()}"`);
      done(null, parseJsonBody(decodeContent(req.raw, raw, options.jsonLimit), options.maxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const textRoutes = options.textRoutes ?? [];
  fastify.addContentTypeParser('*', (req: FastifyRequest, payload, done) => {
    const essence = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const route = textRoutes.find((r) => r.method === req.method && r.url === req.routeOptions.url && r.types.some((t) => typeMatches(essence, t)));
    if (!route) {
      // Not read: dropped as it arrives, and the handler sees no body.
      payload.resume();
      return done(null, undefined);
    }
    readLimited(payload, route.limit, Number(req.headers['content-length'] ?? 0), (err, raw) => {
      if (err) return done(err, undefined);
      try {
        const charset = charsetOf(req.headers['content-type']);
        const decoded = decodeContent(req.raw, raw!, route.limit);
        done(null, decoded.toString(charset === 'latin1' || charset === 'iso-8859-1' ? 'latin1' : 'utf8'));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  });
}

import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import type { AppConfig } from '../config';
import { registerBodyParsers, type TextBodyRoute } from './json-body';
import { RateLimits } from './rate-limit';
import { loadSecurityConfig } from './security.config';

/** Largest JSON body accepted (413 PAYLOAD_TOO_LARGE beyond). */
export const JSON_BODY_LIMIT = 256 * 1024;

/**
 * The Fastify instance the API runs on: which client address to trust, and
 * how the router treats paths. A malformed percent-encoding in the path is
 * answered here, before routing, with the error body of docs/api.md and
 * without echoing the URL (it may carry a token or an email pasted into it).
 */
export function httpAdapter(config: AppConfig): FastifyAdapter {
  const security = config.security ?? loadSecurityConfig({});
  return new FastifyAdapter({
    // A hop count is accepted at run time, as by Express (the type omits it).
    trustProxy: security.trustProxy as boolean | string,
    bodyLimit: JSON_BODY_LIMIT,
    // Express's routing matched `/v1/x/` as `/v1/x`; ids are at most a few hundred characters.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1_000 },
    frameworkErrors: (error: Error & { statusCode?: number }, _req: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      if (status >= 500) return void reply.code(500).send({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error' });
      if (status === 414) return void reply.code(414).send({ statusCode: 414, code: 'BAD_REQUEST', message: 'a path parameter is too long' });
      void reply.code(400).send({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed URL encoding' });
    },
  });
}

/**
 * What every response goes through before routing: the per-address rate
 * limit, security headers, and CORS (closed unless CORS_ORIGINS names
 * origins). All are `onRequest` hooks, which run before the body is read, so a
 * flood is refused before its body costs anything.
 */
export async function applyHttpSecurity(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const security = config.security ?? loadSecurityConfig({});
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const limits = app.get(RateLimits);
  if (limits.ip) fastify.addHook('onRequest', limits.ipHook());
  // Helmet's defaults (CSP 'self', no sniffing, frame denial, HSTS...) suit an API and Swagger UI alike.
  const headers = SECURITY_HEADERS;
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.headers(headers);
    // Answers may carry personal data: no shared cache keeps them.
    if (req.url.startsWith('/v1/')) void reply.header('Cache-Control', 'no-store');
    done();
  });
  if (security.corsOrigins.length > 0) {
    app.enableCors({
      origin: security.corsOrigins[0] === '*' ? '*' : security.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Correlation-Id', 'X-Min-Position'],
      exposedHeaders: ['ETag', 'Retry-After', 'Idempotent-Replayed', 'Location'],
      // Bearer tokens, not cookies: credentials mode is never needed.
      credentials: false,
      maxAge: 600,
    });
  }
}

/**
 * The security headers of helmet's defaults, worked out once: they depend on
 * no request, and building helmet's middleware for each request (as its
 * Fastify plugin does) parsed the CSP directives anew every time.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let done = false;
  helmet()({} as never, response as never, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  if (!done) throw new Error('helmet did not set its headers synchronously');
  return Object.freeze(headers);
})();

/**
 * How much a client may make the server wait or work before its request is
 * refused: the body parsers with their size limits and the raw-body check
 * (depth, lone surrogates) that runs before JSON.parse, validation and
 * idempotency hashing; and the server's timeouts, so that a client trickling
 * headers or a body (with or without a token) is answered 408 and
 * disconnected instead of holding a connection for minutes.
 */
export function applyRequestLimits(app: NestFastifyApplication, config: AppConfig, textRoutes: TextBodyRoute[] = []): void {
  const security = config.security ?? loadSecurityConfig({});
  registerBodyParsers(app.getHttpAdapter().getInstance() as FastifyInstance, { jsonLimit: JSON_BODY_LIMIT, maxDepth: security.jsonMaxDepth, textRoutes });
  const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
  server.headersTimeout = security.headersTimeoutMs;
  server.requestTimeout = security.bodyTimeoutMs;
  // Node checks both timeouts on this period (30 s by default), read when the server starts listening.
  server.connectionsCheckingInterval = Math.min(1_000, security.headersTimeoutMs);
}

import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config';
import type { Server } from 'node:http';
import { hostileJsonGuard } from './json-body';
import { RateLimits } from './rate-limit';
import { loadSecurityConfig } from './security.config';

/**
 * What every response goes through before routing: which client address to
 * trust, the per-address rate limit, security headers, and CORS (closed
 * unless CORS_ORIGINS names origins). Called by bootstrap before the body
 * parser, so a flood is refused before its body is read.
 */
export function applyHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  const security = config.security ?? loadSecurityConfig({});
  app.set('trust proxy', security.trustProxy);
  app.use(app.get(RateLimits).ipMiddleware());
  // Helmet's defaults (CSP 'self', no sniffing, frame denial, HSTS...) suit an API and Swagger UI alike.
  app.use(helmet());
  app.use((req: Request, res: Response, next: NextFunction) => {
    // Answers may carry personal data: no shared cache keeps them.
    if (req.path.startsWith('/v1/')) res.setHeader('Cache-Control', 'no-store');
    next();
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

/** Largest JSON body accepted (413 PAYLOAD_TOO_LARGE beyond). */
export const JSON_BODY_LIMIT = '256kb';

/**
 * How much a client may make the server wait or work before its request is
 * refused: the JSON body parser with its size limit and the raw-body check
 * (depth, lone surrogates) that runs before JSON.parse, validation and
 * idempotency hashing; and the server's timeouts, so that a client trickling
 * headers or a body (with or without a token) is answered 408 and
 * disconnected instead of holding a connection for minutes.
 */
export function applyRequestLimits(app: NestExpressApplication, config: AppConfig): void {
  const security = config.security ?? loadSecurityConfig({});
  app.use(json({ limit: JSON_BODY_LIMIT, strict: true, verify: hostileJsonGuard(security.jsonMaxDepth) }));
  const server = app.getHttpServer() as Server & { connectionsCheckingInterval: number };
  server.headersTimeout = security.headersTimeoutMs;
  server.requestTimeout = security.bodyTimeoutMs;
  // Node checks both timeouts on this period (30 s by default), read when the server starts listening.
  server.connectionsCheckingInterval = Math.min(1_000, security.headersTimeoutMs);
}

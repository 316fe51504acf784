import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config';
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

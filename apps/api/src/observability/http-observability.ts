import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthenticatedRequest } from '@app/platform/auth/roles';
import { JsonLogger } from '@app/platform/observability/logger';
import { Metrics } from '@app/platform/observability/metrics';

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;
export const CORRELATION_HEADER = 'x-correlation-id';

type Observed = FastifyRequest & AuthenticatedRequest & { observedAt: number; observed: boolean };

/**
 * The first hooks of the app: give every request a correlation id (the
 * client's X-Correlation-Id when well-formed, else a new one), echo it, and
 * when the response is done record its latency under the route *template*
 * (bounded label set) and write one log line. The line holds no header, no
 * body and no query string: tokens and personal data cannot leak through it.
 * Call before any other hook, so refused requests are measured too.
 */
export function installHttpObservability(fastify: FastifyInstance, metrics: Metrics, logger: JsonLogger | null): void {
  // Declared once, so every request object has the same shape (the guard fills the others).
  fastify.decorateRequest('observedAt', 0);
  fastify.decorateRequest('observed', false);
  fastify.decorateRequest('principal', undefined);
  fastify.decorateRequest('actingRole', undefined);
  fastify.decorateRequest('grantedRoles', undefined);
  fastify.decorateRequest('commandMeta', undefined);

  const finish = (req: Observed, status: number): void => {
    if (req.observed) return;
    req.observed = true;
    const seconds = (performance.now() - req.observedAt) / 1000;
    const route = routeTemplate(req);
    metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
    if (!logger) return;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (!logger.isEnabled(level)) return;
    const responseTime = Math.round(seconds * 1e4) / 10;
    logger.write(
      level,
      {
        correlationId: req.headers[CORRELATION_HEADER] as string,
        userId: req.principal?.id ?? null,
        role: req.actingRole ?? null,
        // The template only: a concrete path may carry a token or an email someone pasted into it.
        req: { method: req.method, route },
        res: { statusCode: status },
        responseTime,
      },
      `${req.method} ${route} ${status} ${responseTime} ms`,
    );
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    const req = request as Observed;
    req.observedAt = performance.now();
    const given = req.headers[CORRELATION_HEADER];
    const correlationId = typeof given === 'string' && CORRELATION.test(given) ? given : randomUUID();
    // Commands read the header too (CommandMeta): the events they write carry the same id as the log line.
    req.headers[CORRELATION_HEADER] = correlationId;
    void reply.header('X-Correlation-Id', correlationId);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    // The response is sent (or failed to be: then the status it was sent with).
    finish(request as Observed, reply.statusCode);
    done();
  });
  // The client went away before the answer: 499, as the proxies say.
  fastify.addHook('onRequestAbort', (request, done) => {
    finish(request as Observed, 499);
    done();
  });
}

/** `/v1/candidates/:id/progress`, never the concrete path (ids would explode the label set). */
export function routeTemplate(req: FastifyRequest): string {
  if (req.is404) return 'unmatched';
  const url = req.routeOptions?.url;
  return typeof url === 'string' ? url : 'unmatched';
}

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AuthenticatedRequest } from '@app/platform/auth/roles';
import { JsonLogger } from '@app/platform/observability/logger';
import { Metrics } from '@app/platform/observability/metrics';

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;
export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * First middleware of the app: gives every request a correlation id (the
 * client's X-Correlation-Id when well-formed, else a new one), echoes it, and
 * when the response is done records its latency under the route *template*
 * (bounded label set) and writes one log line. The line holds no header,
 * no body and no query string: tokens and personal data cannot leak through it.
 */
export function httpObservability(metrics: Metrics, logger: JsonLogger | null) {
  return (req: Request & AuthenticatedRequest, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const given = req.headers[CORRELATION_HEADER];
    const correlationId = typeof given === 'string' && CORRELATION.test(given) ? given : randomUUID();
    // Commands read the header too (CommandMeta): the events they write carry the same id as the log line.
    req.headers[CORRELATION_HEADER] = correlationId;
    res.setHeader('X-Correlation-Id', correlationId);
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeTemplate(req);
      const status = aborted && !res.writableFinished ? 499 : res.statusCode;
      metrics.httpDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      if (!logger) return;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      const responseTime = Math.round(seconds * 1e4) / 10;
      logger.write(
        level,
        {
          correlationId,
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
    res.once('finish', () => finish(false));
    res.once('close', () => finish(true));
    next();
  };
}

/** `/v1/candidates/:id/progress`, never the concrete path (ids would explode the label set). */
export function routeTemplate(req: Request): string {
  const path = (req as Request & { route?: { path?: unknown } }).route?.path;
  if (typeof path === 'string') return `${req.baseUrl ?? ''}${path}`;
  return 'unmatched';
}

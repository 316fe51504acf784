import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ConcurrencyError, EventStoreInputError, StoreUnavailableError } from '@app/event-store/event-store';
import { translate } from '@app/event-store/postgres-event-store';
import { ERROR_CODES, ErrorCode, GENERIC_CODE, STATUS_OF_KIND } from '@app/domain/shared/error-codes';
import { DomainError } from '@app/domain/shared/errors';
import { ReplayedAnswer } from '../commands/idempotency';

export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** One place maps every failure to docs/api.md's error body; bad input never becomes a 500. It also sends an Idempotency-Key's replayed answer. */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof ReplayedAnswer) {
      // Not a failure: the first answer under this Idempotency-Key, again (CommandGuard); its ETag is set as any 201's.
      if (!reply.sent) void reply.code(201).header('Idempotent-Replayed', 'true').send(exception.body);
      return;
    }
    const body = this.toBody(exception);
    if (body.statusCode >= 500 && body.statusCode !== 503) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (reply.sent || reply.raw.headersSent) return;
    if (body.statusCode === 503) void reply.header('Retry-After', '2');
    // A route may have set a content type for its success (a CSV, a PEM): the error is JSON.
    void reply.code(body.statusCode).header('Content-Type', 'application/json; charset=utf-8').send(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return { statusCode: STATUS_OF_KIND[exception.kind], code: exception.code, message: exception.message, ...(exception.details !== undefined ? { details: exception.details } : {}) };
    }
    if (exception instanceof ConcurrencyError) return { statusCode: 409, code: 'CONCURRENCY_CONFLICT', message: exception.message };
    if (exception instanceof EventStoreInputError) return { statusCode: 400, code: 'VALIDATION_FAILED', message: exception.message };
    // Before the database translation: a parser's message ("Unterminated string...") must not read as a lost connection.
    const body = bodyFault(exception);
    if (body) return body;
    const translated = translate(exception);
    if (translated instanceof StoreUnavailableError) return { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'the database is unavailable, retry shortly' };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // URL-decoding faults (a malformed %-escape); their messages quote the input (possibly personal data): never echo it.
      const cause = exception.cause as { name?: string } | undefined;
      if (status === 400 && cause?.name === 'URIError') return { statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed URL encoding' };
      const response = exception.getResponse() as string | { code?: string; message?: string | string[]; details?: unknown };
      if (typeof response === 'object' && isErrorCode(response.code)) {
        return { statusCode: status, code: response.code, message: String(response.message), ...(response.details !== undefined ? { details: response.details } : {}) };
      }
      const message = typeof response === 'string' ? response : Array.isArray(response.message) ? response.message.join('; ') : String(response.message ?? exception.message);
      return { statusCode: status, code: codeFor(status), message };
    }
    // Body errors (malformed JSON, too large, bad charset) carry a status of their own.
    const e = exception as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // The parser's own message quotes the body (possibly personal data, possibly markup): never echo it.
      const message = status === 400 ? 'malformed request body' : e.message ?? 'bad request';
      return { statusCode: status, code: codeFor(status), message };
    }
    return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error' };
  }
}

/**
 * Faults of the JSON body (hostile, malformed, too large), as the body parser
 * reports them directly or wrapped by Nest in an HttpException. Their own
 * messages quote the input (possibly personal data, possibly markup): only the
 * hostile-body check's message, which names a rule, is passed on.
 */
function bodyFault(exception: unknown): ErrorBody | undefined {
  const cause = exception instanceof HttpException ? (exception.cause as { type?: string; name?: string; message?: string } | undefined) : undefined;
  const e = (cause ?? exception) as { type?: string; name?: string; message?: string; status?: number };
  if (!e || typeof e !== 'object') return undefined;
  if (e.type === 'entity.hostile') return { statusCode: 400, code: 'VALIDATION_FAILED', message: String(e.message) };
  if (e.type === 'entity.parse.failed' || (cause && e.name === 'SyntaxError')) return { statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed request body: not valid JSON' };
  return undefined;
}

function codeFor(status: number): ErrorCode {
  return GENERIC_CODE[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ConcurrencyError, EventStoreInputError, StoreUnavailableError } from '@app/event-store/event-store';
import { translate } from '@app/event-store/postgres-event-store';
import { DomainError, ErrorKind } from '@app/domain/shared/errors';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
}

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  precondition: 412,
  rule: 422,
};

/** One place maps every failure to docs/api.md's error body; bad input never becomes a 500. */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode === 503) res.setHeader('Retry-After', '2');
    if (body.statusCode >= 500 && body.statusCode !== 503) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (res.headersSent) return;
    res.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return { statusCode: STATUS[exception.kind], code: exception.code, message: exception.message, ...(exception.details !== undefined ? { details: exception.details } : {}) };
    }
    if (exception instanceof ConcurrencyError) return { statusCode: 409, code: exception.code, message: exception.message };
    if (exception instanceof EventStoreInputError) return { statusCode: 400, code: 'VALIDATION_FAILED', message: exception.message };
    // Before the database translation: a parser's message ("Unterminated string...") must not read as a lost connection.
    const body = bodyFault(exception);
    if (body) return body;
    const translated = translate(exception);
    if (translated instanceof StoreUnavailableError) return { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'the database is unavailable, retry shortly' };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Express wraps body-parser and URL-decoding faults; their messages quote the input (possibly personal data): never echo it.
      const cause = exception.cause as { type?: string; name?: string } | undefined;
      if (status === 400 && cause && (cause.type === 'entity.parse.failed' || cause.name === 'SyntaxError')) {
        return { statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed request body: not valid JSON' };
      }
      if (status === 400 && cause?.name === 'URIError') return { statusCode: 400, code: 'VALIDATION_FAILED', message: 'malformed URL encoding' };
      const response = exception.getResponse() as string | { code?: string; message?: string | string[]; details?: unknown };
      if (typeof response === 'object' && response.code) {
        return { statusCode: status, code: response.code, message: String(response.message), ...(response.details !== undefined ? { details: response.details } : {}) };
      }
      const message = typeof response === 'string' ? response : Array.isArray(response.message) ? response.message.join('; ') : String(response.message ?? exception.message);
      return { statusCode: status, code: codeFor(status), message };
    }
    // body-parser errors (malformed JSON, too large, bad charset) carry a status of their own.
    const e = exception as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e?.status ?? e?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // The parser's own message quotes the body (possibly personal data, possibly markup): never echo it.
      const message = e.type === 'entity.parse.failed' ? 'malformed request body: not valid JSON' : status === 400 ? 'malformed request body' : e.message ?? 'bad request';
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

function codeFor(status: number): string {
  switch (status) {
    case HttpStatus.BAD_REQUEST:
      return 'VALIDATION_FAILED';
    case HttpStatus.UNAUTHORIZED:
      return 'UNAUTHENTICATED';
    case HttpStatus.FORBIDDEN:
      return 'FORBIDDEN';
    case HttpStatus.NOT_FOUND:
      return 'NOT_FOUND';
    case HttpStatus.CONFLICT:
      return 'CONFLICT';
    case HttpStatus.PRECONDITION_FAILED:
      return 'PRECONDITION_FAILED';
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return 'PAYLOAD_TOO_LARGE';
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case HttpStatus.TOO_MANY_REQUESTS:
      return 'RATE_LIMITED';
    case HttpStatus.SERVICE_UNAVAILABLE:
      return 'SERVICE_UNAVAILABLE';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  }
}


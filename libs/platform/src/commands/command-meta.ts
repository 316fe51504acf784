import { createParamDecorator, ExecutionContext, HttpException, HttpStatus } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Actor } from '@app/domain/shared/decider';
import { AuthenticatedRequest } from '../auth/roles';

/** What every command carries besides its body: who, under which correlation, with which preconditions. */
export interface CommandMeta {
  actor: Actor;
  /** Correlates every event of one user action (X-Correlation-Id, or new). */
  correlationId: string;
  /** This command's own id: the causation id of the events it writes. */
  commandId: string;
  /** From If-Match: the stream version the client last saw. */
  ifMatch?: number;
  /** From Idempotency-Key: makes event ids deterministic so a retried command writes nothing new. */
  idempotencyKey?: string;
}

const CORRELATION = /^[A-Za-z0-9._:-]{1,100}$/;
const IDEMPOTENCY = /^[\x21-\x7e]{1,200}$/;

/** A header's value as one string (repeated headers are joined by Node), or undefined. */
export function headerOf(req: Pick<FastifyRequest, 'headers'>, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export function commandMetaFrom(req: FastifyRequest & AuthenticatedRequest): CommandMeta {
  const principal = req.principal!;
  const correlationHeader = headerOf(req, 'x-correlation-id');
  const ifMatchHeader = headerOf(req, 'if-match');
  const keyHeader = headerOf(req, 'idempotency-key');
  if (keyHeader !== undefined && !IDEMPOTENCY.test(keyHeader)) throw badHeader('Idempotency-Key must be 1 to 200 visible ASCII characters');
  let ifMatch: number | undefined;
  if (ifMatchHeader !== undefined) {
    const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(ifMatchHeader);
    if (!m) throw badHeader('If-Match must be a stream version, e.g. "3"');
    ifMatch = Number(m[1]);
  }
  return {
    actor: { id: principal.id, name: principal.name, role: req.actingRole! },
    correlationId: correlationHeader && CORRELATION.test(correlationHeader) ? correlationHeader : randomUUID(),
    commandId: randomUUID(),
    ifMatch,
    idempotencyKey: keyHeader,
  };
}

export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandMeta => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest & { commandMeta?: CommandMeta }>();
  req.commandMeta ??= commandMetaFrom(req);
  return req.commandMeta;
});

function badHeader(message: string) {
  return new HttpException({ statusCode: 400, code: 'VALIDATION_FAILED', message }, HttpStatus.BAD_REQUEST);
}

import { CallHandler, ExecutionContext, HttpCode, HttpException, Inject, Injectable, NestInterceptor, UseInterceptors, applyDecorators } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, map, Observable, of, switchMap } from 'rxjs';
import type { Pool } from 'pg';
import { Database } from '@app/event-store/database';
import { Migration } from '@app/event-store/migrations';
import { canonicalize } from '@app/proof/canonical';
import { DATABASE } from '../persistence.module';
import { AuthenticatedRequest } from '../auth/roles';
import type { CommandResult } from './command-runner';
import { headerOf } from './command-meta';

export const IDEMPOTENCY_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'idempotency keys',
    up: `CREATE TABLE idempotency_keys (
      actor_id text NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      status int NOT NULL,
      body jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (actor_id, key)
    )`,
  },
];

/**
 * Every command route: 201, `ETag: "<version>"`, and Idempotency-Key. The key
 * is scoped to the user; the same key with the same request answers the first
 * answer again, stored durably, and writes nothing; with another request, 409.
 * Should the process die between the append and storing the answer, the
 * deterministic event ids (see CommandRunner) make the retry write nothing.
 */
@Injectable()
export class CommandInterceptor implements NestInterceptor {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<FastifyReply>();
    const key = headerOf(req, 'idempotency-key');
    const actorId = req.principal?.id;
    if (!key || !actorId) return next.handle().pipe(map((result) => this.answer(res, result as CommandResult)));
    const fingerprint = createHash('sha256').update(`${req.method} ${req.url}\n${safeCanonical(req.body)}`).digest('hex');
    return from(this.find(this.db.pool, actorId, key)).pipe(
      switchMap((stored) => {
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            throw new HttpException({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used for another request' }, 409);
          }
          void res.header('Idempotent-Replayed', 'true');
          return of(this.answer(res, stored.body as CommandResult));
        }
        return next.handle().pipe(
          switchMap((result) => from(this.save(actorId, key, fingerprint, result as CommandResult)).pipe(switchMap(() => of(this.answer(res, result as CommandResult))))),
        );
      }),
    );
  }

  private answer(res: FastifyReply, result: CommandResult): CommandResult {
    if (result && typeof result.version === 'number') void res.header('ETag', `"${result.version}"`);
    return result;
  }

  private async find(pool: Pool, actorId: string, key: string) {
    const { rows } = await pool.query('SELECT fingerprint, body FROM idempotency_keys WHERE actor_id = $1 AND key = $2', [actorId, key]);
    return rows[0] as { fingerprint: string; body: unknown } | undefined;
  }

  private async save(actorId: string, key: string, fingerprint: string, result: CommandResult): Promise<void> {
    await this.db.pool.query(
      'INSERT INTO idempotency_keys (actor_id, key, fingerprint, status, body) VALUES ($1, $2, $3, 201, $4) ON CONFLICT DO NOTHING',
      [actorId, key, fingerprint, JSON.stringify(result)],
    );
  }
}

function safeCanonical(body: unknown): string {
  try {
    return canonicalize(body ?? {});
  } catch {
    return JSON.stringify(body ?? {});
  }
}

/** Marks a controller method as a command route (201, ETag, Idempotency-Key). */
export const CommandRoute = () => applyDecorators(HttpCode(201), UseInterceptors(CommandInterceptor));

import { CanActivate, ExecutionContext, HttpCode, HttpException, Inject, Injectable, UseGuards, applyDecorators } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** What the guard leaves on a command route's request for its answer (installCommandAnswers). */
interface CommandMark {
  /** Set when the request carries an Idempotency-Key and the first answer must be stored. */
  idempotent?: { actorId: string; key: string; fingerprint: string };
}

const COMMAND = Symbol('command route');
type MarkedRequest = FastifyRequest & AuthenticatedRequest & { [COMMAND]?: CommandMark };

/**
 * The first answer stored under an Idempotency-Key, answered again: thrown by
 * the guard before the handler and the validation run, sent as a 201 by
 * ErrorsFilter (the one place a guard's outcome becomes an answer).
 */
export class ReplayedAnswer {
  constructor(readonly body: CommandResult) {}
}

/**
 * Every command route: 201, `ETag: "<version>"`, and Idempotency-Key. The key
 * is scoped to the user; the same key with the same request answers the first
 * answer again, stored durably, and writes nothing; with another request, 409.
 * Should the process die between the append and storing the answer, the
 * deterministic event ids (see CommandRunner) make the retry write nothing.
 *
 * Two halves, neither in Nest's interceptor chain (its rxjs pipeline cost
 * about 22 µs of the request thread per command: docs/performance.md, "Small
 * costs of the request thread"): this guard runs after authentication and the
 * role rule (the global AuthGuard goes first) and before the validation pipes
 * and the handler, and answers a replay or refuses a reused key; the Fastify
 * hook that installCommandAnswers adds stores the first answer before it is
 * sent and sets the ETag of a 201.
 */
@Injectable()
export class CommandGuard implements CanActivate {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const req = context.switchToHttp().getRequest<MarkedRequest>();
    const key = headerOf(req, 'idempotency-key');
    const actorId = req.principal?.id;
    if (!key || !actorId) {
      req[COMMAND] = {};
      return true;
    }
    const fingerprint = createHash('sha256').update(`${req.method} ${req.url}\n${safeCanonical(req.body)}`).digest('hex');
    return this.find(actorId, key).then((stored) => {
      if (!stored) {
        req[COMMAND] = { idempotent: { actorId, key, fingerprint } };
        return true;
      }
      if (stored.fingerprint !== fingerprint) {
        throw new HttpException({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED', message: 'this Idempotency-Key was used for another request' }, 409);
      }
      req[COMMAND] = {};
      throw new ReplayedAnswer(stored.body as CommandResult);
    });
  }

  private async find(actorId: string, key: string) {
    const { rows } = await this.db.pool.query('SELECT fingerprint, body FROM idempotency_keys WHERE actor_id = $1 AND key = $2', [actorId, key]);
    return rows[0] as { fingerprint: string; body: unknown } | undefined;
  }
}

/**
 * The answer half of a command route, as a Fastify `preSerialization` hook
 * (it sees the handler's result before it is written, and may wait): on a 201
 * of a request CommandGuard marked, the `ETag` of the result's version, with
 * an Idempotency-Key once the answer is stored (a failure to store it is the
 * request's failure, with no ETag). Any other answer passes untouched.
 */
export function installCommandAnswers(fastify: FastifyInstance, db: Database): void {
  fastify.addHook('preSerialization', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void) => {
    const mark = (request as MarkedRequest)[COMMAND];
    if (!mark || reply.statusCode !== 201) return done(null, payload);
    const result = payload as CommandResult;
    const tagged = () => {
      if (result && typeof result.version === 'number') void reply.header('ETag', `"${result.version}"`);
      done(null, payload);
    };
    const idempotent = mark.idempotent;
    if (!idempotent) return tagged();
    db.pool
      .query('INSERT INTO idempotency_keys (actor_id, key, fingerprint, status, body) VALUES ($1, $2, $3, 201, $4) ON CONFLICT DO NOTHING', [
        idempotent.actorId,
        idempotent.key,
        idempotent.fingerprint,
        JSON.stringify(result),
      ])
      .then(tagged, (error: Error) => done(error));
  });
}

function safeCanonical(body: unknown): string {
  try {
    return canonicalize(body ?? {});
  } catch {
    return JSON.stringify(body ?? {});
  }
}

/** Marks a controller method as a command route (201, ETag, Idempotency-Key). */
export const CommandRoute = () => applyDecorators(HttpCode(201), UseGuards(CommandGuard));

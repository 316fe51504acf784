import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ExecutionContext, HttpException } from '@nestjs/common';
import type { Database } from '@app/event-store/database';
import { CommandGuard, installCommandAnswers, ReplayedAnswer } from './idempotency';

/**
 * The two halves of a command route without Nest around them: the guard runs
 * in the route as Nest runs it (after authentication, before the handler),
 * the hook as the application installs it. The database is a recording fake.
 */
interface Stored {
  actorId: string;
  key: string;
  fingerprint: string;
  body: unknown;
}

function fakeDatabase(options: { failInsert?: boolean } = {}) {
  const stored = new Map<string, Stored>();
  const queries: string[] = [];
  const pool = {
    query: async (text: string, values: unknown[]) => {
      queries.push(text);
      if (text.startsWith('SELECT')) {
        const row = stored.get(`${values[0]}\u0000${values[1]}`);
        return { rows: row ? [{ fingerprint: row.fingerprint, body: row.body }] : [] };
      }
      if (options.failInsert) throw new Error('connection terminated');
      const [actorId, key, fingerprint, body] = values as string[];
      if (!stored.has(`${actorId}\u0000${key}`)) stored.set(`${actorId}\u0000${key}`, { actorId, key, fingerprint, body: JSON.parse(body) });
      return { rows: [] };
    },
  };
  return { db: { pool } as unknown as Database, stored, queries };
}

const contextOf = (req: FastifyRequest, reply: FastifyReply) =>
  ({ switchToHttp: () => ({ getRequest: () => req, getResponse: () => reply }) }) as unknown as ExecutionContext;

async function appWith(db: Database, answer: (body: any) => { status: number; body: unknown } = () => ({ status: 201, body: { id: 'c1', position: 12, version: 3 } })) {
  const guard = new CommandGuard(db);
  const handled: unknown[] = [];
  const fastify: FastifyInstance = Fastify();
  installCommandAnswers(fastify, db);
  fastify.post('/command', async (req, reply) => {
    (req as any).principal = { id: String(req.headers['x-actor'] ?? 'alice') };
    try {
      await guard.canActivate(contextOf(req, reply));
    } catch (e) {
      // What ErrorsFilter does with the guard's two outcomes.
      if (e instanceof ReplayedAnswer) return reply.code(201).header('Idempotent-Replayed', 'true').send(e.body);
      if (e instanceof HttpException) return reply.code(e.getStatus()).send(e.getResponse());
      throw e;
    }
    handled.push(req.body);
    const { status, body } = answer(req.body);
    return reply.code(status).send(body);
  });
  await fastify.ready();
  const post = (body: unknown, headers: Record<string, string> = {}) => fastify.inject({ method: 'POST', url: '/command', payload: body as object, headers });
  return { fastify, post, handled };
}

describe('command routes: ETag and Idempotency-Key (CommandGuard, installCommandAnswers)', () => {
  it('without a key: the handler runs, the 201 carries the ETag of its version, nothing is looked up or stored', async () => {
    const { db, queries } = fakeDatabase();
    const { post, handled } = await appWith(db);
    const res = await post({ a: 1 });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"3"');
    expect(handled).toEqual([{ a: 1 }]);
    expect(queries).toEqual([]);
  });

  it('with a key: the first answer is stored before it is sent; the same request again gets it back and runs nothing', async () => {
    const { db, stored } = fakeDatabase();
    const { post, handled } = await appWith(db);
    const first = await post({ a: 1 }, { 'idempotency-key': 'k1' });
    expect(first.statusCode).toBe(201);
    expect([...stored.values()]).toEqual([expect.objectContaining({ actorId: 'alice', key: 'k1', body: { id: 'c1', position: 12, version: 3 } })]);
    const again = await post({ a: 1 }, { 'idempotency-key': 'k1' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers.etag).toBe('"3"');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(handled).toHaveLength(1);
  });

  it('the same key with another body is 409 IDEMPOTENCY_KEY_REUSED; another user may use the same key', async () => {
    const { db } = fakeDatabase();
    const { post, handled } = await appWith(db);
    await post({ a: 1 }, { 'idempotency-key': 'k1' });
    const reused = await post({ a: 2 }, { 'idempotency-key': 'k1' });
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const other = await post({ a: 2 }, { 'idempotency-key': 'k1', 'x-actor': 'bob' });
    expect(other.statusCode).toBe(201);
    expect(handled).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('a refused command stores nothing and carries no ETag: the same key may be tried again', async () => {
    const { db, stored } = fakeDatabase();
    const { post } = await appWith(db, (body) => (body.ok ? { status: 201, body: { id: 'c1', position: 12, version: 4 } } : { status: 422, body: { code: 'RULE' } }));
    const refused = await post({ ok: false }, { 'idempotency-key': 'k2' });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers.etag).toBeUndefined();
    expect(stored.size).toBe(0);
    const fixed = await post({ ok: true }, { 'idempotency-key': 'k2' });
    expect(fixed.statusCode).toBe(201);
    expect(fixed.headers.etag).toBe('"4"');
  });

  it('when the answer cannot be stored, the request fails instead of answering 201', async () => {
    const { db } = fakeDatabase({ failInsert: true });
    const { post } = await appWith(db);
    const res = await post({ a: 1 }, { 'idempotency-key': 'k3' });
    expect(res.statusCode).toBe(500);
    expect(res.headers.etag).toBeUndefined();
  });

  it('leaves the answers of routes the guard did not mark alone', async () => {
    const { db, queries } = fakeDatabase();
    const fastify = Fastify();
    installCommandAnswers(fastify, db);
    fastify.post('/other', async (_req, reply) => reply.code(201).send({ version: 9 }));
    const res = await fastify.inject({ method: 'POST', url: '/other', payload: {}, headers: { 'idempotency-key': 'k4' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBeUndefined();
    expect(queries).toEqual([]);
  });
});

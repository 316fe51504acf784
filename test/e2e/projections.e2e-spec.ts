import { randomUUID } from 'node:crypto';
import { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { CANDIDATE_SEARCH } from '@app/projections/candidate-search/candidate-search.projection';
import { CANDIDATE_PROGRESS } from '@app/projections/candidate-progress/candidate-progress.projection';
import { BACK_OFFICE } from '@app/projections/back-office/back-office.projection';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { candidateWrites, ev, newWorld, referentialWrite, World } from '@app/projections/testing/progress-fixtures';
import { startTestApp, TestApp } from '../support/app';

jest.setTimeout(60_000);

describe('progress, history and projections over HTTP', () => {
  let t: TestApp;
  let store: EventStore;
  let world: World;
  let admin: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
    store = t.app.get(EVENT_STORE);
    world = newWorld();
    await store.appendMany([referentialWrite(world)]);
    // Who reads a candidate is scoped to their work (docs/security.md): as-1 assesses the session, jury-1 sits on its jury.
    await store.append(`session-${world.sessionId}`, [
      ev('SessionOpened', { sessionId: world.sessionId, referentialId: world.referentialId, title: 'Session', startsOn: '2025-01-01', endsOn: '2025-01-31' }),
      ev('AssessorAssigned', { sessionId: world.sessionId, userId: 'as-1' }),
    ], { expectedVersion: 'no-stream' });
    await store.append(`jury-${world.juryId}`, [
      ev('JuryConvened', { juryId: world.juryId, sessionId: world.sessionId, referentialId: world.referentialId, members: [{ userId: 'jury-1', name: 'Paule', president: true, professional: true }] }),
    ], { expectedVersion: 'no-stream' });
    admin = await t.token('admin-1', ['admin']);
  });
  afterAll(async () => t?.close());

  async function enrolled(): Promise<{ id: string; position: number }> {
    const id = randomUUID();
    const [write] = candidateWrites(world, [id], 3); // i = 3: BC01 only, no decision
    const result = await store.append(write.streamId, write.events.slice(0, 2), { expectedVersion: 'no-stream' });
    return { id, position: result.lastPosition };
  }

  it('answers the contract shape; X-Min-Position makes a write visible to the next read', async () => {
    const { id, position } = await enrolled();
    const first = await t.http().get(`/v1/candidates/${id}/progress`).set(auth(admin)).set('X-Min-Position', String(position)).expect(200);
    expect(first.body).toEqual({
      candidateId: id,
      certified: false,
      blocks: [{ code: 'BC01', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 2, scored: 0, acquired: 0, neutralised: 0 } }],
      appealDeadline: null,
      letters: [],
    });
    const scored = await store.append(
      `candidate-${id}`,
      [
        ev('CriterionScored', { candidateId: id, sessionId: world.sessionId, block: 'BC01', criterion: 'CE1.1', result: 'acquired' }, 'assessor'),
        ev('CriterionScored', { candidateId: id, sessionId: world.sessionId, block: 'BC01', criterion: 'CE1.2', result: 'acquired' }, 'assessor'),
      ],
      { expectedVersion: 2 },
    );
    await store.append(`jury-${world.juryId}`, [ev('CriterionNeutralised', { juryId: world.juryId, candidateId: id, block: 'BC01', criterion: 'CE1.2', opinionId: randomUUID() }, 'jury')], { expectedVersion: 'any' });
    const decided = await store.append(`candidate-${id}`, [ev('BlockDecisionRecorded', { candidateId: id, juryId: world.juryId, sessionId: world.sessionId, block: 'BC01', decision: 'validated', revision: false }, 'jury')], { expectedVersion: 4 });
    const jury = await t.token('jury-1', ['jury']);
    const after = await t.http().get(`/v1/candidates/${id}/progress`).set(auth(jury)).set('X-Min-Position', String(decided.lastPosition)).expect(200);
    expect(after.body.blocks).toEqual([{ code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: 'validated', criteria: { total: 2, scored: 1, acquired: 1, neutralised: 1 } }]);

    // Time travel: as it stood once the scores were written, by position and by timestamp.
    const then = await t.http().get(`/v1/candidates/${id}/progress?atPosition=${scored.lastPosition}`).set(auth(admin)).expect(200);
    expect(then.body.blocks[0]).toEqual({ code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 2, scored: 2, acquired: 2, neutralised: 0 } });
    const before = await t.http().get(`/v1/candidates/${id}/progress?atPosition=${position - 2}`).set(auth(admin)).expect(404);
    expect(before.body.code).toBe('NOT_FOUND');
    const now = await t.http().get(`/v1/candidates/${id}/progress?asOf=${encodeURIComponent(new Date(Date.now() + 1000).toISOString())}`).set(auth(admin)).expect(200);
    expect(now.body).toEqual(after.body);
  });

  it('refuses bad input and unknown candidates, and applies the role rule', async () => {
    const { id } = await enrolled();
    await t.http().get(`/v1/candidates/${randomUUID()}/progress`).set(auth(admin)).expect(404);
    await t.http().get('/v1/candidates/not-a-uuid/progress').set(auth(admin)).expect(404);
    expect((await t.http().get(`/v1/candidates/${id}/progress?asOf=yesterday`).set(auth(admin)).expect(400)).body.code).toBe('VALIDATION_FAILED');
    await t.http().get(`/v1/candidates/${id}/progress?atPosition=-1`).set(auth(admin)).expect(400);
    await t.http().get(`/v1/candidates/${id}/progress`).set(auth(admin)).set('X-Min-Position', 'soon').expect(400);
    await t.http().get(`/v1/candidates/${id}/progress`).set(auth(await t.token('ref-1', ['referent']))).expect(403);
    await t.http().get(`/v1/candidates/${id}/progress`).expect(401);
    await t.http().get(`/v1/candidates/${id}/progress`).set(auth(await t.token('as-1', ['assessor']))).expect(200);
    await t.http().get(`/v1/candidates/${id}/progress`).set(auth(await t.token('reg-1', ['regulator']))).expect(200);
  });

  it('history: the candidate stream and the jury events about them, in log order, personal data masked', async () => {
    const id = randomUUID();
    const writes = candidateWrites(world, [id], 4); // i = 4: both blocks, neutralisation, decisions, certification
    for (const w of writes) await store.append(w.streamId, w.events, { expectedVersion: 'any' });
    const regulator = await t.token('reg-1', ['regulator']);
    const { body } = await t.http().get(`/v1/candidates/${id}/history`).set(auth(regulator)).expect(200);
    const expected = writes.flatMap((w) => w.events).length;
    expect(body).toHaveLength(expected);
    const positions = body.map((e: { position: number }) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // A regulator reads the pseudonym, never the name (the fixture's identity is no real ciphertext: it reads as erased).
    expect(body[0]).toEqual(expect.objectContaining({ type: 'CandidateRegistered', actor: { id: 'u-fixture', role: 'admin' }, data: expect.objectContaining({ identity: expect.objectContaining({ pseudonym: expect.stringMatching(/^C-/) }) }) }));
    expect(body[0].data.identity.givenName ?? '[erased]').toBe('[erased]');
    expect(body[0].recordedAt).toMatch(/Z$/);
    expect(body.map((e: { type: string }) => e.type)).toContain('CriterionNeutralised');
    expect(JSON.stringify(body)).not.toMatch(/"ct"/);
    await t.http().get(`/v1/candidates/${id}/history`).set(auth(await t.token('as-1', ['assessor']))).expect(403);
    await t.http().get(`/v1/candidates/${randomUUID()}/history`).set(auth(regulator)).expect(404);
  });

  it('lists the projections with position and lag; a projection that cannot catch up answers 503 PROJECTION_LAGGING', async () => {
    const list = await t.http().get('/v1/projections').set(auth(admin)).expect(200);
    // Every projection the API runs, each live with its lag.
    expect(list.body.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining([CANDIDATE_PROGRESS, BACK_OFFICE, CANDIDATE_SEARCH]));
    for (const p of list.body) expect(p).toEqual(expect.objectContaining({ name: p.name, status: 'live', runner: 'live', failed: false, lag: expect.any(Number) }));
    expect(list.body.find((p: { name: string }) => p.name === CANDIDATE_PROGRESS).lag).toBeGreaterThanOrEqual(0);
    await t.http().get('/v1/projections').set(auth(await t.token('jury-1', ['jury']))).expect(403);

    const runtime = t.app.get(ProjectionRuntime);
    await runtime.stop();
    const { id, position } = await enrolled();
    const started = Date.now();
    const res = await t.http().get(`/v1/candidates/${id}/progress`).set(auth(admin)).set('X-Min-Position', String(position)).expect(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(res.body.code).toBe('PROJECTION_LAGGING');
    expect(res.headers['retry-after']).toBeDefined();
    // Without the header the query still answers (folded from the log while the row is missing).
    const folded = await t.http().get(`/v1/candidates/${id}/progress`).set(auth(admin)).expect(200);
    expect(folded.body.blocks).toHaveLength(1);
    runtime.start();
    await t.http().get(`/v1/candidates/${id}/progress`).set(auth(admin)).set('X-Min-Position', String(position)).expect(200);
  });
});

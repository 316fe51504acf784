import { randomUUID } from 'node:crypto';
import type { EventStore } from '@app/event-store/event-store';
import { startTestApp, TestApp } from '../support/app';

/**
 * Capitalisation per certification, over HTTP on PostgreSQL: two
 * certifications of one certifier with the same block codes. A BC01
 * validated in one never counts for the other: enrolling in the other's BC01
 * is accepted, and the other's award needs its own BC01. A new version that
 * declares an equivalence counts the old block, and the record says so.
 * A block whose validity period has lapsed is evaluated again, and the
 * progress read model follows the new session.
 */
const block = (code: string, prefix: string) => ({
  code,
  title: `${prefix} ${code}`,
  competences: [{ code: `${prefix}-C-${code}`, title: 'Compétence', criteria: [{ code: `${prefix}-CE-${code}`, text: 'Critère', core: true }] }],
});
const referential = (code: string, prefix: string, extra: object = {}) => ({
  code,
  title: `Certification ${code}`,
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [block('BC01', prefix), block('BC02', prefix)],
  ...extra,
});
const members = [
  { userId: 'pres', name: 'Paule Présidente', president: true, professional: true },
  { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
];

describe('capitalisation per certification (HTTP, PostgreSQL)', () => {
  let t: TestApp;
  const tok: Record<string, string> = {};
  const post = (path: string, who: string, body: object = {}) => t.http().post(path).set('authorization', tok[who]).send(body);
  const get = (path: string, who: string) => t.http().get(path).set('authorization', tok[who]);
  const expectError = (res: { status: number; body: any }, status: number, code: string) => expect({ status: res.status, code: res.body.code }).toEqual({ status, code });

  let candidate: string;
  beforeAll(async () => {
    t = await startTestApp();
    for (const [sub, roles] of [
      ['admin', ['admin']],
      ['pres', ['jury']],
      ['pro', ['jury']],
      ['assessor-1', ['assessor']],
    ] as const) {
      tok[sub] = `Bearer ${await t.token(sub, [...roles] as never)}`;
    }
    candidate = (
      await post('/v1/candidates', 'admin', { givenName: 'Inès', familyName: 'Garnier', birthDate: '1995-03-14', email: 'ines.garnier@example.org', accessRoute: 'continuing-education' }).expect(201)
    ).body.id;
  });
  afterAll(async () => t?.close());

  async function publish(document: object): Promise<string> {
    const id = (await post('/v1/referentials', 'admin', document).expect(201)).body.id;
    await post(`/v1/referentials/${id}/publish`, 'admin').expect(201);
    return id;
  }
  async function openSession(referentialId: string, title: string): Promise<string> {
    const id = (await post('/v1/sessions', 'admin', { referentialId, title, startsOn: '2026-06-01', endsOn: '2026-06-30' }).expect(201)).body.id;
    await post(`/v1/sessions/${id}/assessors`, 'admin', { userId: 'assessor-1' }).expect(201);
    return id;
  }
  /** Enrols, scores every criterion acquired, and has a jury validate the blocks and close; answers the jury id and its close answer. */
  async function validate(sessionId: string, prefix: string, blocks: string[]) {
    await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId, blocks }).expect(201);
    for (const b of blocks) await post(`/v1/candidates/${candidate}/scores`, 'assessor-1', { sessionId, criterion: `${prefix}-CE-${b}`, result: 'acquired' }).expect(201);
    const jury = (await post('/v1/juries', 'admin', { sessionId, members }).expect(201)).body.id;
    await post(`/v1/juries/${jury}/open`, 'pres').expect(201);
    for (const b of blocks) await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: candidate, block: b, decision: 'validated' }).expect(201);
    const closed = (await post(`/v1/juries/${jury}/close`, 'pres').expect(201)).body;
    return { jury, closed };
  }
  const awardsOf = async () => (await get(`/v1/candidates/${candidate}/history`, 'admin').expect(200)).body.filter((e: any) => e.type === 'CertificationAwarded').map((e: any) => e.data);

  let refA: string;
  let refB: string;
  let juryB1: string;
  it('BC01 validated in certification A does not count for certification B: enrolment in B’s BC01 is accepted', async () => {
    refA = await publish(referential('RNCP40001', 'A'));
    refB = await publish(referential('RNCP40002', 'B'));
    const sessionA = await openSession(refA, 'A — juin');
    const { closed } = await validate(sessionA, 'A', ['BC01']);
    expect(closed.awarded).toEqual([]); // A's BC02 is still missing
    // A's BC01 is capitalised in A: enrolling there again is refused…
    const sessionA2 = await openSession(refA, 'A — septembre');
    expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: sessionA2, blocks: ['BC01'] }), 422, 'BLOCK_ALREADY_VALIDATED');
    // …but B's BC01 is another block.
    const sessionB = await openSession(refB, 'B — juin');
    await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: sessionB, blocks: ['BC01'] }).expect(201);
  });

  it('B’s award needs its own BC01: validating B’s BC02 alone awards nothing, B’s BC01 too awards B', async () => {
    const sessionB2 = await openSession(refB, 'B — septembre');
    const first = await validate(sessionB2, 'B', ['BC02']);
    juryB1 = first.jury;
    expect(first.closed.awarded).toEqual([]);
    expect(await awardsOf()).toEqual([]);
    const progress = (await get(`/v1/candidates/${candidate}/progress?asOf=${new Date().toISOString()}`, 'admin').expect(200)).body;
    expect(progress.certified).toBe(false);

    const sessionB3 = await openSession(refB, 'B — décembre');
    const second = await validate(sessionB3, 'B', ['BC01']);
    expect(second.closed.awarded).toEqual([candidate]);
    const awards = await awardsOf();
    expect(awards).toHaveLength(1);
    expect(awards[0]).toMatchObject({ certificationCode: 'RNCP40002', referentialId: refB, blocks: [{ block: 'BC01', juryId: second.jury }, { block: 'BC02', juryId: juryB1 }] });
  });

  it('a new version of A declaring an equivalence counts A’s old BC01 for its BC05, and the record says so', async () => {
    const v2 = referential('RNCP40001', 'A2', { blocks: [block('BC05', 'A2'), block('BC02', 'A2')], equivalences: [{ from: { referentialId: refA, block: 'BC01' }, to: 'BC05' }] });
    expectError(await post('/v1/referentials', 'admin', { ...v2, equivalences: [{ from: { referentialId: refA, block: 'BC01' }, to: 'BC09' }] }), 400, 'VALIDATION_FAILED');
    const refA2 = await publish(v2);
    const session = await openSession(refA2, 'A v2 — juin');
    expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: ['BC05'] }), 422, 'BLOCK_ALREADY_VALIDATED');
    const { jury, closed } = await validate(session, 'A2', ['BC02']);
    expect(closed.awarded).toEqual([candidate]);
    const record = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
    const award = record.candidates.find((c: any) => c.candidateId === candidate).awards[0];
    expect(award).toMatchObject({ certificationCode: 'RNCP40001', referentialId: refA2 });
    expect(award.blocks.find((b: any) => b.block === 'BC05')).toMatchObject({ byEquivalence: { referentialId: refA, block: 'BC01' } });
    expect(record.sealVerification.intact).toBe(true);
  });
  it('a block whose validity lapsed is enrolled again: progress shows the new session’s scores, live and at a position', async () => {
    const refC = await publish(referential('RNCP40003', 'C', { validityYears: 1 }));
    const someone = (
      await post('/v1/candidates', 'admin', { givenName: 'Noé', familyName: 'Perrin', birthDate: '1990-07-02', email: 'noe.perrin@example.org', accessRoute: 'continuing-education' }).expect(201)
    ).body.id;
    const first = await openSession(refC, 'C — 2024');
    await post(`/v1/candidates/${someone}/enrolments`, 'admin', { sessionId: first, blocks: ['BC01'] }).expect(201);
    await post(`/v1/candidates/${someone}/scores`, 'assessor-1', { sessionId: first, criterion: 'C-CE-BC01', result: 'acquired' }).expect(201);
    // A jury validated BC01 two years ago (written as the jury writes it, dated then): its one-year validity has run out.
    const store: EventStore = t.app.get('EVENT_STORE');
    const then = new Date(Date.now() - 2 * 365 * 86_400_000).toISOString();
    const decision = { candidateId: someone, juryId: randomUUID(), sessionId: first, block: 'BC01', decision: 'validated', revision: false };
    await store.append(`candidate-${someone}`, [{ type: 'BlockDecisionRecorded', data: decision, metadata: { actor: { id: 'pres', role: 'jury' }, correlationId: randomUUID(), causationId: null, recordedAt: then } }], { expectedVersion: 'any' });

    const second = await openSession(refC, 'C — 2026');
    await post(`/v1/candidates/${someone}/enrolments`, 'admin', { sessionId: second, blocks: ['BC01'] }).expect(201);
    const enrolment = (await get(`/v1/candidates/${someone}/history`, 'admin').expect(200)).body.filter((e: any) => e.type === 'CandidateEnrolled').pop();
    expect(enrolment.data.lapsed).toEqual([expect.objectContaining({ block: 'BC01' })]);
    const { position } = (await post(`/v1/candidates/${someone}/scores`, 'assessor-1', { sessionId: second, criterion: 'C-CE-BC01', result: 'not-acquired' }).expect(201)).body;

    const expected = { candidateId: someone, certified: false, blocks: [{ code: 'BC01', proposal: 'not-acquired', notEvaluated: null, attempt: 2, decision: null, criteria: { total: 1, scored: 1, acquired: 0, neutralised: 0 } }], appealDeadline: null, letters: [] };
    const live = await t.http().get(`/v1/candidates/${someone}/progress`).set('authorization', tok.admin).set('X-Min-Position', String(position)).expect(200);
    expect(live.body).toEqual(expected);
    expect((await get(`/v1/candidates/${someone}/progress?atPosition=${position}`, 'admin').expect(200)).body).toEqual(expected);
  });
});

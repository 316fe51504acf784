import { randomUUID } from 'node:crypto';
import { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { criteriaOfBlock, ReferentialDocument } from '@app/domain/referential/referential';
import seed from '@app/domain/referential/seed/manager-marketing-commercial.referential.json';
import { startTestApp, TestApp } from '../support/app';

/**
 * The candidate's file over HTTP on PostgreSQL: sessions, registration,
 * enrolment, accommodations, scoring and neutralisation opinions, with every
 * refusal and bad input. Referentials (and the jury decisions the file must
 * respect) are seeded by appending their events (docs/events.md) directly.
 */
const doc = seed as unknown as ReferentialDocument;
const criteria = (block: string) => criteriaOfBlock(doc, block).map((c) => c.code);
const nonCore = (block: string) => criteriaOfBlock(doc, block).find((c) => !c.core)!.code;

describe('candidate file (HTTP, PostgreSQL)', () => {
  let t: TestApp;
  let store: EventStore;
  const tok: Record<string, string> = {};
  const REF = randomUUID();
  const DRAFT_REF = randomUUID();
  let session: string;
  let otherSession: string;
  let candidate: string;
  let requestId: string;

  const seedEvent = async (streamId: string, type: string, data: object) => {
    const version = await store.streamVersion(streamId);
    await store.append(streamId, [{ type, data, metadata: { actor: { id: 'seed', role: 'admin' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() } }], {
      expectedVersion: version,
    });
  };
  const post = (path: string, who: string | null, body: unknown = {}) => {
    const req = t.http().post(path);
    if (who) req.set('authorization', tok[who]);
    return req.send(body as object);
  };
  const get = (path: string, who: string) => t.http().get(path).set('authorization', tok[who]);
  const expectError = (res: { status: number; body: any }, status: number, code: string) => expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  const streamOf = async (id: string) => store.readStream(`candidate-${id}`);
  const identity = { givenName: 'Alice', familyName: 'Martinez', birthDate: '1998-04-02', email: 'alice.martinez@example.org', accessRoute: 'apprenticeship' };
  const register = async () => {
    const res = await post('/v1/candidates', 'admin', identity).expect(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    t = await startTestApp();
    store = t.app.get(EVENT_STORE);
    for (const [who, roles] of [
      ['admin', ['admin']],
      ['assessor', ['assessor']],
      ['assessor2', ['assessor']],
      ['referent', ['referent']],
      ['jury', ['jury']],
      ['regulator', ['regulator']],
    ] as const) {
      tok[who] = `Bearer ${await t.token(`${who}-1`, [...roles])}`;
    }
    await seedEvent(`referential-${REF}`, 'ReferentialDrafted', { referentialId: REF, version: 1, document: doc });
    await seedEvent(`referential-${REF}`, 'ReferentialPublished', { referentialId: REF, code: doc.code, version: 1 });
    await seedEvent(`referential-${DRAFT_REF}`, 'ReferentialDrafted', { referentialId: DRAFT_REF, version: 2, document: doc });
  });
  afterAll(async () => t?.close());

  describe('sessions', () => {
    const body = () => ({ referentialId: REF, title: 'Session de juin 2026', startsOn: '2026-06-01', endsOn: '2026-06-30' });

    it('opens a session on a published referential and reads it back', async () => {
      const res = await post('/v1/sessions', 'admin', body()).expect(201);
      expect(res.body).toMatchObject({ id: expect.any(String), version: 1, position: expect.any(Number) });
      expect(res.headers.etag).toBe('"1"');
      session = res.body.id;
      otherSession = (await post('/v1/sessions', 'admin', { ...body(), title: 'Session de septembre' }).expect(201)).body.id;
      const read = await get(`/v1/sessions/${session}`, 'regulator').expect(200);
      expect(read.body).toEqual({ sessionId: session, referentialId: REF, title: 'Session de juin 2026', startsOn: '2026-06-01', endsOn: '2026-06-30', assessors: [], version: 1 });
    });

    it('refuses a draft referential (422), an unknown one (404), inverted or impossible dates', async () => {
      expectError(await post('/v1/sessions', 'admin', { ...body(), referentialId: DRAFT_REF }), 422, 'REFERENTIAL_NOT_PUBLISHED');
      expectError(await post('/v1/sessions', 'admin', { ...body(), referentialId: randomUUID() }), 404, 'NOT_FOUND');
      expectError(await post('/v1/sessions', 'admin', { ...body(), startsOn: '2026-07-01' }), 422, 'SESSION_DATES_INVERTED');
      expectError(await post('/v1/sessions', 'admin', { ...body(), startsOn: '2026-02-30' }), 400, 'VALIDATION_FAILED');
      expectError(await post('/v1/sessions', 'admin', { ...body(), endsOn: '30/06/2026' }), 400, 'VALIDATION_FAILED');
      expectError(await post('/v1/sessions', 'admin', { ...body(), referentialId: 'ref-1' }), 400, 'VALIDATION_FAILED');
      expectError(await post('/v1/sessions', 'admin', { ...body(), title: 'x'.repeat(201) }), 400, 'VALIDATION_FAILED');
    });

    it('assigns assessors once each', async () => {
      const res = await post(`/v1/sessions/${session}/assessors`, 'admin', { userId: 'assessor-1' }).expect(201);
      expect(res.body).toMatchObject({ id: session, version: 2 });
      await post(`/v1/sessions/${otherSession}/assessors`, 'admin', { userId: 'assessor-1' }).expect(201);
      expectError(await post(`/v1/sessions/${session}/assessors`, 'admin', { userId: 'assessor-1' }), 409, 'ASSESSOR_ALREADY_ASSIGNED');
      expectError(await post(`/v1/sessions/${randomUUID()}/assessors`, 'admin', { userId: 'x' }), 404, 'NOT_FOUND');
      expectError(await post('/v1/sessions/not-a-uuid/assessors', 'admin', { userId: 'x' }), 404, 'NOT_FOUND');
      expect((await get(`/v1/sessions/${session}`, 'assessor').expect(200)).body.assessors).toEqual(['assessor-1']);
      expectError(await get(`/v1/sessions/${randomUUID()}`, 'admin'), 404, 'NOT_FOUND');
      expectError(await get('/v1/sessions/42', 'admin'), 404, 'NOT_FOUND');
    });

    it('is for admins only, with a token', async () => {
      expectError(await post('/v1/sessions', 'assessor', body()), 403, 'FORBIDDEN');
      expectError(await post('/v1/sessions', null, body()), 401, 'UNAUTHENTICATED');
      expectError(await post(`/v1/sessions/${session}/assessors`, 'jury', { userId: 'x' }), 403, 'FORBIDDEN');
      expectError(await t.http().get(`/v1/sessions/${session}`), 401, 'UNAUTHENTICATED');
    });
  });

  describe('registration', () => {
    it('registers a candidate whose identity is stored sealed, shown in clear to admins and pseudonymised to regulators', async () => {
      candidate = await register();
      const [event] = await streamOf(candidate);
      expect(event.type).toBe('CandidateRegistered');
      expect(event.data).toMatchObject({ candidateId: candidate, accessRoute: 'apprenticeship', identity: { alg: 'A256GCM', kid: candidate } });
      expect(JSON.stringify(event.data)).not.toMatch(/Martinez|alice|1998/);
      expect(event.metadata.actor).toEqual({ id: 'admin-1', role: 'admin' });

      const asAdmin = await get(`/v1/candidates/${candidate}`, 'admin').expect(200);
      expect(asAdmin.body).toMatchObject({ candidateId: candidate, accessRoute: 'apprenticeship', erased: false, identity: { givenName: 'Alice', familyName: 'Martinez', birthDate: '1998-04-02', email: 'alice.martinez@example.org' } });
      expect(asAdmin.headers.etag).toBe('"1"');
      const asRegulator = await get(`/v1/candidates/${candidate}`, 'regulator').expect(200);
      expect(asRegulator.body.identity).toEqual({ status: 'pseudonymised', pseudonym: expect.stringMatching(/^C-[0-9A-F]{16}$/) });
      expect(asRegulator.body.identity.pseudonym).toBe(asAdmin.body.identity.pseudonym);
      expect(JSON.stringify(asRegulator.body)).not.toMatch(/Martinez|Alice|1998|example\.org/);
    });

    it('refuses an implausible identity (400)', async () => {
      for (const faulty of [
        { givenName: '  ' },
        { familyName: 'x'.repeat(101) },
        { birthDate: '2999-01-01' },
        { birthDate: '1850-01-01' },
        { birthDate: '1998-02-30' },
        { email: 'not-an-email' },
        { accessRoute: 'bribery' },
        { givenName: 5 },
      ]) {
        expectError(await post('/v1/candidates', 'admin', { ...identity, ...faulty }), 400, 'VALIDATION_FAILED');
      }
      const { email: _email, ...missing } = identity;
      expectError(await post('/v1/candidates', 'admin', missing), 400, 'VALIDATION_FAILED');
    });

    it('reads as 404 an unknown or malformed candidate id', async () => {
      expectError(await get(`/v1/candidates/${randomUUID()}`, 'admin'), 404, 'NOT_FOUND');
      expectError(await get('/v1/candidates/abc', 'admin'), 404, 'NOT_FOUND');
    });

    it('lets an assessor read only candidates of the sessions they assess', async () => {
      expectError(await get(`/v1/candidates/${candidate}`, 'assessor'), 403, 'FORBIDDEN');
    });
  });

  describe('enrolment', () => {
    it('enrols in some blocks of the session referential', async () => {
      const res = await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01', 'BC02'] }).expect(201);
      expect(res.body).toMatchObject({ id: candidate, version: 2 });
      const events = await streamOf(candidate);
      expect(events[1]).toMatchObject({ type: 'CandidateEnrolled', data: { candidateId: candidate, sessionId: session, referentialId: REF, blocks: ['BC01', 'BC02'] } });
      const read = await get(`/v1/candidates/${candidate}`, 'assessor').expect(200);
      expect(read.body.enrolments).toEqual([{ sessionId: session, referentialId: REF, blocks: ['BC01', 'BC02'] }]);
    });

    it('refuses unknown blocks, blocks already enrolled, unknown sessions and candidates', async () => {
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: ['BC03', 'BC99'] }), 422, 'UNKNOWN_BLOCK');
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: ['BC02'] }), 409, 'ALREADY_ENROLLED');
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: randomUUID(), blocks: ['BC01'] }), 404, 'NOT_FOUND');
      expectError(await post(`/v1/candidates/${randomUUID()}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01'] }), 404, 'NOT_FOUND');
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: [] }), 400, 'VALIDATION_FAILED');
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: ['BC03', 'BC03'] }), 400, 'VALIDATION_FAILED');
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'admin', { sessionId: session, blocks: 'BC03' }), 400, 'VALIDATION_FAILED');
      expectError(await post(`/v1/candidates/${candidate}/enrolments`, 'referent', { sessionId: session, blocks: ['BC03'] }), 403, 'FORBIDDEN');
    });

    it('refuses a block validated earlier: it is capitalised', async () => {
      const other = await register();
      await post(`/v1/candidates/${other}/enrolments`, 'admin', { sessionId: otherSession, blocks: ['BC04'] }).expect(201);
      await seedEvent(`candidate-${other}`, 'BlockDecisionRecorded', { candidateId: other, juryId: randomUUID(), sessionId: otherSession, block: 'BC04', decision: 'validated', revision: false });
      expectError(await post(`/v1/candidates/${other}/enrolments`, 'admin', { sessionId: session, blocks: ['BC03', 'BC04'] }), 422, 'BLOCK_ALREADY_VALIDATED');
      await post(`/v1/candidates/${other}/enrolments`, 'admin', { sessionId: session, blocks: ['BC03'] }).expect(201);
    });
  });

  describe('accommodations', () => {
    const base = `/v1/candidates/`;

    it('records a request with sealed details and justification, and answers requestId', async () => {
      const res = await post(`${base}${candidate}/accommodations`, 'admin', {
        accommodations: [{ type: 'extra-time', extraTimePercent: 50 }, { type: 'other', details: 'épreuves réparties sur deux sessions' }],
        justification: 'trouble dys reconnu MDPH',
      }).expect(201);
      requestId = res.body.requestId;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      const event = (await streamOf(candidate)).find((e) => e.type === 'AccommodationRequested')!;
      expect(event.data).toMatchObject({ requestId, accommodations: [{ type: 'extra-time', extraTimePercent: 50 }, { type: 'other', details: { alg: 'A256GCM' } }], justification: { alg: 'A256GCM' } });
      expect(JSON.stringify(event.data)).not.toMatch(/MDPH|sessions/);
    });

    it('refuses other without details, no justification, and bad percentages', async () => {
      expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'other' }], justification: 'j' }), 422, 'DETAILS_REQUIRED');
      expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'assistant' }], justification: '  ' }), 422, 'JUSTIFICATION_REQUIRED');
      for (const extraTimePercent of [0, 250, 12.5, '30']) {
        expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'extra-time', extraTimePercent }], justification: 'j' }), 400, 'VALIDATION_FAILED');
      }
      expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'extra-time' }], justification: 'j' }), 400, 'VALIDATION_FAILED');
      expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'teleport' }], justification: 'j' }), 400, 'VALIDATION_FAILED');
      expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'assistant', colour: 'red' }], justification: 'j' }), 400, 'VALIDATION_FAILED');
      expectError(await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: ['assistant'], justification: 'j' }), 400, 'VALIDATION_FAILED');
      expectError(await post(`${base}${candidate}/accommodations`, 'referent', { accommodations: [{ type: 'assistant' }], justification: 'j' }), 403, 'FORBIDDEN');
    });

    it('needs a favourable referent opinion before granting more than one third extra time', async () => {
      const path = `${base}${candidate}/accommodations/${requestId}`;
      expectError(await post(`${path}/decision`, 'admin', { granted: true, reason: 'MDPH' }), 422, 'REFERENT_OPINION_REQUIRED');
      expectError(await post(`${path}/opinion`, 'admin', { favourable: true, motivation: 'm' }), 403, 'FORBIDDEN');
      expectError(await post(`${path}/opinion`, 'referent', { favourable: true, motivation: ' ' }), 422, 'MOTIVATION_REQUIRED');
      expectError(await post(`${path}/opinion`, 'referent', { favourable: 'yes', motivation: 'm' }), 400, 'VALIDATION_FAILED');
      const opinion = await post(`${path}/opinion`, 'referent', { favourable: true, motivation: 'fatigabilité attestée' }).expect(201);
      expect(opinion.body).toMatchObject({ id: candidate, requestId });
      expectError(await post(`${path}/opinion`, 'referent', { favourable: false, motivation: 'changed my mind' }), 409, 'OPINION_ALREADY_GIVEN');
      expectError(await post(`${path}/decision`, 'admin', { granted: true, reason: '' }), 422, 'REASON_REQUIRED');
      expectError(await post(`${path}/decision`, 'referent', { granted: true, reason: 'r' }), 403, 'FORBIDDEN');
      await post(`${path}/decision`, 'admin', { granted: true, reason: 'avis favorable du référent' }).expect(201);
      expectError(await post(`${path}/decision`, 'admin', { granted: false, reason: 'again' }), 409, 'ACCOMMODATION_ALREADY_DECIDED');
      expectError(await post(`${path}/opinion`, 'referent', { favourable: true, motivation: 'late' }), 409, 'ACCOMMODATION_ALREADY_DECIDED');
      expectError(await post(`${base}${candidate}/accommodations/${randomUUID()}/decision`, 'admin', { granted: true, reason: 'r' }), 404, 'NOT_FOUND');
      expectError(await post(`${base}${candidate}/accommodations/nope/decision`, 'admin', { granted: true, reason: 'r' }), 404, 'NOT_FOUND');
      const opinionEvent = (await streamOf(candidate)).find((e) => e.type === 'ReferentOpinionGiven')!;
      expect(opinionEvent.metadata.actor).toEqual({ id: 'referent-1', role: 'referent' });
      expect(JSON.stringify(opinionEvent.data)).not.toMatch(/fatigabilit/);
    });

    it('records a granted accommodation as applied, by an assessor of the session or an admin', async () => {
      const path = `${base}${candidate}/accommodations/${requestId}/applications`;
      await post(path, 'assessor', { sessionId: session, evaluation: 'BC01-M1', note: 'tiers temps appliqué' }).expect(201);
      await post(path, 'admin', { sessionId: session, evaluation: 'BC02-M1' }).expect(201);
      expectError(await post(path, 'assessor', { sessionId: session, evaluation: 'BC01-M1' }), 409, 'ACCOMMODATION_ALREADY_APPLIED');
      expectError(await post(path, 'assessor2', { sessionId: session, evaluation: 'BC01-M2' }), 403, 'FORBIDDEN');
      expectError(await post(path, 'referent', { sessionId: session, evaluation: 'BC01-M2' }), 403, 'FORBIDDEN');
      expectError(await post(path, 'admin', { sessionId: otherSession, evaluation: 'BC01-M2' }), 422, 'NOT_ENROLLED_IN_SESSION');
      expectError(await post(path, 'admin', { sessionId: randomUUID(), evaluation: 'BC01-M2' }), 404, 'NOT_FOUND');
      expectError(await post(path, 'admin', { sessionId: session }), 400, 'VALIDATION_FAILED');

      const refused = (await post(`${base}${candidate}/accommodations`, 'admin', { accommodations: [{ type: 'assistant' }], justification: 'j' }).expect(201)).body.requestId;
      await post(`${base}${candidate}/accommodations/${refused}/decision`, 'admin', { granted: false, reason: 'pas de justificatif' }).expect(201);
      expectError(await post(`${base}${candidate}/accommodations/${refused}/applications`, 'admin', { sessionId: session, evaluation: 'x' }), 422, 'ACCOMMODATION_NOT_GRANTED');
    });

    it('shows statuses to every reader and the health texts to admins and referents only', async () => {
      const asAdmin = (await get(`/v1/candidates/${candidate}`, 'admin').expect(200)).body;
      const granted = asAdmin.accommodationRequests.find((r: any) => r.requestId === requestId);
      expect(granted).toMatchObject({
        status: 'granted',
        justification: 'trouble dys reconnu MDPH',
        accommodations: [{ type: 'extra-time', extraTimePercent: 50 }, { type: 'other', details: 'épreuves réparties sur deux sessions' }],
        opinion: { favourable: true, motivation: 'fatigabilité attestée' },
        decision: { granted: true, reason: 'avis favorable du référent' },
        applications: [{ sessionId: session, evaluation: 'BC01-M1', note: 'tiers temps appliqué' }, { sessionId: session, evaluation: 'BC02-M1' }],
      });
      expect(asAdmin.accommodationRequests.map((r: any) => r.status).sort()).toEqual(['granted', 'refused']);
      // Jury members read the candidates of their juries' sessions (docs/security.md): jury-1 sits on one of this session.
      await post('/v1/juries', 'admin', { sessionId: session, members: [{ userId: 'jury-1', name: 'Paule Présidente', president: true, professional: true }] }).expect(201);
      const asJury = (await get(`/v1/candidates/${candidate}`, 'jury').expect(200)).body;
      // The jury deliberates on named candidates, but the health texts stay with admins and referents.
      expect(asJury.identity).toMatchObject({ status: 'identified', familyName: 'Martinez' });
      expect(JSON.stringify(asJury)).not.toMatch(/MDPH|fatigabilit|réparties/);
      expect(asJury.accommodationRequests.find((r: any) => r.requestId === requestId)).toMatchObject({ status: 'granted', opinion: { favourable: true } });
    });
  });

  describe('scoring', () => {
    const score = (body: object, who = 'assessor', headers: Record<string, string> = {}) => {
      const req = t.http().post(`/v1/candidates/${candidate}/scores`).set('authorization', tok[who]);
      for (const [k, v] of Object.entries(headers)) req.set(k, v);
      return req.send(body);
    };

    it('scores a criterion as the assessor of the session, recorded with the token actor', async () => {
      const res = await score({ sessionId: session, criterion: 'CE1.1', result: 'acquired', comment: 'analyse solide' }).expect(201);
      expect(res.headers.etag).toBe(`"${res.body.version}"`);
      const events = await streamOf(candidate);
      const last = events[events.length - 1];
      // The comment may speak of the person: stored sealed under the candidate's key, read back by the assessor.
      expect(last).toMatchObject({ type: 'CriterionScored', data: { candidateId: candidate, sessionId: session, block: 'BC01', criterion: 'CE1.1', result: 'acquired', comment: { alg: 'A256GCM', kid: candidate } } });
      expect(JSON.stringify(last.data)).not.toContain('analyse solide');
      const read = (await get(`/v1/candidates/${candidate}`, 'assessor').expect(200)).body;
      expect(read.scores.find((s: { criterion: string }) => s.criterion === 'CE1.1').comment).toBe('analyse solide');
      expect(last.metadata).toMatchObject({ actor: { id: 'assessor-1', role: 'assessor' }, correlationId: expect.any(String), causationId: expect.any(String) });
    });

    it('needs a reason to correct a score, and records the previous result', async () => {
      expectError(await score({ sessionId: session, criterion: 'CE1.1', result: 'not-acquired' }), 422, 'CORRECTION_REASON_REQUIRED');
      await score({ sessionId: session, criterion: 'CE1.1', result: 'not-acquired', correctionReason: 'grille mal lue' }).expect(201);
      const events = await streamOf(candidate);
      expect(events[events.length - 1]).toMatchObject({
        type: 'CriterionScoreCorrected',
        data: { criterion: 'CE1.1', result: 'not-acquired', previousResult: 'acquired', correctionReason: { alg: 'A256GCM', kid: candidate }, block: 'BC01' },
      });
      expectError(await score({ sessionId: session, criterion: 'CE1.2', result: 'acquired', correctionReason: 'x' }), 422, 'NO_SCORE_TO_CORRECT');
    });

    it('refuses criteria outside the enrolment, unknown ones, other sessions and other people', async () => {
      expectError(await score({ sessionId: session, criterion: criteria('BC04')[0], result: 'acquired' }), 422, 'CRITERION_NOT_IN_ENROLMENT');
      expectError(await score({ sessionId: session, criterion: 'CE999.9', result: 'acquired' }), 422, 'CRITERION_NOT_IN_ENROLMENT');
      expectError(await score({ sessionId: otherSession, criterion: 'CE1.2', result: 'acquired' }), 422, 'NOT_ENROLLED_IN_SESSION');
      expectError(await score({ sessionId: randomUUID(), criterion: 'CE1.2', result: 'acquired' }), 404, 'NOT_FOUND');
      expectError(await score({ sessionId: session, criterion: 'CE1.2', result: 'acquired' }, 'assessor2'), 403, 'FORBIDDEN');
      expectError(await score({ sessionId: session, criterion: 'CE1.2', result: 'acquired' }, 'admin'), 403, 'FORBIDDEN');
      expectError(await score({ sessionId: session, criterion: 'CE1.2', result: 'maybe' }), 400, 'VALIDATION_FAILED');
      expectError(await score({ sessionId: session, criterion: 'CE1.2', result: 'acquired', assessorId: 'someone-else' }), 400, 'VALIDATION_FAILED');
      expectError(await score({ sessionId: session, criterion: ['CE1.2'], result: 'acquired' }), 400, 'VALIDATION_FAILED');
      expectError(await score({ sessionId: session, criterion: 'CE1.2', result: 'acquired', comment: 'x'.repeat(2001) }), 400, 'VALIDATION_FAILED');
      expectError(await post(`/v1/candidates/${randomUUID()}/scores`, 'assessor', { sessionId: session, criterion: 'CE1.2', result: 'acquired' }), 404, 'NOT_FOUND');
    });

    it('refuses scores and corrections on a block the jury has decided', async () => {
      await score({ sessionId: session, criterion: 'CE9.1', result: 'acquired' }).expect(201);
      await seedEvent(`candidate-${candidate}`, 'BlockDecisionRecorded', { candidateId: candidate, juryId: randomUUID(), sessionId: session, block: 'BC02', decision: 'not-validated', revision: false });
      expectError(await score({ sessionId: session, criterion: 'CE9.2', result: 'acquired' }), 422, 'BLOCK_ALREADY_DECIDED');
      expectError(await score({ sessionId: session, criterion: 'CE9.1', result: 'not-acquired', correctionReason: 'too late' }), 422, 'BLOCK_ALREADY_DECIDED');
      await score({ sessionId: session, criterion: 'CE1.2', result: 'acquired' }).expect(201);
    });

    it('replays an Idempotency-Key answer without writing, and refuses it for another body', async () => {
      const body = { sessionId: session, criterion: 'CE2.1', result: 'acquired' };
      const first = await score(body, 'assessor', { 'Idempotency-Key': 'score-ce13' }).expect(201);
      const before = (await streamOf(candidate)).length;
      const again = await score(body, 'assessor', { 'Idempotency-Key': 'score-ce13' }).expect(201);
      expect(again.body).toEqual(first.body);
      expect((await streamOf(candidate)).length).toBe(before);
      expectError(await score({ ...body, result: 'not-acquired' }, 'assessor', { 'Idempotency-Key': 'score-ce13' }), 409, 'IDEMPOTENCY_KEY_REUSED');
    });

    it('registers once when a registration is retried with its Idempotency-Key after the answer was lost', async () => {
      const body = { givenName: 'Inès', familyName: 'Retry', birthDate: '1990-01-01', email: 'ines.retry@example.org', accessRoute: 'vae' };
      const first = await post('/v1/candidates', 'admin', body).set('Idempotency-Key', 'register-ines').expect(201);
      // As if the process died between the append and storing the answer.
      await t.app.get('DATABASE').pool.query(`DELETE FROM idempotency_keys WHERE key = 'register-ines'`);
      const retry = await post('/v1/candidates', 'admin', body).set('Idempotency-Key', 'register-ines').expect(201);
      expect(retry.body.id).toBe(first.body.id);
      expect((await streamOf(first.body.id)).map((e) => e.type)).toEqual(['CandidateRegistered']);
    });

    it('honours If-Match (412 on a stale version)', async () => {
      const version = (await streamOf(candidate)).length;
      expectError(await score({ sessionId: session, criterion: 'CE2.2', result: 'acquired' }, 'assessor', { 'If-Match': `"${version - 1}"` }), 412, 'PRECONDITION_FAILED');
      const res = await score({ sessionId: session, criterion: 'CE2.2', result: 'acquired' }, 'assessor', { 'If-Match': `"${version}"` }).expect(201);
      expect(res.body.version).toBe(version + 1);
    });

    it('lands 50 concurrent scores on one candidate, each exactly once', async () => {
      const busy = await register();
      await post(`/v1/candidates/${busy}/enrolments`, 'admin', { sessionId: session, blocks: ['BC01', 'BC02', 'BC03'] }).expect(201);
      const codes = [...criteria('BC01'), ...criteria('BC02'), ...criteria('BC03')].slice(0, 50);
      expect(codes).toHaveLength(50);
      const answers = await Promise.all(
        codes.map((criterion) => t.http().post(`/v1/candidates/${busy}/scores`).set('authorization', tok.assessor).send({ sessionId: session, criterion, result: 'acquired' })),
      );
      expect(answers.map((a) => a.status)).toEqual(codes.map(() => 201));
      const scored = (await streamOf(busy)).filter((e) => e.type === 'CriterionScored').map((e) => e.data.criterion);
      expect(scored).toHaveLength(50);
      expect(new Set(scored)).toEqual(new Set(codes));
      expect(new Set(answers.map((a) => a.body.version)).size).toBe(50);
    });
  });

  describe('neutralisation opinions', () => {
    const path = () => `/v1/candidates/${candidate}/neutralisation-opinions`;

    it('records the referent opinion with sealed motivation and answers opinionId', async () => {
      const criterion = nonCore('BC01');
      const res = await post(path(), 'referent', { criteria: [criterion], motivation: 'oral impossible (aphasie)' }).expect(201);
      expect(res.body.opinionId).toMatch(/^[0-9a-f-]{36}$/);
      const event = (await streamOf(candidate)).find((e) => e.type === 'NeutralisationRecommended')!;
      expect(event.data).toMatchObject({ candidateId: candidate, opinionId: res.body.opinionId, criteria: [criterion], motivation: { alg: 'A256GCM' } });
      expect(JSON.stringify(event.data)).not.toMatch(/aphasie/);
      expect(event.metadata.actor).toEqual({ id: 'referent-1', role: 'referent' });
      const read = (await get(`/v1/candidates/${candidate}`, 'jury').expect(200)).body;
      expect(read.neutralisationOpinions).toEqual([{ opinionId: res.body.opinionId, criteria: [criterion] }]);
    });

    it('refuses criteria outside the enrolled blocks, no motivation, no criteria, other roles', async () => {
      expectError(await post(path(), 'referent', { criteria: [nonCore('BC04')], motivation: 'm' }), 422, 'CRITERION_NOT_IN_ENROLMENT');
      expectError(await post(path(), 'referent', { criteria: ['CE999.1'], motivation: 'm' }), 422, 'CRITERION_NOT_IN_ENROLMENT');
      expectError(await post(path(), 'referent', { criteria: [nonCore('BC01')], motivation: '' }), 422, 'MOTIVATION_REQUIRED');
      expectError(await post(path(), 'referent', { criteria: [nonCore('BC01')] }), 400, 'VALIDATION_FAILED');
      expectError(await post(path(), 'referent', { criteria: [], motivation: 'm' }), 400, 'VALIDATION_FAILED');
      expectError(await post(path(), 'jury', { criteria: [nonCore('BC01')], motivation: 'm' }), 403, 'FORBIDDEN');
      expectError(await post(`/v1/candidates/${randomUUID()}/neutralisation-opinions`, 'referent', { criteria: ['CE1.1'], motivation: 'm' }), 404, 'NOT_FOUND');
    });
  });

  describe('bad input on every route, never a 500', () => {
    const routes = () => [
      { path: '/v1/sessions', who: 'admin' },
      { path: `/v1/sessions/${session}/assessors`, who: 'admin' },
      { path: '/v1/candidates', who: 'admin' },
      { path: `/v1/candidates/${candidate}/enrolments`, who: 'admin' },
      { path: `/v1/candidates/${candidate}/accommodations`, who: 'admin' },
      { path: `/v1/candidates/${candidate}/accommodations/${requestId}/opinion`, who: 'referent' },
      { path: `/v1/candidates/${candidate}/accommodations/${requestId}/decision`, who: 'admin' },
      { path: `/v1/candidates/${candidate}/accommodations/${requestId}/applications`, who: 'assessor' },
      { path: `/v1/candidates/${candidate}/scores`, who: 'assessor' },
      { path: `/v1/candidates/${candidate}/neutralisation-opinions`, who: 'referent' },
    ];

    it('answers 401 without a token, 403 for the wrong role, 400 for unknown fields, malformed JSON, arrays and empty bodies', async () => {
      for (const { path, who } of routes()) {
        expectError(await post(path, null, {}), 401, 'UNAUTHENTICATED');
        expectError(await post(path, 'regulator', {}), 403, 'FORBIDDEN');
        expectError(await post(path, who, { surprise: true }), 400, 'VALIDATION_FAILED');
        expectError(await post(path, who, {}), 400, 'VALIDATION_FAILED');
        expectError(await post(path, who, [1, 2]), 400, 'VALIDATION_FAILED');
        const malformed = await t.http().post(path).set('authorization', tok[who]).set('content-type', 'application/json').send('{"oops":');
        expectError(malformed, 400, 'VALIDATION_FAILED');
        const text = await t.http().post(path).set('authorization', tok[who]).set('content-type', 'text/plain').send('hello');
        expect(text.status).toBeGreaterThanOrEqual(400);
        expect(text.status).toBeLessThan(500);
      }
    });

    it('answers 404 for malformed or unknown path ids', async () => {
      expectError(await post('/v1/candidates/zzz/scores', 'assessor', { sessionId: session, criterion: 'CE1.1', result: 'acquired' }), 404, 'NOT_FOUND');
      expectError(await post(`/v1/candidates/${candidate}/accommodations/${randomUUID()}/opinion`, 'referent', { favourable: true, motivation: 'm' }), 404, 'NOT_FOUND');
      expectError(await post(`/v1/candidates/${randomUUID()}/accommodations/${requestId}/opinion`, 'referent', { favourable: true, motivation: 'm' }), 404, 'NOT_FOUND');
      expectError(await post(`/v1/candidates/${candidate}/accommodations/${requestId}'--/applications`, 'assessor', { sessionId: session, evaluation: 'x' }), 404, 'NOT_FOUND');
    });
  });
});

import { join } from 'node:path';
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { EventStore } from '@app/event-store/event-store';
import { canonicalize } from '@app/proof/canonical';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { fold } from '@app/domain/shared/decider';
import { asRecorded } from '@app/platform/commands/command-runner';
import { jurySpec } from '@app/domain/jury/jury';
import { recordContent, rollOf, SEAL_FORMAT, SEAL_FORMAT_V1 } from '@app/domain/jury/seal';
import { sealHashOf, signSeal } from '../../apps/api/src/juries/jury-seal';
import { closingFromOutcomes } from '@app/domain/jury/closing';
import { candidateSpec } from '@app/domain/candidate/candidate';
import { candidateView } from '@app/domain/jury/views';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { Clock } from '@app/platform/commands/clock';
import { startTestApp, TestApp } from '../support/app';
import { collectBuffer, pdfText } from '../support/pdf';
import { AccrochageExporter } from '../../apps/api/src/exports/accrochage/accrochage-exporter';

/**
 * A whole deliberation over HTTP on PostgreSQL. The referential, session and
 * candidate files are seeded by appending their events (docs/events.md)
 * straight to the event store, so this suite depends on the contract only.
 */
const doc: ReferentialDocument = {
  code: 'RNCP99999',
  title: 'Manager marketing et commercial',
  level: 7,
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [
    {
      code: 'BC01',
      title: 'Construire la stratégie',
      competences: [
        {
          code: 'C1',
          title: 'Analyser le marché',
          criteria: [
            { code: 'CE1.1', text: 'Analyse pertinente', core: true },
            { code: 'CE1.2', text: 'Présentation orale en groupe', core: false },
          ],
        },
      ],
    },
    { code: 'BC02', title: 'Piloter la performance', competences: [{ code: 'C2', title: 'Piloter', criteria: [{ code: 'CE2.1', text: 'Tableau de bord', core: true }] }] },
  ],
};

const T0 = '2026-07-01T10:00:00.000Z';
const { privateKey } = generateKeyPairSync('ed25519');
const SIGNING_KEY_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_KEY = createPublicKey(privateKey);

describe('jury deliberation (HTTP, PostgreSQL)', () => {
  let t: TestApp;
  let store: EventStore;
  let clock: jest.SpyInstance;
  const tok: Record<string, string> = {};
  const REF = randomUUID();
  const SESSION = randomUUID();
  const OTHER_SESSION = randomUUID();
  const A = randomUUID(); // all acquired, BC01 + BC02: certified
  const B = randomUUID(); // accommodation, CE1.2 neutralised on the referent's opinion
  const C = randomUUID(); // enrolled in another session
  const D = randomUUID(); // the president recuses themself; later erased
  const E = randomUUID(); // CE1.2 unscored
  const F = randomUUID(); // not-validated, then revised in their favour
  const G = randomUUID(); // scored concurrently with the decision
  const OPINION_B = randomUUID();
  const REQUEST_B = randomUUID();
  let jury: string;

  const append = async (streamId: string, type: string, data: object, actor = { id: 'seed', role: 'admin' }) => {
    const version = await store.streamVersion(streamId);
    return store.append(streamId, [{ type, data, metadata: { actor, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() } }], { expectedVersion: version });
  };
  const streamEvents = async (streamId: string) => (await store.readStream(streamId, { upcast: true })).map(asRecorded);
  const post = (path: string, who: string, body: object = {}) => t.http().post(path).set('authorization', tok[who]).send(body);
  const get = (path: string, who: string) => t.http().get(path).set('authorization', tok[who]);
  const expectError = async (res: { status: number; body: any }, status: number, code: string) => {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  };

  async function seedCandidate(id: string, given: string, family: string, sessionId: string, blocks: string[], scores: Array<[string, string]>) {
    const vault = t.app.get(PersonalDataVault);
    const identity = await vault.seal(id, { givenName: given, familyName: family, birthDate: '1990-04-02', email: `${given.toLowerCase()}@example.org` });
    await append(`candidate-${id}`, 'CandidateRegistered', { candidateId: id, identity, accessRoute: 'continuing-education' });
    await append(`candidate-${id}`, 'CandidateEnrolled', { candidateId: id, sessionId, referentialId: REF, blocks });
    for (const [criterion, result] of scores) {
      await append(`candidate-${id}`, 'CriterionScored', { candidateId: id, sessionId, block: criterion.startsWith('CE1') ? 'BC01' : 'BC02', criterion, result }, { id: 'ass-1', role: 'assessor' });
    }
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { SIGNING_KEY_PEM } });
    store = t.app.get(EVENT_STORE);
    clock = jest.spyOn(t.app.get(Clock), 'now').mockReturnValue(T0);
    const users: Array<[string, string[], string]> = [
      ['admin', ['admin'], 'Adèle Admin'],
      ['pres', ['jury'], 'Paule Présidente'],
      ['pro', ['jury'], 'Pierre Pro'],
      ['outsider', ['jury'], 'Olga Outsider'],
      ['reg', ['regulator'], 'Régis Régulateur'],
      ['assessor', ['assessor'], 'Anna Assessor'],
    ];
    for (const [sub, roles, name] of users) tok[sub] = `Bearer ${await t.token(sub, roles as never, name)}`;

    await append(`referential-${REF}`, 'ReferentialDrafted', { referentialId: REF, version: 1, document: doc });
    await append(`referential-${REF}`, 'ReferentialPublished', { referentialId: REF, code: doc.code, version: 1 });
    await append(`session-${SESSION}`, 'SessionOpened', { sessionId: SESSION, referentialId: REF, title: 'Session de juin 2026', startsOn: '2026-06-01', endsOn: '2026-06-30' });
    await append(`session-${OTHER_SESSION}`, 'SessionOpened', { sessionId: OTHER_SESSION, referentialId: REF, title: 'Session de mars 2026', startsOn: '2026-03-01', endsOn: '2026-03-31' });

    await seedCandidate(A, 'Alice', 'Durand', SESSION, ['BC01', 'BC02'], [['CE1.1', 'acquired'], ['CE1.2', 'acquired'], ['CE2.1', 'acquired']]);
    await seedCandidate(B, 'Bruno', 'Martin', SESSION, ['BC01'], [['CE1.1', 'acquired']]);
    await seedCandidate(C, 'Chloé', 'Bernard', OTHER_SESSION, ['BC01'], [['CE1.1', 'acquired']]);
    await seedCandidate(D, 'David', 'Petit', SESSION, ['BC01'], [['CE1.1', 'acquired'], ['CE1.2', 'not-acquired']]);
    await seedCandidate(E, 'Emma', 'Roux', SESSION, ['BC01'], [['CE1.1', 'acquired']]);
    await seedCandidate(F, 'Fabien', 'Moreau', SESSION, ['BC01'], [['CE1.1', 'not-acquired'], ['CE1.2', 'acquired']]);
    await seedCandidate(G, 'Gaël', 'Simon', SESSION, ['BC01'], [['CE1.1', 'acquired']]);

    const vault = t.app.get(PersonalDataVault);
    const sealedB = (v: unknown) => vault.seal(B, v);
    await append(`candidate-${B}`, 'AccommodationRequested', { candidateId: B, requestId: REQUEST_B, accommodations: [{ type: 'extra-time', extraTimePercent: 33 }], justification: await sealedB('dyslexie') });
    await append(`candidate-${B}`, 'ReferentOpinionGiven', { candidateId: B, requestId: REQUEST_B, favourable: true, motivation: await sealedB('favorable') }, { id: 'ref-1', role: 'referent' });
    await append(`candidate-${B}`, 'AccommodationGranted', { candidateId: B, requestId: REQUEST_B, reason: 'avis favorable du référent' });
    await append(`candidate-${B}`, 'AccommodationApplied', { candidateId: B, requestId: REQUEST_B, sessionId: SESSION, evaluation: 'Étude de cas BC01', note: 'salle séparée' });
    await append(
      `candidate-${B}`,
      'NeutralisationRecommended',
      { candidateId: B, opinionId: OPINION_B, criteria: ['CE1.1', 'CE1.2'], motivation: await sealedB('La présentation orale est rendue impossible par le trouble du candidat') },
      { id: 'ref-1', role: 'referent' },
    );
  });
  afterAll(async () => t?.close());

  const members = [
    { userId: 'pres', name: 'Paule Présidente', president: true, professional: false },
    { userId: 'pro', name: 'Pierre Pro', president: false, professional: true },
  ];

  describe('convening', () => {
    it('is for admins only (401 without a token, 403 for a jury member)', async () => {
      await t.http().post('/v1/juries').send({ sessionId: SESSION, members }).expect(401);
      await expectError(await post('/v1/juries', 'pres', { sessionId: SESSION, members }), 403, 'FORBIDDEN');
    });
    it('refuses malformed bodies (400)', async () => {
      await expectError(await post('/v1/juries', 'admin', { sessionId: 'nope', members }), 400, 'VALIDATION_FAILED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members, extra: 1 }), 400, 'VALIDATION_FAILED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members: [{ userId: 'x' }] }), 400, 'VALIDATION_FAILED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members, revises: { juryId: randomUUID(), reason: 'whim' } }), 400, 'VALIDATION_FAILED');
    });
    it('refuses an unknown session (404) and a bad composition (422)', async () => {
      await expectError(await post('/v1/juries', 'admin', { sessionId: randomUUID(), members }), 404, 'NOT_FOUND');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members: members.map((m) => ({ ...m, president: false })) }), 422, 'PRESIDENT_REQUIRED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members: members.map((m) => ({ ...m, president: true })) }), 422, 'PRESIDENT_REQUIRED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members: members.map((m) => ({ ...m, professional: false })) }), 422, 'PROFESSIONAL_REQUIRED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members: [...members, members[1]] }), 422, 'DUPLICATE_MEMBER');
    });
    it('convenes the jury: 201 with id, position, version and ETag; actor from the token', async () => {
      const res = await post('/v1/juries', 'admin', { sessionId: SESSION, members }).expect(201);
      expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), position: expect.any(Number), version: 1 });
      expect(res.headers.etag).toBe('"1"');
      jury = res.body.id;
      const [convened] = await store.readStream(`jury-${jury}`);
      expect(convened).toMatchObject({ type: 'JuryConvened', data: { juryId: jury, sessionId: SESSION, referentialId: REF, members }, metadata: { actor: { id: 'admin', role: 'admin' } } });
    });
  });

  describe('before opening', () => {
    it('refuses decisions and neutralisations (409 DELIBERATION_NOT_OPEN)', async () => {
      await expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'validated' }), 409, 'DELIBERATION_NOT_OPEN');
      await expectError(await post(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: B, criterion: 'CE1.2', opinionId: OPINION_B }), 409, 'DELIBERATION_NOT_OPEN');
      await expectError(await post(`/v1/juries/${jury}/close`, 'pres'), 409, 'DELIBERATION_NOT_OPEN');
      await expectError(await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'pro' }), 409, 'DELIBERATION_NOT_OPEN');
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'pro', {}), 409, 'DELIBERATION_NOT_CLOSED');
    });
    it('answers 404 for an unknown or malformed jury id', async () => {
      await expectError(await post(`/v1/juries/${randomUUID()}/open`, 'pres'), 404, 'NOT_FOUND');
      await expectError(await post(`/v1/juries/not-a-uuid/open`, 'pres'), 404, 'NOT_FOUND');
    });
  });

  let openedAt: number;
  describe('opening', () => {
    it('is for the president only: 403 for another member, a non-member, an admin', async () => {
      await expectError(await post(`/v1/juries/${jury}/open`, 'pro'), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/open`, 'outsider'), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/open`, 'admin'), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/open`, 'pres', { now: true }), 400, 'VALIDATION_FAILED');
    });
    it('opens once', async () => {
      const res = await post(`/v1/juries/${jury}/open`, 'pres').expect(201);
      openedAt = res.body.position;
      await expectError(await post(`/v1/juries/${jury}/open`, 'pres'), 409, 'DELIBERATION_ALREADY_OPEN');
    });
  });

  describe('recusals', () => {
    it('a member recuses themself; the president too', async () => {
      await post(`/v1/juries/${jury}/recusals`, 'pro', { candidateId: B, reason: 'ancien employeur du candidat' }).expect(201);
      await post(`/v1/juries/${jury}/recusals`, 'pres', { candidateId: D, reason: 'lien familial' }).expect(201);
    });
    it('refuses non-members (403), duplicates (409), candidates of another session (422), unknown candidates (404)', async () => {
      await expectError(await post(`/v1/juries/${jury}/recusals`, 'outsider', { candidateId: B, reason: 'x' }), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/recusals`, 'pro', { candidateId: B, reason: 'encore' }), 409, 'ALREADY_RECUSED');
      await expectError(await post(`/v1/juries/${jury}/recusals`, 'pro', { candidateId: C, reason: 'x' }), 422, 'CANDIDATE_NOT_IN_SESSION');
      await expectError(await post(`/v1/juries/${jury}/recusals`, 'pro', { candidateId: randomUUID(), reason: 'x' }), 404, 'NOT_FOUND');
      await expectError(await post(`/v1/juries/${jury}/recusals`, 'pro', { candidateId: B }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('neutralisations', () => {
    const neutralise = (who: string, body: object) => post(`/v1/juries/${jury}/neutralisations`, who, body);
    it('refuses other members and non-members (403)', async () => {
      await expectError(await neutralise('pro', { candidateId: B, criterion: 'CE1.2', opinionId: OPINION_B }), 403, 'FORBIDDEN');
      await expectError(await neutralise('outsider', { candidateId: B, criterion: 'CE1.2', opinionId: OPINION_B }), 403, 'FORBIDDEN');
    });
    it('refuses a core criterion, a missing opinion, a criterion outside the enrolment (422)', async () => {
      await expectError(await neutralise('pres', { candidateId: B, criterion: 'CE1.1', opinionId: OPINION_B }), 422, 'CRITERION_IS_CORE');
      await expectError(await neutralise('pres', { candidateId: A, criterion: 'CE1.2', opinionId: OPINION_B }), 422, 'NO_REFERENT_OPINION');
      await expectError(await neutralise('pres', { candidateId: B, criterion: 'CE1.2', opinionId: randomUUID() }), 422, 'NO_REFERENT_OPINION');
      await expectError(await neutralise('pres', { candidateId: B, criterion: 'CE2.1', opinionId: OPINION_B }), 422, 'CRITERION_NOT_IN_ENROLMENT');
    });
    it('neutralises a non-core criterion on the referent’s opinion, once', async () => {
      await neutralise('pres', { candidateId: B, criterion: 'CE1.2', opinionId: OPINION_B }).expect(201);
      await expectError(await neutralise('pres', { candidateId: B, criterion: 'CE1.2', opinionId: OPINION_B }), 422, 'CRITERION_ALREADY_NEUTRALISED');
    });
  });

  describe('decisions', () => {
    const decide = (who: string, body: object) => post(`/v1/juries/${jury}/decisions`, who, body);
    it('refuses other members and non-members (403)', async () => {
      await expectError(await decide('pro', { candidateId: A, block: 'BC01', decision: 'validated' }), 403, 'FORBIDDEN');
      await expectError(await decide('outsider', { candidateId: A, block: 'BC01', decision: 'validated' }), 403, 'FORBIDDEN');
      await expectError(await decide('pres', { candidateId: A, block: 'BC01', decision: 'passed' }), 400, 'VALIDATION_FAILED');
    });
    it('validates an acquired block, in the jury and the candidate file at once', async () => {
      const res = await decide('pres', { candidateId: A, block: 'BC01', decision: 'validated' }).expect(201);
      expect(res.body).toMatchObject({ id: jury, proposal: 'acquired', certificationAwarded: false });
      const recorded = (await streamEvents(`candidate-${A}`)).filter((e) => e.type === 'BlockDecisionRecorded');
      expect(recorded.map((e) => e.data)).toEqual([{ candidateId: A, juryId: jury, sessionId: SESSION, block: 'BC01', decision: 'validated', revision: false }]);
      const decided = (await streamEvents(`jury-${jury}`)).filter((e) => e.type === 'BlockDecided');
      expect(decided[0].globalPosition).toBeLessThan(recorded[0].globalPosition! + 2);
    });
    it('refuses the same block twice (422 BLOCK_ALREADY_DECIDED)', async () => {
      await expectError(await decide('pres', { candidateId: A, block: 'BC01', decision: 'validated' }), 422, 'BLOCK_ALREADY_DECIDED');
    });
    it('needs a motivation to depart from the proposal (422 MOTIVATION_REQUIRED)', async () => {
      await expectError(await decide('pres', { candidateId: A, block: 'BC02', decision: 'not-validated' }), 422, 'MOTIVATION_REQUIRED');
      await expectError(await decide('pres', { candidateId: A, block: 'BC02', decision: 'deferred', motivation: '' }), 422, 'MOTIVATION_REQUIRED');
    });
    it('never validates with unscored criteria (422 SCORES_INCOMPLETE)', async () => {
      await expectError(await decide('pres', { candidateId: E, block: 'BC01', decision: 'validated', motivation: 'confiance' }), 422, 'SCORES_INCOMPLETE');
    });
    it('decides only candidates and blocks of the session', async () => {
      await expectError(await decide('pres', { candidateId: C, block: 'BC01', decision: 'validated' }), 422, 'CANDIDATE_NOT_IN_SESSION');
      await expectError(await decide('pres', { candidateId: B, block: 'BC02', decision: 'validated' }), 422, 'BLOCK_NOT_IN_ENROLMENT');
      await expectError(await decide('pres', { candidateId: randomUUID(), block: 'BC01', decision: 'validated' }), 404, 'NOT_FOUND');
    });
    it('a president recused for a candidate cannot decide for them (422 MEMBER_RECUSED)', async () => {
      await expectError(await decide('pres', { candidateId: D, block: 'BC01', decision: 'not-validated' }), 422, 'MEMBER_RECUSED');
    });
    it('the admin designates a substitute president (a member, recorded) who decides for that candidate', async () => {
      await expectError(await post(`/v1/juries/${jury}/president`, 'pres', { userId: 'pro' }), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'outsider' }), 422, 'NOT_A_MEMBER');
      await expectError(await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'pres' }), 422, 'ALREADY_PRESIDENT');
      await expectError(await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'pro', extra: 1 }), 400, 'VALIDATION_FAILED');
      await expectError(await post(`/v1/juries/${jury}/president`, 'admin', {}), 400, 'VALIDATION_FAILED');
      await expectError(await post(`/v1/juries/${randomUUID()}/president`, 'admin', { userId: 'pro' }), 404, 'NOT_FOUND');
      const res = await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'pro' }).expect(201);
      expect(res.body).toMatchObject({ id: jury, president: 'pro' });
      expect((await streamEvents(`jury-${jury}`)).pop()).toMatchObject({ type: 'PresidentDesignated', data: { juryId: jury, userId: 'pro', previousUserId: 'pres' } });
      await decide('pro', { candidateId: D, block: 'BC01', decision: 'not-validated' }).expect(201);
      await expectError(await decide('pres', { candidateId: A, block: 'BC02', decision: 'validated' }), 403, 'FORBIDDEN');
      await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'pres' }).expect(201);
    });
    it('validates a block with a neutralised criterion left out of the proposal', async () => {
      const res = await decide('pres', { candidateId: B, block: 'BC01', decision: 'validated' }).expect(201);
      expect(res.body.proposal).toBe('acquired');
    });
    it('defers an incomplete block with a motivation; agrees with a not-acquired proposal without one', async () => {
      await decide('pres', { candidateId: E, block: 'BC01', decision: 'deferred', motivation: 'Épreuve orale à repasser' }).expect(201);
      await decide('pres', { candidateId: F, block: 'BC01', decision: 'not-validated' }).expect(201);
    });
    it('a score landing while the decision is taken makes it run again on the new scores (no score slips in unseen)', async () => {
      const read = store.readStream.bind(store);
      let raced = false;
      const spy = jest.spyOn(store, 'readStream').mockImplementation(async (streamId, options) => {
        const events = await read(streamId, options);
        if (streamId === `candidate-${G}` && !raced) {
          raced = true;
          await append(streamId, 'CriterionScored', { candidateId: G, sessionId: SESSION, block: 'BC01', criterion: 'CE1.2', result: 'not-acquired' }, { id: 'ass-1', role: 'assessor' });
        }
        return events;
      });
      try {
        const res = await decide('pres', { candidateId: G, block: 'BC01', decision: 'deferred', motivation: 'à revoir ensemble' }).expect(201);
        expect(raced).toBe(true);
        expect(res.body.proposal).toBe('not-acquired');
      } finally {
        spy.mockRestore();
      }
      const types = (await streamEvents(`candidate-${G}`)).map((e) => e.type);
      expect(types.slice(-2)).toEqual(['CriterionScored', 'BlockDecisionRecorded']);
    });
    it('a deferred block is decided again later in the same deliberation; a decided one is not', async () => {
      await decide('pres', { candidateId: G, block: 'BC01', decision: 'not-validated' }).expect(201);
      await expectError(await decide('pres', { candidateId: G, block: 'BC01', decision: 'not-validated' }), 422, 'BLOCK_ALREADY_DECIDED');
      const decided = (await streamEvents(`jury-${jury}`)).filter((e) => e.type === 'BlockDecided' && e.data.candidateId === G);
      expect(decided.map((e) => e.data.decision)).toEqual(['deferred', 'not-validated']);
    });
    it('the last validated block awards nothing yet: the award waits for the seal', async () => {
      const res = await decide('pres', { candidateId: A, block: 'BC02', decision: 'validated', motivation: 'Tableau de bord remarquable' }).expect(201);
      expect(res.body.certificationAwarded).toBe(false);
      expect((await streamEvents(`candidate-${A}`)).filter((e) => e.type === 'CertificationAwarded')).toEqual([]);
      const progress = (await get(`/v1/candidates/${A}/progress?asOf=${new Date().toISOString()}`, 'admin').expect(200)).body;
      expect(progress).toMatchObject({ certified: false, blocks: [{ code: 'BC01', decision: 'validated' }, { code: 'BC02', decision: 'validated' }] });
    });
  });

  let seal: { sealHash: string; signature: string; keyFingerprint: string };
  let beforeClose: string;
  describe('closing and the seal', () => {
    it('is for the president only (403)', async () => {
      await expectError(await post(`/v1/juries/${jury}/close`, 'pro'), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/close`, 'outsider'), 403, 'FORBIDDEN');
    });
    it('seals: answers sealHash, signature and key fingerprint; the award follows DeliberationClosed in the same append', async () => {
      beforeClose = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      const res = await post(`/v1/juries/${jury}/close`, 'pres').expect(201);
      expect(res.body).toMatchObject({ id: jury, sealHash: expect.stringMatching(/^[0-9a-f]{64}$/), signature: expect.any(String), keyFingerprint: expect.stringMatching(/^sha256:/) });
      expect(res.body).toMatchObject({ awarded: [A], withdrawn: [], deferred: [{ candidateId: E, block: 'BC01' }] });
      seal = { sealHash: res.body.sealHash, signature: res.body.signature, keyFingerprint: res.body.keyFingerprint };
      const closed = (await streamEvents(`jury-${jury}`)).pop()!;
      expect(closed).toMatchObject({ type: 'DeliberationClosed', data: { juryId: jury, ...seal, closedAt: T0 } });
      const stored = (await store.readStream(`candidate-${A}`)).filter((e) => e.type === 'CertificationAwarded');
      expect(stored).toHaveLength(1);
      const [closedStored] = (await store.readStream(`jury-${jury}`)).slice(-1);
      expect(stored[0].transactionId).toBe(closedStored.transactionId);
      expect(stored[0].globalPosition).toBeGreaterThan(closedStored.globalPosition);
      const awards = [asRecorded(stored[0])];
      expect(awards.map((e) => e.data)).toEqual([
        {
          candidateId: A,
          certificationCode: doc.code,
          referentialId: REF,
          juryId: jury,
          blocks: [
            { block: 'BC01', juryId: jury, sessionId: SESSION, referentialId: REF, validatedOn: T0.slice(0, 10) },
            { block: 'BC02', juryId: jury, sessionId: SESSION, referentialId: REF, validatedOn: T0.slice(0, 10) },
          ],
          awardedOn: T0.slice(0, 10),
          sealHash: seal.sealHash,
        },
      ]);
      // Progress and record, as they stood before the closing, show no award; from the closing on, they do.
      const progressAt = async (asOf: string) => (await get(`/v1/candidates/${A}/progress?asOf=${asOf}`, 'admin').expect(200)).body;
      expect((await progressAt(beforeClose)).certified).toBe(false);
      expect((await progressAt(new Date().toISOString())).certified).toBe(true);
      const recordAt = async (asOf: string) => (await get(`/v1/juries/${jury}/record?asOf=${asOf}`, 'admin').expect(200)).body.candidates.find((c: any) => c.candidateId === A);
      expect((await recordAt(beforeClose)).awards).toEqual([]);
      expect((await recordAt(new Date().toISOString())).awards).toMatchObject([{ certificationCode: doc.code, referentialId: REF, awardedOn: T0.slice(0, 10), withdrawn: null }]);
    });
    it('anyone can recompute the hash from the log and check the signature with the public key', async () => {
      const juryState = fold(jurySpec, await streamEvents(`jury-${jury}`));
      const opinions = fold(candidateSpec, await streamEvents(`candidate-${B}`)).neutralisationOpinions;
      const outcomes: Record<string, any> = {};
      const enrolled: Record<string, any> = {};
      for (const id of [A, B, C, D, E, F, G]) {
        const view = candidateView(fold(candidateSpec, await streamEvents(`candidate-${id}`)));
        outcomes[id] = view.outcome;
        if (view.enrolments[SESSION]) enrolled[id] = view;
      }
      // Format 3: the roll, every candidate enrolled in the session with their blocks (C is in another session).
      const roll = rollOf(juryState, enrolled);
      expect(roll.map((r) => r.candidateId).sort()).toEqual([A, B, D, E, F, G].sort());
      const content = recordContent(juryState, { id: REF, code: doc.code, version: 1 }, opinions, T0, closingFromOutcomes(jury, outcomes), SEAL_FORMAT, roll);
      expect(content.awards!.map((a) => a.candidateId)).toEqual([A]);
      expect(JSON.stringify(content)).not.toContain('La présentation orale'); // ciphertext, never plaintext
      const hash = createHash('sha256').update(canonicalize(content), 'utf8').digest('hex');
      expect(hash).toBe(seal.sealHash);
      const message = Buffer.from(canonicalize({ format: 'cert-jury-record/3', juryId: jury, sealHash: hash }), 'utf8');
      expect(verify(null, message, PUBLIC_KEY, Buffer.from(seal.signature, 'base64'))).toBe(true);
      expect(verify(null, Buffer.from(canonicalize({ format: 'cert-jury-record/3', juryId: jury, sealHash: '0'.repeat(64) })), PUBLIC_KEY, Buffer.from(seal.signature, 'base64'))).toBe(false);
    });
    it('the record carries what the seal covers: recomputing from it gives the same hash', async () => {
      const record = (await get(`/v1/juries/${jury}/record`, 'reg').expect(200)).body;
      expect(record.sealVerification).toMatchObject({ intact: true, signatureValid: true, contentHash: seal.sealHash });
      expect(createHash('sha256').update(canonicalize(record.sealVerification.content)).digest('hex')).toBe(record.sealHash);
      // Every decision is sealed, a deferral decided again included; the record shows the one that stands, the earlier ones under `earlier`.
      const sealedDecisions = record.sealVerification.content.decisions.map((d: any) => [d.candidateId, d.block, d.decision, d.proposal]);
      expect(sealedDecisions).toEqual(
        record.candidates.flatMap((c: any) =>
          c.blocks.filter((b: any) => b.decision).flatMap((b: any) => [...b.earlier.map((x: any) => [c.candidateId, b.block, x.decision, x.proposal]), [c.candidateId, b.block, b.decision, b.proposal]]),
        ),
      );
      expect(record.sealVerification.content.designations).toEqual([
        { userId: 'pro', previousUserId: 'pres' },
        { userId: 'pres', previousUserId: 'pro' },
      ]);
      expect(record.designations.map((d: any) => d.userId)).toEqual(['pro', 'pres']);
      // The seal covers the motivations as stored: ciphertext under each candidate's key, never the text.
      const motivations = record.sealVerification.content.decisions.map((d: any) => d.motivation).filter((m: unknown) => m !== null);
      expect(motivations.length).toBeGreaterThan(0);
      for (const m of motivations) expect(m).toMatchObject({ alg: 'A256GCM', ct: expect.any(String) });
      expect(JSON.stringify(record.sealVerification.content)).not.toMatch(/Tableau de bord|repasser|employeur|familial/);
    });
    it('refuses anything after close (409 DELIBERATION_CLOSED)', async () => {
      await expectError(await post(`/v1/juries/${jury}/open`, 'pres'), 409, 'DELIBERATION_CLOSED');
      await expectError(await post(`/v1/juries/${jury}/close`, 'pres'), 409, 'DELIBERATION_CLOSED');
      await expectError(await post(`/v1/juries/${jury}/decisions`, 'pres', { candidateId: E, block: 'BC01', decision: 'deferred', motivation: 'x' }), 409, 'DELIBERATION_CLOSED');
      await expectError(await post(`/v1/juries/${jury}/neutralisations`, 'pres', { candidateId: B, criterion: 'CE1.2', opinionId: OPINION_B }), 409, 'DELIBERATION_CLOSED');
      await expectError(await post(`/v1/juries/${jury}/recusals`, 'pres', { candidateId: A, reason: 'x' }), 409, 'DELIBERATION_CLOSED');
      await expectError(await post(`/v1/juries/${jury}/president`, 'admin', { userId: 'pro' }), 409, 'DELIBERATION_CLOSED');
    });
  });

  describe('approval of the sealed record', () => {
    // The CDC export as the API runs it (preview: nothing recorded as sent); this suite's app has no CDC identifiers.
    const exportPreview = () =>
      new AccrochageExporter(t.app.get('DATABASE').pool, store, (v) => t.app.get(PersonalDataVault).open(v), { emitterId: 'EMT00001', certifierId: 'EMT00001', contractId: 'CTR-42', deadlineWarningDays: 30, validator: null, approvalRequired: true }).export({ preview: true, to: '2999-12-31' });
    const credentialsOfA = () => get(`/v1/candidates/${A}/credentials`, 'admin').expect(200);
    let beforeApprovals: string;

    it('only members of this jury approve, with a known body and the record’s seal', async () => {
      beforeApprovals = new Date().toISOString();
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'outsider', {}), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'admin', {}), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'pro', { comment: 'ok', extra: 1 }), 400, 'VALIDATION_FAILED');
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'pro', { sealHash: 'abc' }), 400, 'VALIDATION_FAILED');
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'pro', { sealHash: '0'.repeat(64) }), 409, 'SEAL_MISMATCH');
      await expectError(await post(`/v1/juries/${randomUUID()}/approvals`, 'pro', {}), 404, 'NOT_FOUND');
    });

    it('a member approves (recorded with the seal hash, the comment sealed); the record is not final until the president approves', async () => {
      const version = await store.streamVersion(`jury-${jury}`);
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'pro', {}).set('If-Match', `"${version - 1}"`), 412, 'PRECONDITION_FAILED');
      const res = await post(`/v1/juries/${jury}/approvals`, 'pro', { comment: 'Relu, conforme aux débats.' }).set('If-Match', `"${version}"`).expect(201);
      expect(res.body).toMatchObject({ id: jury, version: version + 1, memberId: 'pro', president: false, sealHash: seal.sealHash, approvedAt: T0 });
      expect(res.headers.etag).toBe(`"${version + 1}"`);
      await expectError(await post(`/v1/juries/${jury}/approvals`, 'pro', {}), 409, 'ALREADY_APPROVED');
      const [event] = (await streamEvents(`jury-${jury}`)).slice(-1);
      expect(event).toMatchObject({ type: 'RecordApproved', data: { juryId: jury, memberId: 'pro', sealHash: seal.sealHash, president: false, at: T0, comment: { alg: 'A256GCM' } } });
      expect(JSON.stringify(event.data)).not.toContain('conforme');

      const byMember = (await get(`/v1/juries/${jury}/record`, 'pro').expect(200)).body;
      expect(byMember).toMatchObject({ approvalStatus: 'awaiting-president', final: false });
      expect(byMember.approvals).toEqual([{ memberId: 'pro', name: 'Pierre Pro', president: false, approvedAt: T0, sealHash: seal.sealHash, comment: 'Relu, conforme aux débats.' }]);
      expect(byMember.sealVerification.intact).toBe(true); // the approvals follow the seal: they are not part of it
      const byRegulator = (await get(`/v1/juries/${jury}/record`, 'reg').expect(200)).body;
      expect(byRegulator.approvals[0].comment).toBe('[withheld]');
      expect((await get(`/v1/juries/${jury}/record?asOf=${beforeApprovals}`, 'admin').expect(200)).body).toMatchObject({ approvals: [], approvalStatus: 'awaiting-president' });

      // Not final yet: no credential stands on it, and the CDC export leaves its award out.
      const withheld = await credentialsOfA();
      expect([withheld.body, withheld.headers['x-credentials-withheld']]).toEqual([[], '3']);
      expect(withheld.headers.warning).toContain(`jury ${jury}: sealed record awaiting the president approval`);
      const waiting = (await exportPreview()).report;
      expect([waiting.awaitingApproval, waiting.declared.length + waiting.notExportable.length]).toEqual([1, 0]);
    });

    it('the president’s approval makes the record final: credentials issued, the award declared', async () => {
      const res = await post(`/v1/juries/${jury}/approvals`, 'pres', { sealHash: seal.sealHash }).expect(201);
      expect(res.body).toMatchObject({ memberId: 'pres', president: true, sealHash: seal.sealHash });
      const record = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
      expect(record).toMatchObject({ approvalStatus: 'approved', final: true });
      expect(record.approvals.map((a: any) => [a.memberId, a.president, a.comment])).toEqual([
        ['pro', false, 'Relu, conforme aux débats.'],
        ['pres', true, null],
      ]);
      const issued = await credentialsOfA();
      expect(issued.body.map((c: any) => c.credentialSubject.achievement.humanCode).sort()).toEqual([doc.code, `${doc.code}BC01`, `${doc.code}BC02`]);
      expect(issued.headers['x-credentials-withheld']).toBe('0');
      const released = (await exportPreview()).report;
      expect(released.awaitingApproval).toBe(0);
      // A's identity lacks what the CDC requires (sex, birth place): the award is now considered, and reported as not exportable.
      expect([...released.declared, ...released.notExportable].map((a) => a.candidateId)).toEqual([A]);
    });
  });

  describe('a record sealed in format 1', () => {
    it('still verifies: content and signature are checked as they were sealed', async () => {
      const old = randomUUID();
      const closedAt = '2025-06-30T10:00:00.000Z';
      const seeded = [
        { type: 'JuryConvened', data: { juryId: old, sessionId: SESSION, referentialId: REF, members } },
        { type: 'DeliberationOpened', data: { juryId: old } },
        { type: 'BlockDecided', data: { juryId: old, candidateId: C, block: 'BC01', decision: 'not-validated', proposal: 'not-acquired' } },
      ];
      const content = recordContent(fold(jurySpec, seeded), { id: REF, code: doc.code, version: 1 }, {}, closedAt, undefined, SEAL_FORMAT_V1);
      const sealHash = sealHashOf(content);
      const keyFingerprint = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body.keyFingerprint;
      for (const e of seeded) await append(`jury-${old}`, e.type, e.data);
      await append(`jury-${old}`, 'DeliberationClosed', { juryId: old, sealHash, signature: signSeal(old, sealHash, privateKey, SEAL_FORMAT_V1), keyFingerprint, closedAt });
      const record = (await get(`/v1/juries/${old}/record`, 'admin').expect(200)).body;
      expect(record.sealVerification).toMatchObject({ intact: true, signatureValid: true, contentHash: sealHash, content: { format: 'cert-jury-record/1' } });
      expect(record.sealVerification.content.awards).toBeUndefined();
    });
  });

  describe('the record', () => {
    it('is readable by admins, regulators and members; not by other jury users or assessors (403)', async () => {
      await get(`/v1/juries/${jury}/record`, 'admin').expect(200);
      await get(`/v1/juries/${jury}/record`, 'pro').expect(200);
      await expectError(await get(`/v1/juries/${jury}/record`, 'outsider'), 403, 'FORBIDDEN');
      await expectError(await get(`/v1/juries/${jury}/record`, 'assessor'), 403, 'FORBIDDEN');
      await expectError(await get(`/v1/juries/${jury}/record.pdf`, 'outsider'), 403, 'FORBIDDEN');
      await expectError(await get(`/v1/juries/${randomUUID()}/record`, 'admin'), 404, 'NOT_FOUND');
      await expectError(await get(`/v1/juries/${jury}/record?asOf=yesterday`, 'admin'), 400, 'VALIDATION_FAILED');
      await expectError(await get(`/v1/juries/${jury}/record?atPosition=-1`, 'admin'), 400, 'VALIDATION_FAILED');
    });
    it('shows members, recusals, proposals, decisions, motivations, neutralisations with the opinion, accommodations', async () => {
      // Jury members read the names, motivations and recusal reasons; the health texts stay with admins (docs/security.md).
      const asAdmin = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
      const adminB = asAdmin.candidates.find((c: any) => c.candidateId === B);
      expect(adminB.blocks[0].neutralised[0].opinion.motivation).toBe('La présentation orale est rendue impossible par le trouble du candidat');
      expect(adminB.accommodations[0]).toMatchObject({ reason: 'avis favorable du référent', applied: [{ evaluation: 'Étude de cas BC01', note: 'salle séparée' }] });
      const r = (await get(`/v1/juries/${jury}/record`, 'pres').expect(200)).body;
      expect(r).toMatchObject({
        juryId: jury,
        status: 'closed',
        session: { sessionId: SESSION, title: 'Session de juin 2026' },
        certification: { referentialId: REF, code: doc.code, title: doc.title, version: 1 },
        members: members.map((m) => ({ ...m, present: true })),
        recusals: expect.arrayContaining([
          { userId: 'pro', name: 'Pierre Pro', candidateId: B, reason: 'ancien employeur du candidat' },
          { userId: 'pres', name: 'Paule Présidente', candidateId: D, reason: 'lien familial' },
        ]),
        sealHash: seal.sealHash,
        signature: seal.signature,
        keyFingerprint: seal.keyFingerprint,
      });
      const byId = Object.fromEntries(r.candidates.map((c: any) => [c.candidateId, c]));
      expect(byId[A]).toMatchObject({ name: 'Alice Durand', blocks: [{ block: 'BC01', proposal: 'acquired', decision: 'validated', motivation: null }, { block: 'BC02', decision: 'validated', motivation: 'Tableau de bord remarquable' }] });
      expect(byId[B].blocks).toEqual([
        expect.objectContaining({
          block: 'BC01',
          proposal: 'acquired',
          decision: 'validated',
          criteria: { total: 2, scored: 1, acquired: 1, neutralised: 1 },
          neutralised: [{ criterion: 'CE1.2', text: 'Présentation orale en groupe', opinionId: OPINION_B, opinion: { criteria: ['CE1.1', 'CE1.2'], motivation: '[withheld]', givenBy: 'ref-1', givenAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) } }],
        }),
      ]);
      expect(byId[B].accommodations).toEqual([{ requestId: REQUEST_B, types: ['extra-time'], extraTimePercent: 33, reason: '[withheld]', applied: [{ evaluation: 'Étude de cas BC01', note: '[withheld]' }] }]);
      expect(byId[D]).toMatchObject({ recusedMembers: ['pres'], blocks: [{ block: 'BC01', decision: 'not-validated', proposal: 'not-acquired' }] });
      expect(byId[E].blocks[0]).toMatchObject({ decision: 'deferred', deferred: true, proposal: 'incomplete', motivation: 'Épreuve orale à repasser' });
      expect(byId[G].blocks[0]).toMatchObject({ decision: 'not-validated', deferred: false, earlier: [{ decision: 'deferred', proposal: 'not-acquired' }] });
    });
    it('time travel: as it stood when the deliberation opened, and by timestamp', async () => {
      const atOpen = (await get(`/v1/juries/${jury}/record?atPosition=${openedAt}`, 'admin').expect(200)).body;
      expect(atOpen).toMatchObject({ status: 'open', sealHash: null, recusals: [], atPosition: openedAt, sealVerification: null });
      // Every candidate enrolled in the session, none decided yet (API.md: undecided ones included).
      expect(atOpen.candidates.map((c: any) => c.candidateId).sort()).toEqual([A, B, D, E, F, G].sort());
      expect(atOpen.candidates.flatMap((c: any) => c.blocks.map((b: any) => b.decision))).toEqual(atOpen.candidates.flatMap((c: any) => c.blocks.map(() => null)));
      const before = (await get(`/v1/juries/${jury}/record?asOf=2000-01-01T00:00:00Z`, 'admin'));
      await expectError(before, 404, 'NOT_FOUND');
    });
    it('the PDF procès-verbal says it all in French, seal at the end', async () => {
      const res = await get(`/v1/juries/${jury}/record.pdf`, 'admin').buffer(true).parse(collectBuffer).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/pdf/);
      const pdf = res.body as Buffer;
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const text = await pdfText(pdf);
      // The text as read, without the footer each page repeats (a paragraph may run across a page break).
      const body = text.replace(/\s+/g, ' ').replace(/ ?Sceau SHA-256 : [0-9a-f]{64} Clé : sha256:[0-9a-f]{64} page \d+ \/ \d+ -- \d+ of \d+ --/g, '');
      for (const expected of [
        'Procès-verbal de délibération du jury',
        doc.title,
        `Code RNCP : ${doc.code}`,
        'Référentiel : version 1',
        'Session de juin 2026',
        'Paule Présidente — président(e) du jury',
        'Pierre Pro — membre du jury, professionnel(le) du secteur',
        'Pierre Pro s’est déporté(e) pour Bruno Martin',
        'Alice Durand — certifié(e)',
        'David Petit — non validé', // decided by the substitute president
        'ancien employeur du candidat',
        'Alice Durand — ',
        `Référence : ${A}`,
        'Bloc BC02 — Piloter la performance',
        'Proposition : acquis',
        'Décision du jury : validé',
        'Motivation : Tableau de bord remarquable',
        'Critère neutralisé CE1.2',
        'sur l’avis motivé du référent handicap de ref-1 du ',
        'La présentation orale est rendue impossible',
        'temps majoré de 33 %',
        'appliqué lors de : Étude de cas BC01',
        'Décision du jury : différé',
        'Décision antérieure dans cette délibération : différé',
        `Certification ${doc.code} délivrée le 1er juillet 2026`,
        'Pierre Pro désigné(e) président(e) suppléant(e) en remplacement de Paule Présidente',
        'Approbation du procès-verbal scellé',
        'Approuvé par Pierre Pro, membre du jury, le 1er juillet 2026 à 12 h 00 — observation : Relu, conforme aux débats.',
        'Approuvé par Paule Présidente, président(e) du jury, le 1er juillet 2026 à 12 h 00',
        'Procès-verbal définitif : approuvé par le (la) président(e) du jury.',
        'Empreinte SHA-256',
        seal.sealHash,
        seal.signature,
        seal.keyFingerprint,
      ]) {
        expect(body).toContain(expected);
      }
      expect(text.indexOf('Empreinte SHA-256')).toBeGreaterThan(text.indexOf(`Référence : ${A}`));
    });
    it('an erased candidate reads "effacé"; the seal still verifies', async () => {
      await t.app.get(PersonalDataVault).erase(D);
      const r = (await get(`/v1/juries/${jury}/record`, 'admin').expect(200)).body;
      expect(r.candidates.find((c: any) => c.candidateId === D)).toMatchObject({ name: null, erased: true });
      expect(r.sealVerification.intact).toBe(true);
      const res = await get(`/v1/juries/${jury}/record.pdf`, 'admin').buffer(true).parse(collectBuffer);
      const text = await pdfText(res.body as Buffer);
      expect(text.replace(/\s+/g, ' ')).toContain(`effacé Référence : ${D}`);
      expect(text).not.toContain('David Petit');
    });
  });

  describe('replay', () => {
    it('the same log replayed into a fresh database gives byte-identical record JSON and the same seal hash', async () => {
      const original = await get(`/v1/juries/${jury}/record`, 'reg').expect(200);
      const copy = await startTestApp({ env: { SIGNING_KEY_PEM, PERSONAL_DATA_KEK_FILE: join(t.dataDir, 'keys', 'personal-data-kek-dev.hex') } });
      try {
        const target: EventStore = copy.app.get(EVENT_STORE);
        for (let after = { transactionId: '0', position: 0 }; ; ) {
          const batch = await store.readAll({ after, limit: 500 });
          if (batch.length === 0) break;
          for (const e of batch) {
            await target.append(e.streamId, [{ eventId: e.eventId, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata }], { expectedVersion: e.version - 1 });
          }
          const last = batch[batch.length - 1];
          after = { transactionId: last.transactionId, position: last.globalPosition };
        }
        // The data keys live outside the log (crypto-shredding); a restore carries them along, and the KEK that wraps them.
        const { rows } = await t.app.get('DATABASE').pool.query('SELECT subject_id, data_key, kek_id, erased_at FROM personal_data_keys');
        for (const row of rows) {
          await copy.app.get('DATABASE').pool.query('INSERT INTO personal_data_keys (subject_id, data_key, kek_id, erased_at) VALUES ($1, $2, $3, $4)', [row.subject_id, row.data_key, row.kek_id, row.erased_at]);
        }
        const regulator = `Bearer ${await copy.token('reg', ['regulator'])}`;
        const replayed = await copy.http().get(`/v1/juries/${jury}/record`).set('authorization', regulator).expect(200);
        expect(replayed.text).toBe(original.text);
        expect(replayed.body.sealVerification).toMatchObject({ intact: true, contentHash: seal.sealHash });
      } finally {
        await copy.close();
      }
    });
  });

  describe('appeal and revision', () => {
    let openJury: string;
    let appealId: string;
    beforeAll(async () => {
      openJury = (await post('/v1/juries', 'admin', { sessionId: SESSION, members }).expect(201)).body.id;
    });

    it('an appeal is lodged by an admin against a closed jury that decided the candidate', async () => {
      await expectError(await post(`/v1/candidates/${A}/appeals`, 'pres', { juryId: jury, reason: 'x' }), 403, 'FORBIDDEN');
      await expectError(await post(`/v1/candidates/${A}/appeals`, 'admin', { juryId: openJury, reason: 'x' }), 422, 'JURY_NOT_CLOSED');
      await expectError(await post(`/v1/candidates/${C}/appeals`, 'admin', { juryId: jury, reason: 'x' }), 422, 'NOT_DECIDED_BY_JURY');
      await expectError(await post(`/v1/candidates/${A}/appeals`, 'admin', { juryId: randomUUID(), reason: 'x' }), 404, 'NOT_FOUND');
      const res = await post(`/v1/candidates/${F}/appeals`, 'admin', { juryId: jury, reason: 'Erreur de report de la note CE1.1' }).expect(201);
      appealId = res.body.appealId;
      expect(res.body).toMatchObject({ id: F, appealId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect((await streamEvents(`candidate-${F}`)).pop()).toMatchObject({ type: 'AppealLodged', data: { candidateId: F, appealId, juryId: jury } });
    });

    it('a revision jury revises a closed jury only, naming a real appeal', async () => {
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members, revises: { juryId: openJury, reason: 'material-error' } }), 422, 'REVISED_JURY_NOT_CLOSED');
      await expectError(await post('/v1/juries', 'admin', { sessionId: SESSION, members, revises: { juryId: jury, reason: 'appeal', appealId: randomUUID() } }), 422, 'APPEAL_NOT_FOUND');
      await expectError(await post('/v1/juries', 'admin', { sessionId: OTHER_SESSION, members, revises: { juryId: jury, reason: 'material-error' } }), 422, 'REVISION_SESSION_MISMATCH');
    });

    it('the four-month rule, both ways, with a fixed clock', async () => {
      const within = await post('/v1/juries', 'admin', { sessionId: SESSION, members, revises: { juryId: jury, reason: 'material-error' } }).expect(201);
      const late = await post('/v1/juries', 'admin', { sessionId: SESSION, members, revises: { juryId: jury, reason: 'appeal', appealId } }).expect(201);
      await post(`/v1/juries/${within.body.id}/open`, 'pres').expect(201);
      await post(`/v1/juries/${late.body.id}/open`, 'pres').expect(201);

      // Four months and a day after the closing: only in the candidate's favour.
      clock.mockReturnValue('2026-11-02T10:00:00.000Z');
      await expectError(
        await post(`/v1/juries/${late.body.id}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'not-validated', motivation: 'erreur matérielle' }),
        422,
        'REVISION_NOT_IN_FAVOUR',
      );
      const favour = await post(`/v1/juries/${late.body.id}/decisions`, 'pres', { candidateId: F, block: 'BC01', decision: 'validated', motivation: 'Recours fondé : CE1.1 acquis' });
      expect(favour.status).toBe(201);

      // Within four months: a material error may be corrected against the candidate.
      clock.mockReturnValue('2026-10-31T10:00:00.000Z');
      await post(`/v1/juries/${within.body.id}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'not-validated', motivation: 'Erreur matérielle : notes inversées' }).expect(201);
      await expectError(await post(`/v1/juries/${within.body.id}/decisions`, 'pres', { candidateId: E, block: 'BC02', decision: 'validated' }), 422, 'BLOCK_NOT_IN_ENROLMENT');
      await expectError(await post(`/v1/juries/${within.body.id}/decisions`, 'pres', { candidateId: F, block: 'BC01', decision: 'not-validated' }), 422, 'DECISION_ALREADY_REVISED');
      clock.mockReturnValue(T0);

      const decisionsOf = async (id: string) => (await streamEvents(`candidate-${id}`)).filter((e) => e.type === 'BlockDecisionRecorded').map((e) => e.data);
      expect(await decisionsOf(F)).toEqual([
        { candidateId: F, juryId: jury, sessionId: SESSION, block: 'BC01', decision: 'not-validated', revision: false },
        { candidateId: F, juryId: late.body.id, sessionId: SESSION, block: 'BC01', decision: 'validated', revision: true },
      ]);
      expect((await decisionsOf(A)).map((d: any) => [d.block, d.decision, d.revision])).toEqual([
        ['BC01', 'validated', false],
        ['BC02', 'validated', false],
        ['BC01', 'not-validated', true],
      ]);

      // The sealed record stays as it was.
      const original = (await get(`/v1/juries/${jury}/record`, 'reg').expect(200)).body;
      expect(original.sealVerification.intact).toBe(true);
      expect(original.candidates.find((c: any) => c.candidateId === F).blocks[0].decision).toBe('not-validated');
      const revision = (await get(`/v1/juries/${late.body.id}/record`, 'reg').expect(200)).body;
      expect(revision).toMatchObject({ revises: { juryId: jury, reason: 'appeal', appealId }, candidates: [{ candidateId: F, blocks: [{ decision: 'validated' }] }] });
      withinJury = within.body.id;
    });

    let withinJury: string;
    it('closing a revision that takes a block back withdraws the award; a later revision that validates it again awards again', async () => {
      const award = (await store.readStream(`candidate-${A}`)).find((e) => e.type === 'CertificationAwarded')!;
      expect(((await get(`/v1/candidates/${A}/progress?asOf=${new Date().toISOString()}`, 'admin').expect(200)).body).certified).toBe(true);
      clock.mockReturnValue('2026-10-31T12:00:00.000Z');
      try {
        const closed = await post(`/v1/juries/${withinJury}/close`, 'pres').expect(201);
        expect(closed.body).toMatchObject({ awarded: [], withdrawn: [A] });
        expect((await streamEvents(`candidate-${A}`)).pop()).toEqual(
          expect.objectContaining({
            type: 'CertificationWithdrawn',
            data: { candidateId: A, certificationCode: doc.code, awardEventId: award.eventId, juryId: withinJury, reason: 'material-error' },
          }),
        );
        const progress = (await get(`/v1/candidates/${A}/progress?asOf=${new Date().toISOString()}`, 'admin').expect(200)).body;
        expect(progress).toMatchObject({ certified: false, blocks: [{ code: 'BC01', decision: 'not-validated' }, { code: 'BC02', decision: 'validated' }] });
        const sealed = (await get(`/v1/juries/${withinJury}/record`, 'reg').expect(200)).body;
        expect(sealed.sealVerification).toMatchObject({ intact: true });
        expect(sealed.sealVerification.content.withdrawals).toEqual([{ candidateId: A, certificationCode: doc.code, awardEventId: award.eventId, juryId: withinJury, reason: 'material-error' }]);
        expect(sealed.candidates.find((c: any) => c.candidateId === A).withdrawals).toEqual([{ certificationCode: doc.code, awardEventId: award.eventId, reason: 'material-error' }]);
        // The original record still shows its award, now marked withdrawn, and its seal still verifies.
        const original = (await get(`/v1/juries/${jury}/record`, 'reg').expect(200)).body;
        expect(original.sealVerification.intact).toBe(true);
        expect(original.candidates.find((c: any) => c.candidateId === A).awards).toMatchObject([{ withdrawn: { juryId: withinJury, reason: 'material-error' } }]);

        const again = (await post('/v1/juries', 'admin', { sessionId: SESSION, members, revises: { juryId: withinJury, reason: 'material-error' } }).expect(201)).body.id;
        await post(`/v1/juries/${again}/open`, 'pres').expect(201);
        await post(`/v1/juries/${again}/decisions`, 'pres', { candidateId: A, block: 'BC01', decision: 'validated' }).expect(201);
        expect(((await get(`/v1/candidates/${A}/progress?asOf=${new Date().toISOString()}`, 'admin').expect(200)).body).certified).toBe(false);
        const reclosed = await post(`/v1/juries/${again}/close`, 'pres').expect(201);
        expect(reclosed.body).toMatchObject({ awarded: [A], withdrawn: [] });
        const reawarded = (await streamEvents(`candidate-${A}`)).filter((e) => e.type === 'CertificationAwarded');
        expect(reawarded).toHaveLength(2);
        expect(reawarded[1].data.blocks.map((b: any) => [b.block, b.juryId])).toEqual([
          ['BC01', again],
          ['BC02', jury],
        ]);
        expect(((await get(`/v1/candidates/${A}/progress?asOf=${new Date().toISOString()}`, 'admin').expect(200)).body).certified).toBe(true);
      } finally {
        clock.mockReturnValue(T0);
      }
    });

    it('an ordinary second jury of the session cannot overwrite a decision (only a revision can)', async () => {
      await post(`/v1/juries/${openJury}/open`, 'pres').expect(201);
      await expectError(await post(`/v1/juries/${openJury}/decisions`, 'pres', { candidateId: B, block: 'BC01', decision: 'validated' }), 422, 'BLOCK_ALREADY_DECIDED');
    });
  });
});

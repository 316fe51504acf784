import { Identity } from './candidate';
import { fold } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { given } from '../testing/given-when-then';
import { blockScores, candidateSpec, CandidateEvent, certificationsOf, decisionOf, grantedRequests, opinionsNaming, validatedBlocksOf } from './candidate';
import { candidateDecider, CandidateCommand, checkAccessDetails, checkIdentity } from './candidate-decider';
import { CANDIDATE, decided, document, enrolled, motivated, OTHER_SESSION, published, REFERENTIAL, registered, sealed, SESSION, sessionState } from '../testing/candidate-fixtures';

/** A free text as the handler hands it in: sealed once trimmed, null when blank. */
const text = (t: string) => (t.trim() ? sealed(t.trim()) : null);

const ID1 = '00000000-0000-4000-8000-000000000001';
const deps = { session: sessionState(), referential: published };
const assessor = { actor: { id: 'assessor-1', role: 'assessor' as const } };
const referent = { actor: { id: 'referent-1', role: 'referent' as const } };

const score = (criterion: string, result: 'acquired' | 'not-acquired' = 'acquired', extra: Record<string, string> = {}): CandidateCommand => ({
  type: 'ScoreCriterion',
  data: { candidateId: CANDIDATE, sessionId: SESSION, criterion, result, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, text(v)])) },
});
const scored = (criterion: string, block = 'BC01', result: 'acquired' | 'not-acquired' = 'acquired'): CandidateEvent => ({
  type: 'CriterionScored',
  data: { candidateId: CANDIDATE, sessionId: SESSION, block, criterion, result },
});
const request = (accommodations: any[], justification: any = sealed('why')): CandidateCommand => ({
  type: 'RequestAccommodation',
  data: { candidateId: CANDIDATE, accommodations, justification },
});
const requested = (accommodations: any[] = [{ type: 'assistant' }]): CandidateEvent => ({
  type: 'AccommodationRequested',
  data: { candidateId: CANDIDATE, requestId: 'req-1', accommodations, justification: sealed('why') },
});
const opinion = (favourable: boolean): CandidateEvent => ({
  type: 'ReferentOpinionGiven',
  data: { candidateId: CANDIDATE, requestId: 'req-1', favourable, motivation: sealed('because of the MDPH file') },
});
const decide = (granted: boolean, reason = 'medical certificate'): CandidateCommand => ({
  type: 'DecideAccommodation',
  data: { candidateId: CANDIDATE, requestId: 'req-1', granted, reason: text(reason) },
});
const granted: CandidateEvent = { type: 'AccommodationGranted', data: { candidateId: CANDIDATE, requestId: 'req-1', reason: sealed('ok') } };

describe('checkIdentity', () => {
  const good: Identity = { givenName: ' Alice ', familyName: 'Martin', birthDate: '1990-04-02', email: 'alice@example.org' };
  const fault = (identity: Identity) => {
    try {
      checkIdentity(identity, '2026-06-15T10:00:00.000Z');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('VALIDATION_FAILED');
      return ((e as DomainError).details as Array<{ path: string }>).map((f) => f.path);
    }
    throw new Error('accepted');
  };

  it('accepts a plausible identity and trims it', () => {
    expect(checkIdentity(good, '2026-06-15T10:00:00.000Z')).toEqual({ ...good, givenName: 'Alice' });
  });
  it('keeps the optional sex and INSEE birth commune the CDC needs, and refuses malformed ones', () => {
    expect(checkIdentity({ ...good, sex: 'F', birthPlaceCode: '2a004' }, '2026-06-15T10:00:00.000Z')).toMatchObject({ sex: 'F', birthPlaceCode: '2A004' });
    expect(fault({ ...good, sex: 'X' as never })).toEqual(['sex']);
    expect(fault({ ...good, birthPlaceCode: 'Paris' })).toEqual(['birthPlaceCode']);
  });
  it('keeps the usage name, birth country and CDC refinements, within the flux bounds', () => {
    const full = { ...good, usageName: ' Durand ', birthCountryCode: 'esp', birthCountryName: 'Espagne', birthPlaceName: 'Sevilla', birthPostalCode: '41001', accessModality: 'equivalence' as const, vaeRoute: 'classic' as const };
    expect(checkIdentity(full, '2026-06-15T10:00:00.000Z')).toMatchObject({ usageName: 'Durand', birthCountryCode: 'ESP', birthCountryName: 'Espagne', birthPlaceName: 'Sevilla', birthPostalCode: '41001', accessModality: 'equivalence', vaeRoute: 'classic' });
    expect(fault({ ...good, usageName: 'x'.repeat(61) })).toEqual(['usageName']);
    expect(checkIdentity({ ...good, usageName: '  ', birthPlaceName: null as never, birthPlaceCode: null as never }, '2026-06-15T10:00:00.000Z')).not.toHaveProperty('usageName'); // blank or null: none
    expect(fault({ ...good, birthCountryCode: 'Espagne', birthPostalCode: '1234567890' })).toEqual(['birthCountryCode', 'birthPostalCode']);
    expect(fault({ ...good, accessModality: 'apprentice' as never, vaeRoute: 'leave' as never })).toEqual(['accessModality', 'vaeRoute']);
  });
  it('ties the refinements to their access route', () => {
    expect(() => checkAccessDetails({ ...good, accessModality: 'professionalisation-contract' }, 'continuing-education')).not.toThrow();
    expect(() => checkAccessDetails({ ...good, accessModality: 'professionalisation-contract' }, 'apprenticeship')).toThrow(/accessModality/);
    expect(() => checkAccessDetails({ ...good, vaeRoute: 'vae-leave' }, 'vae')).not.toThrow();
    expect(() => checkAccessDetails({ ...good, vaeRoute: 'vae-leave' }, 'independent')).toThrow(/vaeRoute/);
  });
  it('refuses blank or overlong names', () => {
    expect(fault({ ...good, givenName: '   ' })).toEqual(['givenName']);
    expect(fault({ ...good, familyName: 'x'.repeat(101) })).toEqual(['familyName']);
    expect(fault({ ...good, familyName: 'a\u0000b' })).toEqual(['familyName']);
  });
  it('refuses a birth date that is not a real past date after 1900', () => {
    expect(fault({ ...good, birthDate: '1990-02-30' })).toEqual(['birthDate']);
    expect(fault({ ...good, birthDate: '02/04/1990' })).toEqual(['birthDate']);
    expect(fault({ ...good, birthDate: '2026-06-15' })).toEqual(['birthDate']);
    expect(fault({ ...good, birthDate: '2030-01-01' })).toEqual(['birthDate']);
    expect(fault({ ...good, birthDate: '1899-12-31' })).toEqual(['birthDate']);
  });
  it('refuses an invalid email, naming every faulty field', () => {
    expect(fault({ ...good, email: 'alice' })).toEqual(['email']);
    expect(fault({ ...good, email: 'a b@example.org', givenName: '' })).toEqual(['givenName', 'email']);
  });
});

describe('candidate decider', () => {
  describe('registration', () => {
    it('registers with the sealed identity and the access route', () => {
      given(candidateDecider, [])
        .when({ type: 'RegisterCandidate', data: { candidateId: CANDIDATE, identity: sealed('identity'), accessRoute: 'vae' } })
        .then([registered]);
    });
    it('refuses registering twice (409)', () => {
      given(candidateDecider, [registered])
        .when({ type: 'RegisterCandidate', data: { candidateId: CANDIDATE, identity: sealed('identity'), accessRoute: 'vae' } })
        .thenThrows('CANDIDATE_ALREADY_REGISTERED');
    });
    it('refuses an unknown access route', () => {
      given(candidateDecider, [])
        .when({ type: 'RegisterCandidate', data: { candidateId: CANDIDATE, identity: sealed('identity'), accessRoute: 'bribe' as never } })
        .thenThrows('VALIDATION_FAILED');
    });
    it('answers NOT_FOUND for any other command on an unknown candidate', () => {
      given(candidateDecider, []).when(score('CE1.1'), { ...deps, ...assessor }).thenThrows('NOT_FOUND');
    });
    it('refuses every command once the personal data is erased', () => {
      const erased: CandidateEvent = { type: 'CandidatePersonalDataErased', data: { candidateId: CANDIDATE, reason: 'request', beforeRetentionEnd: false } };
      given(candidateDecider, [registered, erased])
        .when({ type: 'EnrolCandidate', data: { candidateId: CANDIDATE, sessionId: SESSION, blocks: ['BC01'] } }, deps)
        .thenThrows('PERSONAL_DATA_ERASED');
    });
  });

  describe('enrolment', () => {
    const enrol = (blocks: string[]): CandidateCommand => ({ type: 'EnrolCandidate', data: { candidateId: CANDIDATE, sessionId: SESSION, blocks } });

    it('enrols in some blocks of the session referential, pinning its version', () => {
      given(candidateDecider, [registered]).when(enrol(['BC02']), deps).then([enrolled(['BC02'])]);
    });
    it('adds blocks to an existing enrolment in the same session', () => {
      const state = fold(candidateSpec, [registered, enrolled(['BC01']), enrolled(['BC02'])]);
      expect(state.enrolments[SESSION].blocks).toEqual(['BC01', 'BC02']);
    });
    it('refuses an unknown session (404)', () => {
      given(candidateDecider, [registered]).when(enrol(['BC01']), { ...deps, session: undefined }).thenThrows('NOT_FOUND');
    });
    it('refuses an unknown block', () => {
      given(candidateDecider, [registered]).when(enrol(['BC01', 'BC99']), deps).thenThrows('UNKNOWN_BLOCK');
    });
    it('refuses a block validated earlier: it is capitalised', () => {
      given(candidateDecider, [registered, enrolled(['BC01'], OTHER_SESSION), decided('BC01', 'validated', OTHER_SESSION)])
        .when(enrol(['BC01']), deps)
        .thenThrows('BLOCK_ALREADY_VALIDATED');
    });
    it('accepts again a block decided not validated earlier', () => {
      given(candidateDecider, [registered, enrolled(['BC01'], OTHER_SESSION), decided('BC01', 'not-validated', OTHER_SESSION)])
        .when(enrol(['BC01']), deps)
        .then([enrolled(['BC01'])]);
    });
    it('capitalises per certification: a block of the same code validated under another certification does not count', () => {
      const otherCert = { type: 'CandidateEnrolled' as const, data: { candidateId: CANDIDATE, sessionId: OTHER_SESSION, referentialId: 'r-other', certificationCode: 'RNCP99999', referentialVersion: 1, blocks: ['BC01'] } };
      given(candidateDecider, [registered, otherCert, decided('BC01', 'validated', OTHER_SESSION)]).when(enrol(['BC01']), deps).then([enrolled(['BC01'])]);
    });
    it('counts a block of another version of the same certification, and one its equivalence table names', () => {
      const v1 = { type: 'CandidateEnrolled' as const, data: { candidateId: CANDIDATE, sessionId: OTHER_SESSION, referentialId: 'r-v1', certificationCode: document.code, referentialVersion: 1, blocks: ['BC01', 'OLD02'] } };
      const v2 = { ...published, referentialId: REFERENTIAL, version: 2, document: { ...document, equivalences: [{ from: { version: 1, block: 'OLD02' }, to: 'BC02' }] } };
      const history = [registered, v1, decided('BC01', 'validated', OTHER_SESSION), decided('OLD02', 'validated', OTHER_SESSION)];
      given(candidateDecider, history).when(enrol(['BC01']), { ...deps, referential: v2 }).thenThrows('BLOCK_ALREADY_VALIDATED');
      given(candidateDecider, history).when(enrol(['BC02']), { ...deps, referential: v2 }).thenThrows('BLOCK_ALREADY_VALIDATED');
      given(candidateDecider, history).when(enrol(['BC02']), deps).thenMatch([{ type: 'CandidateEnrolled' }]);
    });
    it('a capitalised block past the validity period is evaluated again, and the enrolment says so', () => {
      const old = { ...decided('BC01', 'validated', OTHER_SESSION), recordedAt: '2020-06-01T10:00:00.000Z' };
      const fiveYears = { ...published, document: { ...document, validityYears: 5 } };
      given(candidateDecider, [registered, enrolled(['BC01'], OTHER_SESSION), old])
        .when(enrol(['BC01']), { ...deps, referential: fiveYears })
        .then([{ type: 'CandidateEnrolled', data: { ...enrolled(['BC01']).data, lapsed: [{ block: 'BC01', validatedOn: '2020-06-01', validUntil: '2025-06-01' }] } }]);
      given(candidateDecider, [registered, enrolled(['BC01'], OTHER_SESSION), { ...old, recordedAt: '2022-06-01T10:00:00.000Z' }])
        .when(enrol(['BC01']), { ...deps, referential: fiveYears })
        .thenThrows('BLOCK_ALREADY_VALIDATED');
    });
    it('refuses a block already enrolled in that session (409)', () => {
      given(candidateDecider, [registered, enrolled(['BC01'])]).when(enrol(['BC02', 'BC01']), deps).thenThrows('ALREADY_ENROLLED');
    });
    it('refuses an empty or repeated block list', () => {
      given(candidateDecider, [registered]).when(enrol([]), deps).thenThrows('VALIDATION_FAILED');
      given(candidateDecider, [registered]).when(enrol(['BC01', 'BC01']), deps).thenThrows('VALIDATION_FAILED');
    });
  });

  describe('accommodation request', () => {
    it('records the request with a new request id, keeping details sealed', () => {
      given(candidateDecider, [registered])
        .when(request([{ type: 'extra-time', extraTimePercent: 25 }, { type: 'other', details: sealed('spread') }]))
        .then([
          {
            type: 'AccommodationRequested',
            data: {
              candidateId: CANDIDATE,
              requestId: ID1,
              accommodations: [{ type: 'extra-time', extraTimePercent: 25 }, { type: 'other', details: sealed('spread') }],
              justification: sealed('why'),
            },
          },
        ]);
    });
    it('refuses extra time without an integer percentage from 1 to 200', () => {
      for (const extraTimePercent of [undefined, 0, 201, 12.5]) {
        given(candidateDecider, [registered]).when(request([{ type: 'extra-time', extraTimePercent }])).thenThrows('VALIDATION_FAILED');
      }
    });
    it('refuses a percentage on another type, an unknown type, none or two extra times', () => {
      given(candidateDecider, [registered]).when(request([{ type: 'assistant', extraTimePercent: 10 }])).thenThrows('VALIDATION_FAILED');
      given(candidateDecider, [registered]).when(request([{ type: 'teleport' }])).thenThrows('VALIDATION_FAILED');
      given(candidateDecider, [registered]).when(request([])).thenThrows('VALIDATION_FAILED');
      given(candidateDecider, [registered])
        .when(request([{ type: 'extra-time', extraTimePercent: 10 }, { type: 'extra-time', extraTimePercent: 20 }]))
        .thenThrows('VALIDATION_FAILED');
    });
    it('refuses other without details', () => {
      given(candidateDecider, [registered]).when(request([{ type: 'other', details: null }])).thenThrows('DETAILS_REQUIRED');
    });
    it('refuses a request without justification', () => {
      given(candidateDecider, [registered]).when(request([{ type: 'assistant' }], null)).thenThrows('JUSTIFICATION_REQUIRED');
    });
  });

  describe('referent opinion', () => {
    const give = (favourable: boolean, motivation: any = motivated('because of the MDPH file'), requestId = 'req-1'): CandidateCommand => ({
      type: 'GiveReferentOpinion',
      data: { candidateId: CANDIDATE, requestId, favourable, motivation },
    });
    it('records the motivated opinion on a pending request', () => {
      given(candidateDecider, [registered, requested()]).when(give(true), referent).then([opinion(true)]);
    });
    it('refuses an unknown request (404)', () => {
      given(candidateDecider, [registered, requested()]).when(give(true, motivated('x'.repeat(12)), 'req-2'), referent).thenThrows('NOT_FOUND');
    });
    it('refuses an opinion without motivation, or with one too short to say anything', () => {
      given(candidateDecider, [registered, requested()]).when(give(false, null), referent).thenThrows('MOTIVATION_REQUIRED');
      given(candidateDecider, [registered, requested()]).when(give(false, motivated('ok')), referent).thenThrows('MOTIVATION_REQUIRED');
      given(candidateDecider, [registered, requested()]).when(give(false, motivated('ok', 2)), referent).thenMatch([{ type: 'ReferentOpinionGiven' }]);
    });
    it('refuses a second opinion (409)', () => {
      given(candidateDecider, [registered, requested(), opinion(false)]).when(give(true), referent).thenThrows('OPINION_ALREADY_GIVEN');
    });
    it('refuses an opinion on a decided request (409)', () => {
      given(candidateDecider, [registered, requested(), granted]).when(give(true), referent).thenThrows('ACCOMMODATION_ALREADY_DECIDED');
    });
  });

  describe('accommodation decision', () => {
    it('grants or refuses with the reason', () => {
      given(candidateDecider, [registered, requested()]).when(decide(true, ' ok ')).then([granted]);
      given(candidateDecider, [registered, requested()])
        .when(decide(false, 'no evidence'))
        .then([{ type: 'AccommodationRefused', data: { candidateId: CANDIDATE, requestId: 'req-1', reason: sealed('no evidence') } }]);
    });
    it('grants up to one third extra time without an opinion', () => {
      given(candidateDecider, [registered, requested([{ type: 'extra-time', extraTimePercent: 33 }])]).when(decide(true, 'ok')).then([granted]);
    });
    it('refuses granting more than one third extra time without a favourable referent opinion', () => {
      const big = requested([{ type: 'extra-time', extraTimePercent: 34 }]);
      given(candidateDecider, [registered, big]).when(decide(true)).thenThrows('REFERENT_OPINION_REQUIRED');
      given(candidateDecider, [registered, big, opinion(false)]).when(decide(true)).thenThrows('REFERENT_OPINION_REQUIRED');
      given(candidateDecider, [registered, big, opinion(true)]).when(decide(true, 'ok')).then([granted]);
    });
    it('may refuse more than one third extra time without an opinion', () => {
      given(candidateDecider, [registered, requested([{ type: 'extra-time', extraTimePercent: 50 }])]).when(decide(false)).thenMatch([{ type: 'AccommodationRefused' }]);
    });
    it('refuses deciding twice (409), a blank reason, an unknown request', () => {
      given(candidateDecider, [registered, requested(), granted]).when(decide(false)).thenThrows('ACCOMMODATION_ALREADY_DECIDED');
      given(candidateDecider, [registered, requested()]).when(decide(true, '  ')).thenThrows('REASON_REQUIRED');
      given(candidateDecider, [registered]).when(decide(true)).thenThrows('NOT_FOUND');
    });
    it('keeps the status of each request', () => {
      const state = fold(candidateSpec, [registered, requested(), opinion(true)]);
      expect(state.accommodationRequests['req-1']).toMatchObject({ status: 'opinion-given', opinion: { favourable: true } });
      expect(grantedRequests(fold(candidateSpec, [registered, requested(), granted]))).toHaveLength(1);
    });
  });

  describe('accommodation applied', () => {
    const apply = (sessionId = SESSION, evaluation = 'M1', note?: string): CandidateCommand => ({
      type: 'ApplyAccommodation',
      data: { candidateId: CANDIDATE, requestId: 'req-1', sessionId, evaluation, ...(note ? { note: sealed(note) } : {}) },
    });
    const applied = { type: 'AccommodationApplied', data: { candidateId: CANDIDATE, requestId: 'req-1', sessionId: SESSION, evaluation: 'M1', note: sealed('room 2') } };

    it('records a granted accommodation applied in an evaluation of a session', () => {
      given(candidateDecider, [registered, enrolled(), requested(), granted]).when(apply(SESSION, 'M1', 'room 2'), { ...deps, ...assessor }).then([applied]);
      given(candidateDecider, [registered, enrolled(), requested(), granted]).when(apply(SESSION, 'M1'), deps).thenMatch([{ data: { evaluation: 'M1' } }]);
    });
    it('refuses a request that is not granted', () => {
      given(candidateDecider, [registered, enrolled(), requested()]).when(apply(), deps).thenThrows('ACCOMMODATION_NOT_GRANTED');
    });
    it('refuses a session the candidate is not enrolled in', () => {
      given(candidateDecider, [registered, requested(), granted]).when(apply(), deps).thenThrows('NOT_ENROLLED_IN_SESSION');
    });
    it('refuses an assessor not assigned to the session (403)', () => {
      given(candidateDecider, [registered, enrolled(), requested(), granted])
        .when(apply(), { ...deps, actor: { id: 'assessor-2', role: 'assessor' } })
        .thenThrows('FORBIDDEN');
    });
    it('refuses recording the same application twice (409)', () => {
      given(candidateDecider, [registered, enrolled(), requested(), granted, applied as CandidateEvent]).when(apply(), deps).thenThrows('ACCOMMODATION_ALREADY_APPLIED');
    });
  });

  describe('scoring', () => {
    it('scores a criterion of an enrolled block, naming its block', () => {
      given(candidateDecider, [registered, enrolled()])
        .when(score('CE2.1', 'not-acquired', { comment: ' late ' }), { ...deps, ...assessor })
        .then([{ type: 'CriterionScored', data: { candidateId: CANDIDATE, sessionId: SESSION, block: 'BC01', criterion: 'CE2.1', result: 'not-acquired', comment: sealed('late') } }]);
    });
    it('refuses an assessor not assigned to the session (403), and another role', () => {
      given(candidateDecider, [registered, enrolled()]).when(score('CE1.1'), { ...deps, actor: { id: 'assessor-2', role: 'assessor' } }).thenThrows('FORBIDDEN');
      given(candidateDecider, [registered, enrolled()]).when(score('CE1.1'), { ...deps, actor: { id: 'assessor-1', role: 'jury' } }).thenThrows('FORBIDDEN');
    });
    it('refuses a candidate not enrolled in the session', () => {
      given(candidateDecider, [registered]).when(score('CE1.1'), { ...deps, ...assessor }).thenThrows('NOT_ENROLLED_IN_SESSION');
    });
    it('refuses a criterion outside the enrolled blocks, or unknown', () => {
      given(candidateDecider, [registered, enrolled(['BC01'])]).when(score('CE3.1'), { ...deps, ...assessor }).thenThrows('CRITERION_NOT_IN_ENROLMENT');
      given(candidateDecider, [registered, enrolled(['BC01'])]).when(score('CE9.9'), { ...deps, ...assessor }).thenThrows('CRITERION_NOT_IN_ENROLMENT');
    });
    it('refuses an unknown session (404)', () => {
      given(candidateDecider, [registered, enrolled()]).when(score('CE1.1'), { ...deps, ...assessor, session: undefined }).thenThrows('NOT_FOUND');
    });
    it('refuses a second score without a correction reason', () => {
      given(candidateDecider, [registered, enrolled(), scored('CE1.1')]).when(score('CE1.1', 'not-acquired'), { ...deps, ...assessor }).thenThrows('CORRECTION_REASON_REQUIRED');
    });
    it('corrects a score with a reason, keeping the previous result', () => {
      given(candidateDecider, [registered, enrolled(), scored('CE1.1')])
        .when(score('CE1.1', 'not-acquired', { correctionReason: 'misread the grid' }), { ...deps, ...assessor })
        .then([
          {
            type: 'CriterionScoreCorrected',
            data: { candidateId: CANDIDATE, sessionId: SESSION, block: 'BC01', criterion: 'CE1.1', result: 'not-acquired', previousResult: 'acquired', correctionReason: sealed('misread the grid') },
          },
        ]);
    });
    it('refuses a correction reason on a first score', () => {
      given(candidateDecider, [registered, enrolled()]).when(score('CE1.1', 'acquired', { correctionReason: 'x' }), { ...deps, ...assessor }).thenThrows('NO_SCORE_TO_CORRECT');
    });
    it('refuses a score or a correction once the jury decided the block', () => {
      given(candidateDecider, [registered, enrolled(), decided('BC01', 'not-validated')]).when(score('CE1.1'), { ...deps, ...assessor }).thenThrows('BLOCK_ALREADY_DECIDED');
    });
    it('still scores and corrects a block the jury deferred: it is decided again later in the deliberation', () => {
      given(candidateDecider, [registered, enrolled(), scored('CE1.1'), decided('BC01', 'deferred')])
        .when(score('CE1.1', 'not-acquired', { correctionReason: 'x' }), { ...deps, ...assessor })
        .thenMatch([{ type: 'CriterionScoreCorrected' }]);
      given(candidateDecider, [registered, enrolled(), decided('BC01', 'deferred'), decided('BC01', 'not-validated')]).when(score('CE1.1'), { ...deps, ...assessor }).thenThrows('BLOCK_ALREADY_DECIDED');
    });
    it('still scores another block of the same session after one block is decided', () => {
      given(candidateDecider, [registered, enrolled(['BC01', 'BC02']), decided('BC01')]).when(score('CE3.1'), { ...deps, ...assessor }).thenMatch([{ type: 'CriterionScored' }]);
    });
    it('refuses scoring a block validated in another session since the enrolment', () => {
      given(candidateDecider, [registered, enrolled(['BC01']), enrolled(['BC01'], OTHER_SESSION), decided('BC01', 'validated', OTHER_SESSION)])
        .when(score('CE1.1'), { ...deps, ...assessor })
        .thenThrows('BLOCK_ALREADY_VALIDATED');
    });
    it('starts afresh in a new session', () => {
      const state = fold(candidateSpec, [registered, enrolled(['BC01'], OTHER_SESSION), { ...scored('CE1.1'), data: { ...scored('CE1.1').data, sessionId: OTHER_SESSION } } as CandidateEvent, decided('BC01', 'not-validated', OTHER_SESSION), enrolled(['BC01'])]);
      expect(candidateDecider.decide(score('CE1.1'), state, { ...testCtx(), ...deps, ...assessor })[0].type).toBe('CriterionScored');
      expect(blockScores(state, OTHER_SESSION, 'BC01')).toEqual(new Map([['CE1.1', 'acquired']]));
      expect(blockScores(state, SESSION, 'BC01').size).toBe(0);
    });
  });

  describe('neutralisation opinion', () => {
    const recommend = (criteria: string[], motivation: any = motivated('motivation of the referent')): CandidateCommand => ({
      type: 'RecommendNeutralisation',
      data: { candidateId: CANDIDATE, criteria, motivation },
    });
    const refs = { referentials: { [REFERENTIAL]: published }, ...referent };

    it('records the opinion with a new opinion id', () => {
      given(candidateDecider, [registered, enrolled()])
        .when(recommend(['CE1.2', 'CE2.1', 'CE1.2']), refs)
        .then([{ type: 'NeutralisationRecommended', data: { candidateId: CANDIDATE, opinionId: ID1, criteria: ['CE1.2', 'CE2.1'], motivation: sealed('motivation of the referent') } }]);
    });
    it('refuses criteria outside the enrolled blocks or unknown', () => {
      given(candidateDecider, [registered, enrolled()]).when(recommend(['CE3.1']), refs).thenThrows('CRITERION_NOT_IN_ENROLMENT');
      given(candidateDecider, [registered, enrolled()]).when(recommend(['CE1.2', 'CE0.0']), refs).thenThrows('CRITERION_NOT_IN_ENROLMENT');
      given(candidateDecider, [registered]).when(recommend(['CE1.2']), refs).thenThrows('CRITERION_NOT_IN_ENROLMENT');
    });
    it('refuses no criteria, and no motivation', () => {
      given(candidateDecider, [registered, enrolled()]).when(recommend([]), refs).thenThrows('VALIDATION_FAILED');
      given(candidateDecider, [registered, enrolled()]).when(recommend(['CE1.2'], null), refs).thenThrows('MOTIVATION_REQUIRED');
    });
    it('lets the jury find the opinions naming a criterion', () => {
      const state = fold(candidateSpec, [registered, enrolled(), { type: 'NeutralisationRecommended', data: { candidateId: CANDIDATE, opinionId: 'op-1', criteria: ['CE1.2'], motivation: sealed('m') } }]);
      expect(opinionsNaming(state, 'CE1.2')).toEqual(['op-1']);
      expect(opinionsNaming(state, 'CE2.1')).toEqual([]);
    });
  });

  describe('events written by other aggregates', () => {
    it('tracks decisions, revisions, capitalised blocks, awards and appeals', () => {
      const state = fold(candidateSpec, [
        registered,
        enrolled(['BC01', 'BC02']),
        decided('BC01', 'validated'),
        decided('BC02', 'not-validated'),
        decided('BC02', 'validated', SESSION, true),
        { type: 'CertificationAwarded', data: { candidateId: CANDIDATE, certificationCode: document.code, referentialId: REFERENTIAL, juryId: 'j1', blocks: [], awardedOn: '2026-06-30' } },
        { type: 'AppealLodged', data: { candidateId: CANDIDATE, appealId: 'a1', juryId: 'j1', reason: 'r' } },
      ]);
      expect(validatedBlocksOf(state).map((v) => v.block)).toEqual(['BC01', 'BC02']);
      expect(decisionOf(state, SESSION, 'BC02')).toMatchObject({ decision: 'validated', revision: true });
      expect(certificationsOf(state)).toMatchObject([{ certificationCode: document.code, referentialId: REFERENTIAL }]);
      expect(state.appeals.a1).toEqual({ appealId: 'a1', juryId: 'j1', reason: 'r' });
    });
    it('takes a validation back when a revision un-validates it', () => {
      const state = fold(candidateSpec, [registered, enrolled(), decided('BC01', 'validated'), decided('BC01', 'not-validated', SESSION, true)]);
      expect(validatedBlocksOf(state)).toEqual([]);
    });
  });
});

function testCtx() {
  return { now: '2026-06-15T10:00:00.000Z', newId: () => ID1, actor: { id: 'user-1', role: 'admin' as const } };
}

import { fold, RecordedEvent } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { ReferentialDocument } from '../referential/referential';
import { ReferentialState } from '../referential/referential-state';
import { candidateSpec, CandidateEvent } from './candidate';
import { candidateDecider, CandidateCommand } from './candidate-decider';
import { attemptOf, notEvaluatedOf, proposeSessionBlock } from './session-block';
import { CANDIDATE, decided, document, enrolled, OTHER_SESSION, REFERENTIAL, registered, sealed, SESSION, sessionState } from '../testing/candidate-fixtures';

/** The fixture referential with modalities on BC01 (M1, M2); BC02 lists none. */
const withModalities: ReferentialDocument = {
  ...document,
  blocks: document.blocks.map((b) =>
    b.code === 'BC01'
      ? {
          ...b,
          modalities: [
            { code: 'M1', title: 'Étude de cas', work: 'individual', production: ['written'], competences: ['C1'] },
            { code: 'M2', title: 'Soutenance', work: 'individual', production: ['oral'], competences: ['C2'] },
          ],
        }
      : b,
  ),
};
const referential: ReferentialState = { referentialId: REFERENTIAL, status: 'published', version: 1, document: withModalities, publishedAt: '2026-01-01T00:00:00.000Z' };
const deps = { session: sessionState(), referential };
const THIRD_SESSION = 's0000000-0000-4000-8000-000000000003';

const absence = (over: { modality?: string | null; block?: string | null; justified?: boolean; reason?: boolean; sessionId?: string } = {}): CandidateCommand => ({
  type: 'RecordAbsence',
  data: {
    candidateId: CANDIDATE,
    sessionId: over.sessionId ?? SESSION,
    modality: over.modality === undefined ? 'M1' : over.modality,
    block: over.block ?? null,
    justified: over.justified ?? true,
    reason: over.reason ? sealed('certificat médical') : null,
  },
});
const absent = (block: string, modality: string | null, justified: boolean, sessionId = SESSION): CandidateEvent => ({
  type: 'CandidateAbsent',
  data: { candidateId: CANDIDATE, sessionId, modality, block, justified },
});

describe('absence (RecordAbsence)', () => {
  it('records the modality missed with its block, the reason sealed', () => {
    given(candidateDecider, [registered, enrolled(['BC01', 'BC02'])])
      .when(absence({ reason: true }), deps)
      .then([{ type: 'CandidateAbsent', data: { candidateId: CANDIDATE, sessionId: SESSION, modality: 'M1', block: 'BC01', justified: true, reason: sealed('certificat médical') } }]);
  });
  it('names the block itself only where its referential lists no modalities', () => {
    given(candidateDecider, [registered, enrolled(['BC01', 'BC02'])])
      .when(absence({ modality: null, block: 'BC02', justified: false }), deps)
      .then([absent('BC02', null, false)]);
    given(candidateDecider, [registered, enrolled(['BC01', 'BC02'])]).when(absence({ modality: null, block: 'BC01' }), deps).thenThrows('BLOCK_HAS_MODALITIES');
  });
  it('needs exactly one of modality and block', () => {
    given(candidateDecider, [registered, enrolled(['BC01', 'BC02'])]).when(absence({ modality: 'M1', block: 'BC02' }), deps).thenThrows('VALIDATION_FAILED');
    given(candidateDecider, [registered, enrolled(['BC01', 'BC02'])]).when(absence({ modality: null }), deps).thenThrows('VALIDATION_FAILED');
  });
  it('refuses an unknown modality or block', () => {
    given(candidateDecider, [registered, enrolled(['BC01'])]).when(absence({ modality: 'M9' }), deps).thenThrows('UNKNOWN_MODALITY');
    given(candidateDecider, [registered, enrolled(['BC01'])]).when(absence({ modality: null, block: 'BC09' }), deps).thenThrows('UNKNOWN_BLOCK');
  });
  it('only in a session the candidate is enrolled in, for an enrolled block', () => {
    given(candidateDecider, [registered]).when(absence(), deps).thenThrows('NOT_ENROLLED_IN_SESSION');
    given(candidateDecider, [registered, enrolled(['BC02'])]).when(absence(), deps).thenThrows('BLOCK_NOT_IN_ENROLMENT');
    given(candidateDecider, [registered, enrolled(['BC01'])]).when(absence(), { ...deps, session: undefined }).thenThrows('NOT_FOUND');
  });
  it('once per modality, another modality of the same block may be recorded too', () => {
    given(candidateDecider, [registered, enrolled(['BC01']), absent('BC01', 'M1', true)]).when(absence(), deps).thenThrows('ABSENCE_ALREADY_RECORDED');
    given(candidateDecider, [registered, enrolled(['BC01']), absent('BC01', 'M1', true)]).when(absence({ modality: 'M2', justified: false }), deps).then([absent('BC01', 'M2', false)]);
  });
  it('before the jury decides the block (a deferred block is still before it)', () => {
    given(candidateDecider, [registered, enrolled(['BC01']), decided('BC01', 'not-validated')]).when(absence(), deps).thenThrows('BLOCK_ALREADY_DECIDED');
    given(candidateDecider, [registered, enrolled(['BC01']), decided('BC01', 'deferred')]).when(absence(), deps).thenMatch([{ type: 'CandidateAbsent' }]);
  });
  it('a justified absence does not stop the candidate enrolling again for the block in a later session', () => {
    given(candidateDecider, [registered, enrolled(['BC01'], OTHER_SESSION), absent('BC01', 'M1', true, OTHER_SESSION), decided('BC01', 'not-validated', OTHER_SESSION)])
      .when({ type: 'EnrolCandidate', data: { candidateId: CANDIDATE, sessionId: SESSION, blocks: ['BC01'] } }, deps)
      .thenMatch([{ type: 'CandidateEnrolled', data: { sessionId: SESSION, blocks: ['BC01'] } }]);
  });
});

const report = (over: { blocks?: string[]; description?: boolean; sessionId?: string } = {}): CandidateCommand => ({
  type: 'ReportFraud',
  data: { candidateId: CANDIDATE, sessionId: over.sessionId ?? SESSION, blocks: over.blocks ?? ['BC02'], description: over.description === false ? null : sealed('antisèche') },
});
const reported: CandidateEvent = { type: 'FraudReported', data: { candidateId: CANDIDATE, reportId: 'f-1', sessionId: SESSION, blocks: ['BC02'], description: sealed('antisèche') } };
const ruled = (outcome: 'none' | 'evaluation-annulled' | 'ban', banUntil?: string, sessionId = SESSION): CandidateEvent => ({
  type: 'FraudDecisionRecorded',
  data: { candidateId: CANDIDATE, juryId: 'j-1', sessionId, reportId: 'f-1', blocks: ['BC02'], outcome, ...(banUntil ? { banUntil } : {}) },
});
const assessor = { actor: { id: 'assessor-1', role: 'assessor' as const } };

describe('fraud report (ReportFraud)', () => {
  it('an assessor of the session reports blocks of the enrolment, the description sealed; the report gets an id', () => {
    given(candidateDecider, [registered, enrolled(['BC01', 'BC02'])])
      .when(report(), { ...deps, ...assessor })
      .then([{ type: 'FraudReported', data: { candidateId: CANDIDATE, reportId: '00000000-0000-4000-8000-000000000001', sessionId: SESSION, blocks: ['BC02'], description: sealed('antisèche') } }]);
  });
  it('an admin may report too; an assessor of another session may not (403)', () => {
    given(candidateDecider, [registered, enrolled(['BC02'])]).when(report(), deps).thenMatch([{ type: 'FraudReported' }]);
    given(candidateDecider, [registered, enrolled(['BC02'])]).when(report(), { ...deps, actor: { id: 'assessor-9', role: 'assessor' } }).thenThrows('FORBIDDEN');
  });
  it('needs a description, an enrolment in the session, enrolled blocks not yet decided', () => {
    given(candidateDecider, [registered, enrolled(['BC02'])]).when(report({ description: false }), deps).thenThrows('DESCRIPTION_REQUIRED');
    given(candidateDecider, [registered]).when(report(), deps).thenThrows('NOT_ENROLLED_IN_SESSION');
    given(candidateDecider, [registered, enrolled(['BC01'])]).when(report(), deps).thenThrows('BLOCK_NOT_IN_ENROLMENT');
    given(candidateDecider, [registered, enrolled(['BC02'])]).when(report({ blocks: [] }), deps).thenThrows('VALIDATION_FAILED');
    given(candidateDecider, [registered, enrolled(['BC02']), decided('BC02', 'not-validated')]).when(report(), deps).thenThrows('BLOCK_ALREADY_DECIDED');
  });
});

describe('a ban refuses enrolment until its end date (the context’s clock)', () => {
  const enrol: CandidateCommand = { type: 'EnrolCandidate', data: { candidateId: CANDIDATE, sessionId: SESSION, blocks: ['BC02'] } };
  const history = [registered, enrolled(['BC02'], OTHER_SESSION), { ...reported, data: { ...reported.data, sessionId: OTHER_SESSION } }, ruled('ban', '2027-01-01', OTHER_SESSION)];
  it('refused before the end date (422 CANDIDATE_BANNED)', () => {
    given(candidateDecider, history).when(enrol, { ...deps, now: '2026-12-31T23:59:00.000Z' }).thenThrows('CANDIDATE_BANNED');
  });
  it('accepted from the end date on', () => {
    given(candidateDecider, history).when(enrol, { ...deps, now: '2027-01-01T00:00:00.000Z' }).thenMatch([{ type: 'CandidateEnrolled' }]);
  });
  it('an annulment alone bans nothing', () => {
    given(candidateDecider, [registered, enrolled(['BC02'], OTHER_SESSION), ruled('evaluation-annulled', undefined, OTHER_SESSION)]).when(enrol, deps).thenMatch([{ type: 'CandidateEnrolled' }]);
  });
});

describe('a block in a session (session-block.ts)', () => {
  const outcomeOf = (...events: RecordedEvent[]) => fold(candidateSpec, [registered, ...events]).outcome;
  const criteria = withModalities.blocks[0].competences.flatMap((c) => c.criteria);
  const allAcquired = new Map(criteria.map((c) => [c.code, 'acquired' as const]));

  describe('proposeSessionBlock: the one override', () => {
    it('is the rule’s proposal when nothing overrides it', () => {
      const outcome = outcomeOf(enrolled(['BC01']));
      expect(proposeSessionBlock('all-criteria', criteria, allAcquired, new Set(), outcome, SESSION, 'BC01')).toMatchObject({ proposal: 'acquired', notEvaluated: null });
    });
    it('is not-evaluated after an absence in that session, whatever was scored, keeping the counts', () => {
      const outcome = outcomeOf(enrolled(['BC01']), absent('BC01', 'M2', true));
      expect(proposeSessionBlock('all-criteria', criteria, allAcquired, new Set(), outcome, SESSION, 'BC01')).toMatchObject({
        proposal: 'not-evaluated',
        notEvaluated: 'absence-justified',
        criteria: { total: 3, scored: 3, acquired: 3, neutralised: 0 },
      });
    });
    it('concerns that session and that block only', () => {
      const outcome = outcomeOf(enrolled(['BC01', 'BC02']), enrolled(['BC01'], OTHER_SESSION), absent('BC01', 'M1', false, OTHER_SESSION));
      expect(notEvaluatedOf(outcome, SESSION, 'BC01')).toBeNull();
      expect(notEvaluatedOf(outcome, OTHER_SESSION, 'BC02')).toBeNull();
      expect(notEvaluatedOf(outcome, OTHER_SESSION, 'BC01')).toBe('absence-unjustified');
    });
    it('an annulment for fraud (or a ban) makes the reported blocks of that session not evaluated, over an absence; `none` changes nothing', () => {
      expect(notEvaluatedOf(outcomeOf(enrolled(['BC01', 'BC02']), reported, ruled('evaluation-annulled')), SESSION, 'BC02')).toBe('evaluation-annulled');
      expect(notEvaluatedOf(outcomeOf(enrolled(['BC01', 'BC02']), reported, ruled('ban', '2027-01-01')), SESSION, 'BC02')).toBe('evaluation-annulled');
      expect(notEvaluatedOf(outcomeOf(enrolled(['BC01', 'BC02']), reported, ruled('evaluation-annulled')), SESSION, 'BC01')).toBeNull();
      expect(notEvaluatedOf(outcomeOf(enrolled(['BC02']), absent('BC02', null, true), ruled('evaluation-annulled')), SESSION, 'BC02')).toBe('evaluation-annulled');
      expect(notEvaluatedOf(outcomeOf(enrolled(['BC02']), reported, ruled('none')), SESSION, 'BC02')).toBeNull();
    });
    it('an unjustified absence on one modality outweighs a justified one on another', () => {
      const outcome = outcomeOf(enrolled(['BC01']), absent('BC01', 'M1', true), absent('BC01', 'M2', false));
      expect(notEvaluatedOf(outcome, SESSION, 'BC01')).toBe('absence-unjustified');
    });
  });

  describe('attemptOf: the one attempt count', () => {
    it('counts the sessions of the block in enrolment order', () => {
      const outcome = outcomeOf(enrolled(['BC01', 'BC02'], OTHER_SESSION), decided('BC02', 'not-validated', OTHER_SESSION), enrolled(['BC02']), enrolled(['BC02'], THIRD_SESSION));
      expect(attemptOf(outcome, OTHER_SESSION, 'BC01')).toBe(1);
      expect(attemptOf(outcome, OTHER_SESSION, 'BC02')).toBe(1);
      expect(attemptOf(outcome, SESSION, 'BC02')).toBe(2);
      expect(attemptOf(outcome, THIRD_SESSION, 'BC02')).toBe(3);
      expect(attemptOf(outcome, SESSION, 'BC01')).toBeUndefined();
    });
    it('a session with a justified absence on the block does not count; an unjustified one does', () => {
      const justified = outcomeOf(enrolled(['BC01'], OTHER_SESSION), absent('BC01', 'M1', true, OTHER_SESSION), enrolled(['BC01']));
      expect(attemptOf(justified, OTHER_SESSION, 'BC01')).toBe(1);
      expect(attemptOf(justified, SESSION, 'BC01')).toBe(1);
      const unjustified = outcomeOf(enrolled(['BC01'], OTHER_SESSION), absent('BC01', 'M1', false, OTHER_SESSION), enrolled(['BC01']));
      expect(attemptOf(unjustified, SESSION, 'BC01')).toBe(2);
    });
    it('an evaluation annulled for fraud counts as an attempt, even over a justified absence', () => {
      const outcome = outcomeOf(enrolled(['BC02'], OTHER_SESSION), absent('BC02', null, true, OTHER_SESSION), ruled('evaluation-annulled', undefined, OTHER_SESSION), enrolled(['BC02']));
      expect(attemptOf(outcome, SESSION, 'BC02')).toBe(2);
    });
    it('counts per certification: the same block code of another certification is another block', () => {
      const other: CandidateEvent = {
        type: 'CandidateEnrolled',
        data: { candidateId: CANDIDATE, sessionId: OTHER_SESSION, referentialId: 'r-other', certificationCode: 'RNCP99999', referentialVersion: 1, blocks: ['BC01'] },
      };
      const outcome = outcomeOf(other, enrolled(['BC01']));
      expect(attemptOf(outcome, SESSION, 'BC01')).toBe(1);
    });
  });
});

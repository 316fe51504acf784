import { ReferentialDocument } from '../referential/referential';
import { ReferentialState } from '../referential/referential-state';
import { SessionState } from '../session/session';
import { CandidateEvent, SealedData } from '../candidate/candidate';

/** Shared by the candidate decider's example and property tests. */
export const CANDIDATE = 'c0000000-0000-4000-8000-000000000001';
export const SESSION = 's0000000-0000-4000-8000-000000000001';
export const OTHER_SESSION = 's0000000-0000-4000-8000-000000000002';
export const REFERENTIAL = 'r0000000-0000-4000-8000-000000000001';

export const document: ReferentialDocument = {
  code: 'RNCP00000',
  title: 'Test',
  certifier: 'Test',
  validationRule: 'all-criteria',
  blocks: [
    {
      code: 'BC01',
      title: 'Block one',
      competences: [
        { code: 'C1', title: 'c1', criteria: [{ code: 'CE1.1', text: 'a', core: true }, { code: 'CE1.2', text: 'b', core: false }] },
        { code: 'C2', title: 'c2', criteria: [{ code: 'CE2.1', text: 'c', core: false }] },
      ],
    },
    {
      code: 'BC02',
      title: 'Block two',
      competences: [{ code: 'C3', title: 'c3', criteria: [{ code: 'CE3.1', text: 'd', core: false }, { code: 'CE3.2', text: 'e', core: true }] }],
    },
  ],
};

export const published: ReferentialState = { referentialId: REFERENTIAL, status: 'published', version: 1, document, publishedAt: '2026-01-01T00:00:00.000Z' };

export function sessionState(overrides: Partial<SessionState> = {}): SessionState {
  return {
    sessionId: SESSION,
    opened: true,
    referentialId: REFERENTIAL,
    title: 'June',
    startsOn: '2026-06-01',
    endsOn: '2026-06-30',
    assessors: ['assessor-1'],
    ...overrides,
  };
}

export const sealed = (label: string): SealedData => ({ alg: 'A256GCM', kid: CANDIDATE, iv: 'iv', ct: label, tag: 'tag' });
/** A motivation as a handler hands it in: sealed, with its length and the configured minimum (10 unless said). */
export const motivated = (text: string, minLength = 10) => ({ sealed: sealed(text), length: [...text.trim()].length, minLength });

export const registered: CandidateEvent = { type: 'CandidateRegistered', data: { candidateId: CANDIDATE, identity: sealed('identity'), accessRoute: 'vae' } };
export const enrolled = (blocks = ['BC01'], sessionId = SESSION): CandidateEvent => ({
  type: 'CandidateEnrolled',
  data: { candidateId: CANDIDATE, sessionId, referentialId: REFERENTIAL, certificationCode: document.code, referentialVersion: 1, blocks },
});
export const decided = (block: string, decision: 'validated' | 'not-validated' | 'deferred' = 'validated', sessionId = SESSION, revision = false): CandidateEvent => ({
  type: 'BlockDecisionRecorded',
  data: { candidateId: CANDIDATE, juryId: 'j0000000-0000-4000-8000-000000000001', sessionId, block, decision, revision },
});

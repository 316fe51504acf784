import { fold, RecordedEvent } from '../shared/decider';
import { given } from '../testing/given-when-then';
import { JuryState, jurySpec } from '../jury/jury';
import { candidateSpec } from './candidate';
import { appealDeadline, IssueDecisionLetter, letterDecider, LetterDeps, letterOf, parisDay } from './decision-letters';

const JURY = 'a0000000-0000-4000-8000-000000000001';
const REVISION = 'a0000000-0000-4000-8000-000000000002';
const SESSION = 'b0000000-0000-4000-8000-000000000001';
const REF = 'c0000000-0000-4000-8000-000000000001';
const CAND = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const sealed = { alg: 'A256GCM', kid: CAND, iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };

const ev = (type: string, data: Record<string, unknown>): RecordedEvent => ({ type, data });
const members = [{ userId: 'pres', name: 'Paule', president: true, professional: true }];
const registered = [
  ev('CandidateRegistered', { candidateId: CAND, identity: sealed, accessRoute: 'continuing-education' }),
  ev('CandidateEnrolled', { candidateId: CAND, sessionId: SESSION, referentialId: REF, blocks: ['BC01'] }),
];
const issued = (juryId = JURY, issuedAt = '2026-07-01T08:00:00.000Z', sealHash = 'h1') => ev('DecisionLetterIssued', { candidateId: CAND, juryId, sealHash, issuedAt });

function jury(stage: 'convened' | 'decided' | 'sealed' | 'approved', juryId = JURY, candidateId = CAND): JuryState {
  const events = [ev('JuryConvened', { juryId, sessionId: SESSION, referentialId: REF, members }), ev('DeliberationOpened', { juryId })];
  if (stage !== 'convened') events.push(ev('BlockDecided', { juryId, candidateId, block: 'BC01', decision: 'validated', proposal: 'acquired' }));
  if (stage === 'sealed' || stage === 'approved') events.push(ev('DeliberationClosed', { juryId, sealHash: 'h1', signature: 's', keyFingerprint: 'k', closedAt: '2026-06-30T16:00:00.000Z' }));
  if (stage === 'approved') events.push(ev('RecordApproved', { juryId, memberId: 'pres', sealHash: 'h1', president: true, at: '2026-06-30T17:00:00.000Z' }));
  return fold(jurySpec, events);
}

const issue = (deps: LetterDeps, juryId = JURY): [IssueDecisionLetter, LetterDeps] => [{ type: 'IssueDecisionLetter', data: { candidateId: CAND, juryId } }, deps];

describe('decision letters', () => {
  it('records the first issue of the letter of a final record, with its seal and the time of issue', () => {
    given(letterDecider, registered)
      .when(...issue({ jury: jury('approved') }))
      .then([{ type: 'DecisionLetterIssued', data: { candidateId: CAND, juryId: JURY, sealHash: 'h1', issuedAt: '2026-06-15T10:00:00.000Z' } }]);
  });

  it('records nothing when the letter of that jury was issued already: the first issue stands', () => {
    given(letterDecider, [...registered, issued()]).when(...issue({ jury: jury('approved') })).then([]);
    const state = fold(candidateSpec, [...registered, issued(), issued(JURY, '2026-08-01T08:00:00.000Z', 'other')]);
    expect(letterOf(state, JURY)).toEqual({ juryId: JURY, sealHash: 'h1', issuedAt: '2026-07-01T08:00:00.000Z' });
  });

  it('issues the letter of a revision jury on its own, beside the first one', () => {
    given(letterDecider, [...registered, issued()])
      .when(...issue({ jury: jury('approved', REVISION) }, REVISION))
      .thenMatch([{ type: 'DecisionLetterIssued', data: { juryId: REVISION } }]);
  });

  it('refuses before the record is final: not sealed, or sealed and awaiting the president where approval is required', () => {
    given(letterDecider, registered).when(...issue({ jury: jury('decided') })).thenThrows('RECORD_NOT_FINAL');
    given(letterDecider, registered).when(...issue({ jury: jury('sealed') })).thenThrows('RECORD_NOT_FINAL');
    given(letterDecider, registered).when(...issue({ jury: jury('sealed'), approvalRequired: true })).thenThrows('RECORD_NOT_FINAL');
    given(letterDecider, registered)
      .when(...issue({ jury: jury('sealed'), approvalRequired: false }))
      .thenMatch([{ type: 'DecisionLetterIssued' }]);
  });

  it('refuses a candidate the jury decided nothing for, an unknown jury and an unknown candidate', () => {
    given(letterDecider, registered).when(...issue({ jury: jury('approved', JURY, OTHER) })).thenThrows('NOT_DECIDED_BY_JURY');
    given(letterDecider, registered).when(...issue({ jury: fold(jurySpec, []) })).thenThrows('NOT_FOUND');
    given(letterDecider, registered).when(...issue({})).thenThrows('NOT_FOUND');
    given(letterDecider, []).when(...issue({ jury: jury('approved') })).thenThrows('NOT_FOUND');
  });

  describe('the appeal deadline', () => {
    it('is the same day two months after the day of issue in Paris', () => {
      expect(appealDeadline('2026-07-01T08:00:00.000Z')).toBe('2026-09-01');
      // 23:30 UTC on 30 June is already 1 July in Paris (summer time).
      expect(parisDay('2026-06-30T23:30:00.000Z')).toBe('2026-07-01');
      expect(appealDeadline('2026-06-30T23:30:00.000Z')).toBe('2026-09-01');
      expect(appealDeadline('2026-11-15T12:00:00.000Z')).toBe('2027-01-15');
    });

    it('ends on the last day of a shorter month', () => {
      expect(appealDeadline('2026-12-31T10:00:00.000Z')).toBe('2027-02-28');
      expect(appealDeadline('2027-12-31T10:00:00.000Z')).toBe('2028-02-29');
      expect(appealDeadline('2026-08-31T10:00:00.000Z')).toBe('2026-10-31');
      expect(appealDeadline('2026-07-31T10:00:00.000Z')).toBe('2026-09-30');
    });
  });
});

import { emptySlice, evolveProgress, ProgressEvent, ProgressSlice, progressView } from './candidate-progress.evolve';
import { fixtureReferential } from '../testing/progress-fixtures';

const C = 'c1';
const S1 = 's1';
const S2 = 's2';
let position = 0;
const e = (type: string, data: object): ProgressEvent => ({ type, data: { candidateId: C, ...data }, transactionId: String(100 + ++position), globalPosition: position });
const fold = (events: ProgressEvent[], from: ProgressSlice = emptySlice()) => events.reduce(evolveProgress, from);
const view = (slice: ProgressSlice) => progressView(slice.candidates.get(C)!);
const score = (sessionId: string, block: string, criterion: string, result = 'acquired') => e('CriterionScored', { sessionId, block, criterion, result });

describe('candidate progress evolve', () => {
  const referential = () => e('ReferentialDrafted', fixtureReferential('r1'));
  const enrol = (sessionId: string, blocks: string[]) => e('CandidateEnrolled', { sessionId, referentialId: 'r1', blocks });

  it('counts criteria per block with the referential rule; neutralised criteria are left out of scored and acquired', () => {
    const slice = fold([
      referential(),
      e('CandidateRegistered', { accessRoute: 'vae' }),
      enrol(S1, ['BC02', 'BC01']),
      score(S1, 'BC01', 'CE1.1'),
      score(S1, 'BC01', 'CE1.2', 'not-acquired'),
      score(S1, 'BC02', 'CE2.1'),
      score(S1, 'BC02', 'CE2.2', 'not-acquired'),
      e('CriterionNeutralised', { juryId: 'j', block: 'BC02', criterion: 'CE2.2', opinionId: 'o' }),
    ]);
    expect(view(slice)).toEqual({
      candidateId: C,
      certified: false,
      blocks: [
        { code: 'BC01', proposal: 'not-acquired', decision: null, criteria: { total: 2, scored: 2, acquired: 1, neutralised: 0 } },
        { code: 'BC02', proposal: 'incomplete', decision: null, criteria: { total: 3, scored: 1, acquired: 1, neutralised: 1 } },
      ],
    });
  });

  it('a correction replaces the score, the latest decision stands, an award certifies', () => {
    const slice = fold([
      referential(),
      e('CandidateRegistered', {}),
      enrol(S1, ['BC01']),
      score(S1, 'BC01', 'CE1.1'),
      score(S1, 'BC01', 'CE1.2', 'not-acquired'),
      e('CriterionScoreCorrected', { sessionId: S1, block: 'BC01', criterion: 'CE1.2', result: 'acquired', previousResult: 'not-acquired', correctionReason: 'x' }),
      e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC01', decision: 'deferred', revision: false }),
      e('BlockDecisionRecorded', { juryId: 'j2', sessionId: S1, block: 'BC01', decision: 'validated', revision: true }),
      e('CertificationAwarded', { certificationCode: 'RNCP00000' }),
    ]);
    expect(view(slice)).toEqual({ candidateId: C, certified: true, blocks: [{ code: 'BC01', proposal: 'acquired', decision: 'validated', criteria: { total: 2, scored: 2, acquired: 2, neutralised: 0 } }] });
  });

  it('a validated block stays (capitalised) when the candidate enrols in a later session; a failed one starts afresh', () => {
    const slice = fold([
      referential(),
      e('CandidateRegistered', {}),
      enrol(S1, ['BC01', 'BC02']),
      score(S1, 'BC01', 'CE1.1'),
      score(S1, 'BC01', 'CE1.2'),
      score(S1, 'BC02', 'CE2.1', 'not-acquired'),
      e('BlockDecisionRecorded', { sessionId: S1, block: 'BC01', decision: 'validated' }),
      e('BlockDecisionRecorded', { sessionId: S1, block: 'BC02', decision: 'not-validated' }),
      enrol(S2, ['BC01', 'BC02']),
      score(S1, 'BC02', 'CE2.3'), // a late score of the old session no longer counts
      score(S2, 'BC02', 'CE2.2'),
    ]);
    expect(view(slice).blocks).toEqual([
      { code: 'BC01', proposal: 'acquired', decision: 'validated', criteria: { total: 2, scored: 2, acquired: 2, neutralised: 0 } },
      { code: 'BC02', proposal: 'incomplete', decision: null, criteria: { total: 3, scored: 1, acquired: 1, neutralised: 0 } },
    ]);
  });

  it('replaying an event already applied changes nothing; events about other candidates or of other types are ignored', () => {
    const events = [referential(), e('CandidateRegistered', {}), enrol(S1, ['BC01']), score(S1, 'BC01', 'CE1.1')];
    const once = fold(events);
    expect(fold(events, once)).toBe(once);
    expect(evolveProgress(once, e('SessionOpened', { sessionId: S1 }))).toBe(once);
    const other = evolveProgress(once, { ...score(S1, 'BC01', 'CE1.2'), data: { candidateId: 'c2', sessionId: S1, block: 'BC01', criterion: 'CE1.2', result: 'acquired' } });
    expect(view(other)).toEqual(view(once));
  });
});

import { emptySlice, evolveProgress, ProgressEvent, ProgressSlice, progressView } from './candidate-progress.evolve';
import { fixtureReferential } from '../testing/progress-fixtures';

const C = 'c1';
const S1 = 's1';
const A = 'a1';
let position = 0;
const e = (type: string, data: object): ProgressEvent => ({ type, data: { candidateId: C, ...data }, transactionId: String(100 + ++position), globalPosition: position });
const fold = (events: ProgressEvent[], from: ProgressSlice = emptySlice()) => events.reduce(evolveProgress, from);
const view = (slice: ProgressSlice) => progressView(slice.candidates.get(C)!, slice.referentials);

describe('candidate progress: the VAE path', () => {
  const path = [
    e('ReferentialDrafted', fixtureReferential('r1')),
    e('CandidateRegistered', { accessRoute: 'vae' }),
    e('VaeApplicationFiled', { applicationId: A, referentialId: 'r1', certificationCode: 'RNCP00000', blocks: ['BC01', 'BC02'] }),
  ];

  it('shows each application with where its path stands, before any enrolment', () => {
    expect(view(fold(path))).toEqual({
      candidateId: C,
      certified: false,
      blocks: [],
      appealDeadline: null,
      letters: [],
      vae: [{ applicationId: A, certificationCode: 'RNCP00000', blocks: ['BC01', 'BC02'], admissibility: 'pending', file: null, interviews: [] }],
    });
    const refused = fold([...path, e('VaeAdmissibilityDecided', { applicationId: A, admissible: false })]);
    expect(view(refused).vae![0].admissibility).toBe('not-admissible');
  });

  it('marks the blocks enrolled on the file as decided on the file and the interview, and leaves the others as they were', () => {
    const slice = fold([
      ...path,
      e('VaeAdmissibilityDecided', { applicationId: A, admissible: true }),
      e('VaeFileSubmitted', { applicationId: A, blocks: ['BC01'] }),
      e('CandidateEnrolled', { sessionId: S1, referentialId: 'r1', blocks: ['BC01'], vaeApplicationId: A }),
      e('CandidateEnrolled', { sessionId: 's2', referentialId: 'r1', blocks: ['BC02'] }),
      e('VaeInterviewHeld', { juryId: 'j1', applicationId: A, sessionId: S1, heldOn: '2026-06-20', memberId: 'pro' }),
      e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC01', decision: 'validated', revision: false }),
    ]);
    const shown = view(slice);
    expect(shown.blocks).toEqual([
      {
        code: 'BC01',
        proposal: 'incomplete',
        notEvaluated: null,
        attempt: 1,
        decision: 'validated',
        criteria: { total: 2, scored: 0, acquired: 0, neutralised: 0 },
        vae: { decidedOn: 'file-and-interview', applicationId: A, admissibility: 'admissible', fileCovers: true, interviewHeldOn: '2026-06-20' },
      },
      { code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 3, scored: 0, acquired: 0, neutralised: 0 } },
    ]);
    expect(shown.vae).toEqual([{ applicationId: A, certificationCode: 'RNCP00000', blocks: ['BC01', 'BC02'], admissibility: 'admissible', file: { blocks: ['BC01'] }, interviews: [{ sessionId: S1, heldOn: '2026-06-20' }] }]);
  });

  it('leaves the folded slice untouched (the pure step copies what it changes)', () => {
    const before = fold([...path, e('VaeAdmissibilityDecided', { applicationId: A, admissible: true })]);
    const snapshot = JSON.stringify(view(before));
    fold([e('VaeFileSubmitted', { applicationId: A, blocks: ['BC01'] }), e('VaeInterviewHeld', { juryId: 'j1', applicationId: A, sessionId: S1, heldOn: '2026-06-20', memberId: 'pro' })], before);
    expect(JSON.stringify(view(before))).toBe(snapshot);
  });
});

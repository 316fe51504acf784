import { applyProgressEvent, blockView, emptySlice, evolveProgress, ProgressEvent, ProgressSlice, progressView } from './candidate-progress.evolve';
import { fixtureReferential } from '../testing/progress-fixtures';

const C = 'c1';
const S1 = 's1';
const S2 = 's2';
let position = 0;
const e = (type: string, data: object): ProgressEvent => ({ type, data: { candidateId: C, ...data }, transactionId: String(100 + ++position), globalPosition: position });
const fold = (events: ProgressEvent[], from: ProgressSlice = emptySlice()) => events.reduce(evolveProgress, from);
const view = (slice: ProgressSlice) => progressView(slice.candidates.get(C)!, slice.referentials);
const score = (sessionId: string, block: string, criterion: string, result = 'acquired') => e('CriterionScored', { sessionId, block, criterion, result });

describe('candidate progress evolve', () => {
  const referential = () => e('ReferentialDrafted', fixtureReferential('r1'));
  const enrol = (sessionId: string, blocks: string[]) => e('CandidateEnrolled', { sessionId, referentialId: 'r1', blocks });
  /** BC01 enrolled in S1, every criterion acquired, validated by the jury j1. */
  const validatedBC01 = () => [
    referential(),
    e('CandidateRegistered', {}),
    enrol(S1, ['BC01']),
    score(S1, 'BC01', 'CE1.1'),
    score(S1, 'BC01', 'CE1.2'),
    e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC01', decision: 'validated', revision: false }),
  ];

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
        { code: 'BC01', proposal: 'not-acquired', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 2, scored: 2, acquired: 1, neutralised: 0 } },
        { code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 3, scored: 1, acquired: 1, neutralised: 1 } },
      ],
      appealDeadline: null,
      letters: [],
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
    expect(view(slice)).toEqual({
      candidateId: C,
      certified: true,
      blocks: [{ code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: 'validated', criteria: { total: 2, scored: 2, acquired: 2, neutralised: 0 } }],
      appealDeadline: null,
      letters: [],
    });
  });

  it('shows each jury’s decision letter as first issued, and the latest letter’s appeal deadline at the top', () => {
    const letter = (juryId: string, issuedAt: string) => e('DecisionLetterIssued', { juryId, sealHash: 'h', issuedAt });
    const slice = fold([
      ...validatedBC01(),
      letter('j1', '2026-07-01T08:00:00.000Z'),
      letter('j1', '2026-08-20T08:00:00.000Z'),
      letter('j2', '2026-12-31T09:00:00.000Z'),
    ]);
    expect(view(slice).letters).toEqual([
      { juryId: 'j1', issuedAt: '2026-07-01T08:00:00.000Z', appealDeadline: '2026-09-01' },
      { juryId: 'j2', issuedAt: '2026-12-31T09:00:00.000Z', appealDeadline: '2027-02-28' },
    ]);
    expect(view(slice).appealDeadline).toBe('2027-02-28');
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
      { code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: 'validated', criteria: { total: 2, scored: 2, acquired: 2, neutralised: 0 } },
      { code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 2, decision: null, criteria: { total: 3, scored: 1, acquired: 1, neutralised: 0 } },
    ]);
  });

  it('a validated block whose validity lapsed is evaluated again when re-enrolled: the new session’s scores and decision show', () => {
    const slice = fold([
      ...validatedBC01(),
      // The domain accepted this enrolment because BC01's validity period had run out, and said so in `lapsed`.
      e('CandidateEnrolled', { sessionId: S2, referentialId: 'r1', blocks: ['BC01'], lapsed: [{ block: 'BC01', validatedOn: '2020-06-30', validUntil: '2025-06-30' }] }),
      score(S2, 'BC01', 'CE1.1'),
      score(S2, 'BC01', 'CE1.2', 'not-acquired'),
    ]);
    expect(view(slice).blocks).toEqual([{ code: 'BC01', proposal: 'not-acquired', notEvaluated: null, attempt: 2, decision: null, criteria: { total: 2, scored: 2, acquired: 1, neutralised: 0 } }]);
    const decided = fold([e('BlockDecisionRecorded', { juryId: 'j2', sessionId: S2, block: 'BC01', decision: 'not-validated', revision: false })], slice);
    expect(view(decided).blocks).toEqual([{ code: 'BC01', proposal: 'not-acquired', notEvaluated: null, attempt: 2, decision: 'not-validated', criteria: { total: 2, scored: 2, acquired: 1, neutralised: 0 } }]);
  });

  it('replaying an event already applied changes nothing; events about other candidates or of other types are ignored', () => {
    const events = [referential(), e('CandidateRegistered', {}), enrol(S1, ['BC01']), score(S1, 'BC01', 'CE1.1')];
    const once = fold(events);
    expect(fold(events, once)).toBe(once);
    expect(evolveProgress(once, e('SessionOpened', { sessionId: S1 }))).toBe(once);
    const other = evolveProgress(once, { ...score(S1, 'BC01', 'CE1.2'), data: { candidateId: 'c2', sessionId: S1, block: 'BC01', criterion: 'CE1.2', result: 'acquired' } });
    expect(view(other)).toEqual(view(once));
  });

  it('a candidate state names the referential instead of copying its criteria; the view looks them up', () => {
    const slice = fold([referential(), e('CandidateRegistered', {}), enrol(S1, ['BC01', 'BC02']), score(S1, 'BC01', 'CE1.1')]);
    const state = slice.candidates.get(C)!;
    expect(state.blocks.map((b) => b.referentialId)).toEqual(['r1', 'r1']);
    expect(JSON.stringify(state)).not.toContain('"core"');
    expect(view(slice).blocks.map((b) => b.criteria.total)).toEqual([2, 3]);
    expect(() => progressView(state, new Map())).toThrow(/referential r1/);
  });

  it('a block enrolled before its referential is in the log counts no criteria, even once the referential is drafted', () => {
    const slice = fold([e('CandidateRegistered', {}), enrol(S1, ['BC01']), referential(), score(S1, 'BC01', 'CE1.1'), enrol(S2, ['BC02'])]);
    expect(view(slice).blocks).toEqual([
      { code: 'BC01', proposal: 'acquired', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 0, scored: 0, acquired: 0, neutralised: 0 } },
      { code: 'BC02', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 3, scored: 0, acquired: 0, neutralised: 0 } },
    ]);
  });

  it('a referential version is drafted once: a second draft under the same id does not change what enrolments pinned', () => {
    const changed = { ...fixtureReferential('r1'), document: { ...fixtureReferential('r1').document, blocks: [] } };
    const slice = fold([referential(), e('CandidateRegistered', {}), enrol(S1, ['BC01']), e('ReferentialDrafted', changed)]);
    expect(view(slice).blocks[0].criteria.total).toBe(2);
  });

  it('evolveProgress leaves the slice it is given untouched; applyProgressEvent changes an owned slice in place and says what changed', () => {
    const once = fold([referential(), e('CandidateRegistered', {}), enrol(S1, ['BC01'])]);
    const frozen = JSON.stringify(view(once));
    const next = evolveProgress(once, score(S1, 'BC01', 'CE1.1'));
    expect(JSON.stringify(view(once))).toBe(frozen);
    expect(view(next).blocks[0].criteria.scored).toBe(1);

    const owned = emptySlice();
    expect(applyProgressEvent(owned, referential())).toEqual(['referential', 'r1']);
    expect(applyProgressEvent(owned, e('CandidateRegistered', {}))).toEqual(['candidate', C]);
    const state = owned.candidates.get(C);
    const again = { ...score(S1, 'BC01', 'CE1.1') };
    expect(applyProgressEvent(owned, again)).toEqual(['candidate', C]);
    expect(owned.candidates.get(C)).toBe(state); // changed in place
    expect(applyProgressEvent(owned, again)).toBeNull(); // a replay changes nothing
    expect(applyProgressEvent(owned, e('SessionOpened', { sessionId: S1 }))).toBeNull();
  });

  it('orders transaction ids as numbers, not as text', () => {
    const at = { tx: '999', position: 5 };
    const event = (tx: string, position: number): ProgressEvent => ({ type: 'CandidateRegistered', data: { candidateId: C }, transactionId: tx, globalPosition: position });
    const slice = emptySlice();
    slice.candidates.set(C, { candidateId: C, registered: false, certified: false, blocks: [], at });
    expect(applyProgressEvent(slice, event('1000', 1))).not.toBeNull();
    slice.candidates.get(C)!.at = at;
    expect(applyProgressEvent(slice, event('998', 9))).toBeNull();
    expect(applyProgressEvent(slice, event('999', 5))).toBeNull();
    expect(applyProgressEvent(slice, event('999', 6))).not.toBeNull();
  });

  it('decisions show at once, certified waits for the award; a withdrawal turns it false, a new award true again', () => {
    const decided = fold(validatedBC01());
    expect(view(decided)).toMatchObject({ certified: false, blocks: [{ code: 'BC01', decision: 'validated' }] });
    const awarded = fold([e('CertificationAwarded', { certificationCode: 'RNCP00000', juryId: 'j1' })], decided);
    expect(view(awarded).certified).toBe(true);
    const withdrawn = fold(
      [
        e('BlockDecisionRecorded', { juryId: 'j2', sessionId: S1, block: 'BC01', decision: 'not-validated', revision: true }),
        e('CertificationWithdrawn', { certificationCode: 'RNCP00000', awardEventId: 'a1', juryId: 'j2', reason: 'appeal' }),
      ],
      awarded,
    );
    expect(view(withdrawn)).toMatchObject({ certified: false, blocks: [{ code: 'BC01', decision: 'not-validated' }] });
    const again = fold([e('CertificationAwarded', { certificationCode: 'RNCP00000', juryId: 'j3' })], withdrawn);
    expect(view(again).certified).toBe(true);
  });

  it('a resit shows its attempt number; an absence makes the block of that session not evaluated', () => {
    const slice = fold([
      referential(),
      e('CandidateRegistered', {}),
      enrol(S1, ['BC01', 'BC02']),
      score(S1, 'BC02', 'CE2.1', 'not-acquired'),
      e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC02', decision: 'not-validated', revision: false }),
      enrol(S2, ['BC02']),
      e('CandidateAbsent', { sessionId: S2, modality: 'M3', block: 'BC02', justified: true }),
    ]);
    const state = slice.candidates.get(C)!;
    expect(view(slice).blocks.find((b) => b.code === 'BC02')).toEqual({
      code: 'BC02',
      proposal: 'not-evaluated',
      notEvaluated: 'absence-justified',
      attempt: 2,
      decision: null,
      criteria: { total: 3, scored: 0, acquired: 0, neutralised: 0 },
    });
    // The first session's BC02 stepped aside for the resit, as it stood: the sheet of that session still shows it.
    expect(state.earlier?.map((b) => ({ code: b.code, sessionId: b.sessionId, decision: b.decision, scores: b.scores }))).toEqual([
      { code: 'BC02', sessionId: S1, decision: 'not-validated', scores: { 'CE2.1': 'not-acquired' } },
    ]);
    expect(blockView(state, state.earlier![0], slice.referentials)).toMatchObject({ proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: 'not-validated' });
  });

  it('keeps blocks of two certifications with the same codes apart', () => {
    const other = () => e('ReferentialDrafted', { ...fixtureReferential('r2'), document: { ...fixtureReferential('r2').document, code: 'RNCP99999' } });
    const slice = fold([
      referential(),
      other(),
      e('CandidateRegistered', {}),
      enrol(S1, ['BC01']),
      e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC01', decision: 'validated', revision: false }),
      e('CandidateEnrolled', { sessionId: S2, referentialId: 'r2', blocks: ['BC01'] }),
      score(S2, 'BC01', 'CE1.1'),
    ]);
    expect(view(slice).blocks).toEqual([
      { code: 'BC01', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: 'validated', criteria: { total: 2, scored: 0, acquired: 0, neutralised: 0 } },
      { code: 'BC01', proposal: 'incomplete', notEvaluated: null, attempt: 1, decision: null, criteria: { total: 2, scored: 1, acquired: 1, neutralised: 0 } },
    ]);
  });

  it('computes a block\'s view again only when what it reads changed, whatever changed in place', () => {
    const slice = emptySlice();
    const apply = (...events: ProgressEvent[]) => {
      for (const event of events) applyProgressEvent(slice, event);
      return view(slice).blocks;
    };
    const before = apply(referential(), e('CandidateRegistered', {}), enrol(S1, ['BC01', 'BC02']));
    const scored = apply(score(S1, 'BC01', 'CE1.1'));
    expect(scored[1]).toBe(before[1]); // BC02 unchanged: the same view
    expect(scored[0]).not.toBe(before[0]);
    expect(scored[0].criteria).toMatchObject({ scored: 1, acquired: 1 });
    const corrected = apply(e('CriterionScoreCorrected', { sessionId: S1, block: 'BC01', criterion: 'CE1.1', result: 'not-acquired', previousResult: 'acquired', correctionReason: 'x' }));
    expect(corrected[0].criteria).toMatchObject({ scored: 1, acquired: 0 });
    expect(corrected[1]).toBe(before[1]);
    const neutralised = apply(e('CriterionNeutralised', { juryId: 'j', block: 'BC02', criterion: 'CE2.2', opinionId: 'o' }));
    expect(neutralised[1].criteria.neutralised).toBe(1);
    expect(neutralised[0]).toBe(corrected[0]);
    const decided = apply(e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC02', decision: 'deferred', revision: false }));
    expect(decided[1].decision).toBe('deferred');
    // A decision is part of the candidate's outcome, which every block's view reads: all computed again.
    expect(decided[0]).not.toBe(corrected[0]);
    expect(decided[0]).toEqual(corrected[0]);
    expect(apply(score(S1, 'BC01', 'CE1.2'))[1]).toBe(decided[1]);
    // Shared, so frozen; and what a fold from scratch computes.
    expect(Object.isFrozen(decided[0])).toBe(true);
    const events = [
      referential(),
      e('CandidateRegistered', {}),
      enrol(S1, ['BC01', 'BC02']),
      score(S1, 'BC01', 'CE1.1'),
      e('CriterionScoreCorrected', { sessionId: S1, block: 'BC01', criterion: 'CE1.1', result: 'not-acquired', previousResult: 'acquired', correctionReason: 'x' }),
      e('CriterionNeutralised', { juryId: 'j', block: 'BC02', criterion: 'CE2.2', opinionId: 'o' }),
      e('BlockDecisionRecorded', { juryId: 'j1', sessionId: S1, block: 'BC02', decision: 'deferred', revision: false }),
      score(S1, 'BC01', 'CE1.2'),
    ];
    expect(view(fold(events)).blocks).toEqual(view(slice).blocks);
  });
});

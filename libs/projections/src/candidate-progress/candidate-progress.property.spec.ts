import fc from 'fast-check';
import { DecisionContext, fold, RecordedEvent } from '@app/domain/shared/decider';
import { DomainError } from '@app/domain/shared/errors';
import { criteriaOfBlock, ReferentialDocument } from '@app/domain/referential/referential';
import { blockScores, CandidateEvent, candidateSpec, decisionOf, scoreOf } from '@app/domain/candidate/candidate';
import { CandidateCommand, decideCandidate } from '@app/domain/candidate/candidate-decider';
import { awardsInForce, BlockDecision, counts, decisionInForce, targetOf } from '@app/domain/candidate/outcome';
import { proposeBlock } from '@app/domain/candidate/proposal';
import { CANDIDATE, document as fixtureDocument, published, REFERENTIAL, sealed, sessionState } from '@app/domain/testing/candidate-fixtures';
import { applyProgressEvent, emptySlice, progressView } from './candidate-progress.evolve';

/**
 * Property: for any sequence of enrolments and scores (through the candidate
 * decider, which applies capitalisation and the validity period at its
 * clock), decisions, awards and withdrawals, with time passing — often past
 * the referential's one-year validity — the progress projection, folded event
 * by event, says per block what the domain's fold of the candidate stream
 * says: the block's current evaluation is the latest session enrolled in it,
 * with that session's scores (its proposal) and its decision in force; a
 * block that counts (capitalised, within its validity) shows validated; and
 * `certified` is true exactly while an award is in force.
 */
const doc: ReferentialDocument = { ...fixtureDocument, validityYears: 1 };
const referential = { ...published, document: doc };
const target = targetOf(REFERENTIAL, referential.version, doc);
const BLOCKS = doc.blocks.map((b) => b.code);
const CRITERIA = BLOCKS.flatMap((b) => criteriaOfBlock(doc, b).map((c) => c.code));
const SESSIONS = ['s1', 's2', 's3', 's4'];

type Step =
  | { kind: 'enrol'; session: string; blocks: string[]; days: number }
  | { kind: 'score'; session: string; criterion: string; result: 'acquired' | 'not-acquired'; days: number }
  | { kind: 'decide'; block: string; decision: BlockDecision; jury: number; days: number }
  | { kind: 'award'; days: number }
  | { kind: 'withdraw'; days: number };

// Mostly short delays, sometimes past the one-year validity period.
const days = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 300, max: 800 }));
const session = fc.constantFrom(...SESSIONS);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('enrol' as const), session, blocks: fc.subarray(BLOCKS, { minLength: 1 }), days }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('score' as const), session, criterion: fc.constantFrom(...CRITERIA), result: fc.constantFrom('acquired' as const, 'not-acquired' as const), days }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), block: fc.constantFrom(...BLOCKS), decision: fc.constantFrom<BlockDecision>('validated', 'validated', 'not-validated', 'deferred'), jury: fc.nat(2), days }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('award' as const), days }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), days }) },
);

/** Runs the steps, checking the projection against the domain after each; answers the last progress view. */
function run(steps: Step[]) {
  let clock = Date.parse('2026-01-01T10:00:00.000Z');
  let n = 0;
  const now = () => new Date(clock).toISOString();
  const id = () => `a0000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const log: RecordedEvent[] = [];
  const slice = emptySlice();
  const append = (events: Array<CandidateEvent | RecordedEvent>) => {
    for (const e of events) {
      const recorded = { ...e, recordedAt: now() };
      log.push(recorded);
      applyProgressEvent(slice, { type: e.type, data: e.data, transactionId: String(100 + log.length), globalPosition: 100 + log.length, recordedAt: recorded.recordedAt });
    }
  };
  const state = () => fold(candidateSpec, log);
  const context = (sessionId: string): DecisionContext & { session: ReturnType<typeof sessionState>; referential: typeof referential } => ({
    now: now(),
    newId: id,
    actor: { id: 'admin', role: 'admin' },
    session: sessionState({ sessionId }),
    referential,
  });
  const decide = (command: CandidateCommand, sessionId: string) => {
    try {
      append(decideCandidate(command, state(), context(sessionId)));
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
  };
  /** The session each block was last enrolled in, from the accepted enrolments. */
  const latest: Record<string, string> = {};

  applyProgressEvent(slice, { type: 'ReferentialDrafted', data: { referentialId: REFERENTIAL, version: referential.version, document: doc }, transactionId: '1', globalPosition: 1 });
  append([{ type: 'CandidateRegistered', data: { candidateId: CANDIDATE, identity: sealed('identity'), accessRoute: 'vae' } }]);
  for (const s of steps) {
    clock += s.days * 86_400_000;
    if (s.kind === 'enrol') {
      if (decide({ type: 'EnrolCandidate', data: { candidateId: CANDIDATE, sessionId: s.session, blocks: s.blocks } }, s.session)) for (const b of s.blocks) latest[b] = s.session;
    } else if (s.kind === 'score') {
      // A criterion already scored in that session is corrected, with a reason, as an assessor would.
      const correction = scoreOf(state(), s.session, s.criterion) ? { correctionReason: sealed('re-marked') } : {};
      decide({ type: 'ScoreCriterion', data: { candidateId: CANDIDATE, sessionId: s.session, criterion: s.criterion, result: s.result, ...correction } }, s.session);
    } else if (s.kind === 'decide') {
      const sessionId = latest[s.block];
      if (!sessionId) continue;
      const juryId = `jury-${sessionId}-${s.jury}`;
      append([{ type: 'BlockDecisionRecorded', data: { candidateId: CANDIDATE, juryId, sessionId, block: s.block, decision: s.decision, revision: s.jury > 0 } }]);
    } else if (s.kind === 'award') {
      append([{ type: 'CertificationAwarded', data: { candidateId: CANDIDATE, certificationCode: doc.code, referentialId: REFERENTIAL, juryId: 'jury-award', blocks: [], awardedOn: now().slice(0, 10) } }]);
    } else {
      const award = awardsInForce(state().outcome)[0];
      if (award) append([{ type: 'CertificationWithdrawn', data: { candidateId: CANDIDATE, certificationCode: doc.code, awardEventId: null, juryId: 'jury-award', reason: 'appeal' } }]);
    }

    const domain = state();
    const progress = slice.candidates.get(CANDIDATE)!;
    const view = progressView(progress, slice.referentials);
    expect(view.certified).toBe(awardsInForce(domain.outcome).length > 0);
    const enrolled = BLOCKS.filter((b) => latest[b]);
    expect(view.blocks.map((b) => b.code)).toEqual(enrolled);
    for (const block of enrolled) {
      const sessionId = latest[block];
      const row = progress.blocks.find((b) => b.code === block)!;
      const shown = view.blocks.find((b) => b.code === block)!;
      expect(row.sessionId).toBe(sessionId);
      expect(shown.decision).toBe(decisionOf(domain, sessionId, block)?.decision ?? null);
      const { proposal, criteria } = proposeBlock(doc.validationRule, criteriaOfBlock(doc, block), blockScores(domain, sessionId, block), new Set());
      expect({ proposal: shown.proposal, criteria: shown.criteria }).toEqual({ proposal, criteria });
      if (counts(decisionInForce(domain.outcome, target, block, { at: now() }))) expect(shown.decision).toBe('validated');
    }
  }
  return progressView(slice.candidates.get(CANDIDATE)!, slice.referentials);
}

describe('candidate progress agrees with the domain fold (property)', () => {
  it('per block: the latest session enrolled in it, its scores and decision in force; capitalised blocks validated; certified while an award is in force', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        run(steps);
      }),
      { numRuns: 150 },
    );
  });

  it('a block validated, lapsed a year later and enrolled again is evaluated in the new session', () => {
    const view = run([
      { kind: 'enrol', session: 's1', blocks: ['BC01'], days: 0 },
      { kind: 'score', session: 's1', criterion: 'CE1.1', result: 'acquired', days: 0 },
      { kind: 'decide', block: 'BC01', decision: 'validated', jury: 0, days: 10 },
      { kind: 'enrol', session: 's2', blocks: ['BC01'], days: 30 }, // refused: still counts
      { kind: 'enrol', session: 's2', blocks: ['BC01'], days: 400 }, // lapsed: accepted
      { kind: 'score', session: 's2', criterion: 'CE1.1', result: 'not-acquired', days: 0 },
      { kind: 'decide', block: 'BC01', decision: 'not-validated', jury: 0, days: 10 },
    ]);
    expect(view.blocks).toEqual([{ code: 'BC01', proposal: 'incomplete', notEvaluated: null, attempt: 2, decision: 'not-validated', criteria: { total: 3, scored: 1, acquired: 0, neutralised: 0 } }]);
  });
});

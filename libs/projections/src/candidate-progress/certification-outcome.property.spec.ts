import fc from 'fast-check';
import { DecisionContext, DomainEvent, fold, RecordedEvent } from '@app/domain/shared/decider';
import { DomainError } from '@app/domain/shared/errors';
import { ReferentialDocument } from '@app/domain/referential/referential';
import { awardsInForce, counts, decisionInForce, targetOf } from '@app/domain/candidate/outcome';
import { BlockDecision, JuryMember, jurySpec, JuryState, juryStream } from '@app/domain/jury/jury';
import { addMonths, JuryCommand, juryDecider, JuryDecisionEvent, JuryDeps, REVISION_FREE_MONTHS, streamOfJuryDecision } from '@app/domain/jury/jury-decider';
import { candidateSpec } from '@app/domain/candidate/candidate';
import { applyProgressEvent, emptySlice } from './candidate-progress.evolve';

/** The jury's motivation as the handler hands it in: sealed under the candidate's key, with its length for the minimum. */
const JURY_MOTIVATION = { sealed: { alg: 'A256GCM' as const, kid: 'candidate', iv: 'iv', ct: 'motivation du jury', tag: 't' }, length: 18, minLength: 10 };

/**
 * Property: for any sequence of decisions, revisions and closings of one
 * candidate's session, `certified` is true exactly when every block of the
 * certification is validated and in force at a sealed closing — in the
 * candidate's outcome (what the credential issuer and the CDC export read),
 * in the progress projection, and in the awards and withdrawals written —
 * and the four-month rule runs from the closing that first made a decision.
 * The oracle below is a plain model of the rules, written apart from the code.
 */
const REF = 'c0000000-0000-4000-8000-000000000001';
const SESSION = 'b0000000-0000-4000-8000-000000000001';
const CAND = 'd0000000-0000-4000-8000-000000000001';
const BLOCKS = ['BC01', 'BC02'];
const doc: ReferentialDocument = {
  code: 'RNCP00000',
  title: 't',
  certifier: 'c',
  validationRule: 'all-criteria',
  blocks: BLOCKS.map((code) => ({ code, title: code, competences: [{ code: `C-${code}`, title: 'c', criteria: [{ code: `CE-${code}`, text: 't', core: true }] }] })),
};
const members: JuryMember[] = [{ userId: 'pres', name: 'P', president: true, professional: true }];
const target = targetOf(REF, 1, doc);

type Step =
  | { kind: 'decide'; block: string; decision: BlockDecision; days: number }
  | { kind: 'close'; days: number }
  | { kind: 'revise'; pick: number; days: number };

// Mostly short delays, sometimes past the four months; validated more often than the rest, so awards are common.
const days = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 100, max: 200 }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('decide' as const), block: fc.constantFrom(...BLOCKS), decision: fc.constantFrom<BlockDecision>('validated', 'validated', 'not-validated', 'deferred'), days }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), days }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revise' as const), pick: fc.nat(), days }) },
);

interface Sealed {
  value: BlockDecision;
  since: string;
}

/** Runs the steps, asserting on the way; answers the refusals' codes in order. */
function run(steps: Step[]): string[] {
  const refusals: string[] = [];
  let clock = Date.parse('2026-01-01T10:00:00.000Z');
  let n = 0;
  const id = () => `a0000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const candidate: RecordedEvent[] = [
    { type: 'CandidateRegistered', data: { candidateId: CAND, identity: null } },
    { type: 'CandidateEnrolled', data: { candidateId: CAND, sessionId: SESSION, referentialId: REF, certificationCode: doc.code, referentialVersion: 1, blocks: BLOCKS } },
    ...BLOCKS.map((b) => ({ type: 'CriterionScored', data: { candidateId: CAND, sessionId: SESSION, block: b, criterion: `CE-${b}`, result: 'acquired' } })),
  ];
  const juries = new Map<string, RecordedEvent[]>();
  const closedOrder: string[] = [];
  let open: string | null = null;
  // The oracle: the sealed value of each block and since when (the closing that first made it).
  const sealed: Record<string, Sealed | undefined> = {};
  let certified = false;

  const now = () => new Date(clock).toISOString();
  const context = (): DecisionContext => ({ now: now(), newId: id, actor: { id: 'pres', role: 'jury' } });
  const stamp = (e: DomainEvent): RecordedEvent => ({ ...e, recordedAt: now(), eventId: id() });
  const state = (juryId: string): JuryState => fold(jurySpec, juries.get(juryId)!);
  /** Where the handler appends it: the jury's stream or the candidate's (streamOfJuryDecision). */
  const toJury = (e: JuryDecisionEvent, juryId: string) => streamOfJuryDecision(e) === juryStream(juryId);
  const view = () => fold(candidateSpec, candidate);
  const closings = () => Object.fromEntries(closedOrder.map((j) => [j, state(j).seal!.closedAt]));
  const convene = (revises?: string) => {
    const juryId = id();
    juries.set(juryId, [
      { type: 'JuryConvened', data: { juryId, sessionId: SESSION, referentialId: REF, members, ...(revises ? { revises: { juryId: revises, reason: 'material-error' } } : {}) } },
      { type: 'DeliberationOpened', data: { juryId } },
    ]);
    open = juryId;
  };
  const tryDecide = (command: JuryCommand, deps: JuryDeps, juryId: string): JuryDecisionEvent[] | DomainError => {
    try {
      return juryDecider.decide(command, state(juryId), { ...context(), ...deps });
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
  };

  convene();
  for (const s of steps) {
    clock += s.days * 86_400_000;
    if (s.kind === 'revise') {
      if (open || closedOrder.length === 0) continue;
      convene(closedOrder[s.pick % closedOrder.length]);
      continue;
    }
    if (!open) continue;
    const juryId: string = open;
    const jury = state(juryId);
    if (s.kind === 'decide') {
      const revised = jury.revises ? state(jury.revises.juryId) : null;
      const out = tryDecide(
        { type: 'DecideBlock', data: { candidateId: CAND, block: s.block, decision: s.decision, motivation: JURY_MOTIVATION } },
        { candidate: view(), referential: doc, revised, closings: closings() },
        juryId,
      );
      const previous = revised?.decisions.filter((d) => d.candidateId === CAND && d.block === s.block).pop()?.decision;
      const against = !!revised && previous !== undefined && s.decision !== previous && s.decision !== 'validated';
      const window = sealed[s.block] && addMonths(sealed[s.block]!.since, REVISION_FREE_MONTHS);
      if (out instanceof DomainError) {
        refusals.push(out.code);
        if (out.code === 'REVISION_NOT_IN_FAVOUR') {
          // Refused exactly when the change is against the candidate past four months from the first closing of the value.
          expect(against && sealed[s.block]!.value === previous && Date.parse(now()) > Date.parse(window!)).toBe(true);
        }
        continue;
      }
      if (against && sealed[s.block]?.value === previous) expect(Date.parse(now()) <= Date.parse(window!)).toBe(true);
      juries.get(juryId)!.push(...out.filter((e) => toJury(e, juryId)).map(stamp));
      candidate.push(...out.filter((e) => !toJury(e, juryId)).map(stamp));
      // A decision shows in progress at once, but awards nothing.
      expect(out.some((e) => e.type === 'CertificationAwarded')).toBe(false);
    } else {
      const candidates = { [CAND]: view().outcome };
      const out = tryDecide({ type: 'CloseDeliberation', data: { seal: { sealHash: 'h', signature: 's', keyFingerprint: 'k' } } }, { target, candidates, closings: closings() }, juryId);
      if (out instanceof DomainError) throw out;
      juries.get(juryId)!.push(...out.filter((e) => toJury(e, juryId)).map(stamp));
      candidate.push(...out.filter((e) => !toJury(e, juryId)).map(stamp));
      closedOrder.push(juryId);
      open = null;
      // The oracle seals this jury's final decisions.
      for (const block of BLOCKS) {
        const final = jury.decisions.filter((d) => d.candidateId === CAND && d.block === block).pop();
        if (!final) continue;
        if (sealed[block]?.value !== final.decision) sealed[block] = { value: final.decision, since: now() };
      }
      const shouldBe = BLOCKS.every((b) => sealed[b]?.value === 'validated');
      const types = out.slice(1).map((e) => e.type);
      expect(types).toEqual(shouldBe && !certified ? ['CertificationAwarded'] : !shouldBe && certified ? ['CertificationWithdrawn'] : []);
      certified = shouldBe;
    }

    // Every reader agrees with the oracle after every step.
    const outcome = view().outcome;
    expect(awardsInForce(outcome).length > 0).toBe(certified);
    const slice = emptySlice();
    applyProgressEvent(slice, { type: 'ReferentialDrafted', data: { referentialId: REF, version: 1, document: doc }, transactionId: '1', globalPosition: 1 });
    candidate.forEach((e, i) => applyProgressEvent(slice, { type: e.type, data: e.data, transactionId: String(10 + i), globalPosition: 10 + i }));
    const progress = slice.candidates.get(CAND)!;
    expect(progress.certified).toBe(certified);
    // The block badges stand on decisionInForce; progress shows the same decision for each block.
    for (const block of BLOCKS) {
      expect(counts(decisionInForce(outcome, target, block))).toBe(progress.blocks.find((b) => b.code === block)!.decision === 'validated');
    }
  }
  return refusals;
}

const certifiedStart: Step[] = [
  { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
  { kind: 'decide', block: 'BC02', decision: 'validated', days: 0 },
  { kind: 'close', days: 0 },
];

describe('certification outcome (property)', () => {
  it('certified exactly when every block is validated and in force at a sealed closing; the four months run from the first closing', () => {
    fc.assert(
      // Half the runs start certified, so revisions that withdraw and award again are common too.
      fc.property(fc.boolean(), fc.array(step, { minLength: 1, maxLength: 40 }), (startCertified, steps) => {
        run([...(startCertified ? certifiedStart : []), ...steps]);
      }),
      { numRuns: 150 },
    );
  });

  it('a chain of confirming revisions never extends the four months', () => {
    // Validated, confirmed by revisions 3 and 5 months later, then taken back 5 months after the first closing: refused.
    const refusals = run([
        { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
        { kind: 'close', days: 0 },
        { kind: 'revise', pick: 0, days: 90 },
        { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
        { kind: 'close', days: 0 },
        { kind: 'revise', pick: 1, days: 60 },
        { kind: 'decide', block: 'BC01', decision: 'not-validated', days: 0 },
        { kind: 'close', days: 0 },
      ]);
    expect(refusals).toEqual(['REVISION_NOT_IN_FAVOUR']);
    // The same chain taken back within four months of the first closing: accepted, and the award is withdrawn.
    expect(
      run([
        { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
        { kind: 'close', days: 0 },
        { kind: 'revise', pick: 0, days: 60 },
        { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
        { kind: 'close', days: 0 },
        { kind: 'revise', pick: 1, days: 50 },
        { kind: 'decide', block: 'BC01', decision: 'not-validated', days: 0 },
        { kind: 'close', days: 0 },
      ]),
    ).toEqual([]);
  });
});

describe('certification outcome (examples)', () => {
  it('a revision that takes a block back within four months withdraws; a later one that validates again awards again', () => {
    expect(
      run([
        { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
        { kind: 'decide', block: 'BC02', decision: 'validated', days: 0 },
        { kind: 'close', days: 0 },
        { kind: 'revise', pick: 0, days: 30 },
        { kind: 'decide', block: 'BC01', decision: 'not-validated', days: 0 },
        { kind: 'close', days: 0 },
        { kind: 'revise', pick: 1, days: 300 },
        { kind: 'decide', block: 'BC01', decision: 'validated', days: 0 },
        { kind: 'close', days: 0 },
      ]),
    ).toEqual([]);
  });
});

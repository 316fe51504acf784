import { assertNever } from '@app/domain/shared/errors';
import { CriterionResult, Proposal, proposeBlock } from '@app/domain/candidate/proposal';
import { ReferentialDocument, ValidationRuleName } from '@app/domain/referential/referential';

/**
 * Candidate progress per block, as a pure fold of the log. The live projection
 * stores what `evolveProgress` computes; time travel folds the log up to a
 * point in memory with the very same function.
 */
export type BlockDecision = 'validated' | 'not-validated' | 'deferred';

/** Where an event sits in the gap-safe order of the log. */
export interface LogMark {
  tx: string;
  position: number;
}

export interface ProgressEvent {
  type: string;
  data: any;
  transactionId: string;
  globalPosition: number;
}

/** What the proposal needs of a referential version: its rule and each block's criteria. */
export interface ReferentialCriteria {
  referentialId: string;
  rule: ValidationRuleName;
  blocks: Record<string, Array<{ code: string; core: boolean }>>;
  at: LogMark;
}

export interface BlockState {
  code: string;
  referentialId: string;
  sessionId: string;
  rule: ValidationRuleName;
  criteria: Array<{ code: string; core: boolean }>;
  scores: Record<string, CriterionResult>;
  neutralised: string[];
  decision: BlockDecision | null;
}

export interface CandidateProgressState {
  candidateId: string;
  registered: boolean;
  certified: boolean;
  /** Sorted by block code. */
  blocks: BlockState[];
  at: LogMark;
}

export interface BlockProgressView {
  code: string;
  proposal: Proposal;
  decision: BlockDecision | null;
  criteria: { total: number; scored: number; acquired: number; neutralised: number };
}

/** The answer of GET /v1/candidates/{id}/progress. */
export interface CandidateProgressView {
  candidateId: string;
  certified: boolean;
  blocks: BlockProgressView[];
}

export interface ProgressSlice {
  referentials: ReadonlyMap<string, ReferentialCriteria>;
  candidates: ReadonlyMap<string, CandidateProgressState>;
}

export const PROGRESS_EVENT_TYPES = new Set([
  'ReferentialDrafted',
  'CandidateRegistered',
  'CandidateEnrolled',
  'CriterionScored',
  'CriterionScoreCorrected',
  'CriterionNeutralised',
  'BlockDecisionRecorded',
  'CertificationAwarded',
]);

type ProgressEventType = 'ReferentialDrafted' | 'CandidateRegistered' | 'CandidateEnrolled' | 'CriterionScored' | 'CriterionScoreCorrected' | 'CriterionNeutralised' | 'BlockDecisionRecorded' | 'CertificationAwarded';

export const emptySlice = (): ProgressSlice => ({ referentials: new Map(), candidates: new Map() });

const markOf = (e: ProgressEvent): LogMark => ({ tx: e.transactionId, position: e.globalPosition });

/** Already applied: at or before the row's last event in (tx, position) order. Makes replays change nothing. */
export function alreadyApplied(at: LogMark, e: ProgressEvent): boolean {
  const tx = BigInt(e.transactionId);
  const last = BigInt(at.tx);
  return tx < last || (tx === last && e.globalPosition <= at.position);
}

/** The row an event of this type touches: ['referential', id] or ['candidate', id]. */
export function keyOf(e: ProgressEvent): ['referential' | 'candidate', string] | null {
  if (!PROGRESS_EVENT_TYPES.has(e.type)) return null;
  if (e.type === 'ReferentialDrafted') return ['referential', String(e.data?.referentialId)];
  return ['candidate', String(e.data?.candidateId)];
}

export function evolveProgress(slice: ProgressSlice, event: ProgressEvent): ProgressSlice {
  const key = keyOf(event);
  if (!key) return slice;
  if (key[0] === 'referential') {
    const current = slice.referentials.get(key[1]);
    if (current && alreadyApplied(current.at, event)) return slice;
    const next = new Map(slice.referentials);
    next.set(key[1], referentialCriteria(event));
    return { ...slice, referentials: next };
  }
  const current = slice.candidates.get(key[1]) ?? initialCandidate(key[1]);
  if (alreadyApplied(current.at, event)) return slice;
  const updated = evolveCandidate(current, event, slice.referentials);
  const next = new Map(slice.candidates);
  next.set(key[1], { ...updated, at: markOf(event) });
  return { ...slice, candidates: next };
}

export function initialCandidate(candidateId: string): CandidateProgressState {
  return { candidateId, registered: false, certified: false, blocks: [], at: { tx: '0', position: 0 } };
}

function referentialCriteria(event: ProgressEvent): ReferentialCriteria {
  const document = event.data.document as ReferentialDocument;
  const blocks: ReferentialCriteria['blocks'] = {};
  for (const block of document?.blocks ?? []) {
    blocks[block.code] = (block.competences ?? []).flatMap((c) => c.criteria ?? []).map((c) => ({ code: c.code, core: !!c.core }));
  }
  return { referentialId: event.data.referentialId, rule: document?.validationRule ?? 'all-criteria', blocks, at: markOf(event) };
}

function evolveCandidate(state: CandidateProgressState, event: ProgressEvent, referentials: ProgressSlice['referentials']): CandidateProgressState {
  const type = event.type as ProgressEventType;
  const d = event.data;
  switch (type) {
    case 'CandidateRegistered':
      return { ...state, registered: true };
    case 'CandidateEnrolled': {
      const referential = referentials.get(d.referentialId);
      const blocks = new Map(state.blocks.map((b) => [b.code, b]));
      for (const code of (d.blocks ?? []) as string[]) {
        // A validated block stays acquired across sessions (capitalised): a new enrolment does not reset it.
        if (blocks.get(code)?.decision === 'validated') continue;
        blocks.set(code, {
          code,
          referentialId: d.referentialId,
          sessionId: d.sessionId,
          rule: referential?.rule ?? 'all-criteria',
          criteria: referential?.blocks[code] ?? [],
          scores: {},
          neutralised: [],
          decision: null,
        });
      }
      return { ...state, blocks: [...blocks.values()].sort((a, b) => a.code.localeCompare(b.code)) };
    }
    case 'CriterionScored':
    case 'CriterionScoreCorrected':
      // Scores of an earlier session of a re-enrolled block no longer count.
      return updateBlock(state, d.block, (b) => (b.sessionId === d.sessionId ? { ...b, scores: { ...b.scores, [d.criterion]: d.result } } : b));
    case 'CriterionNeutralised':
      return updateBlock(state, d.block, (b) => (b.neutralised.includes(d.criterion) ? b : { ...b, neutralised: [...b.neutralised, d.criterion] }));
    case 'BlockDecisionRecorded':
      // The latest decision stands: a revision deliberation supersedes the earlier one.
      return updateBlock(state, d.block, (b) => ({ ...b, decision: d.decision }));
    case 'CertificationAwarded':
      return { ...state, certified: true };
    case 'ReferentialDrafted':
      return state;
    default:
      return assertNever(type, 'progress event');
  }
}

function updateBlock(state: CandidateProgressState, code: string, change: (b: BlockState) => BlockState): CandidateProgressState {
  if (!state.blocks.some((b) => b.code === code)) return state;
  return { ...state, blocks: state.blocks.map((b) => (b.code === code ? change(b) : b)) };
}

/** The query's answer for a candidate state: the proposal of each block under its referential's rule. */
export function progressView(state: CandidateProgressState): CandidateProgressView {
  return {
    candidateId: state.candidateId,
    certified: state.certified,
    blocks: state.blocks.map((b) => {
      const { proposal, criteria } = proposeBlock(
        b.rule,
        b.criteria.map((c) => ({ code: c.code, core: c.core, text: '' })),
        new Map(Object.entries(b.scores)),
        new Set(b.neutralised),
      );
      return { code: b.code, proposal, decision: b.decision, criteria };
    }),
  };
}

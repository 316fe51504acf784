import { assertNever } from '@app/domain/shared/errors';
import { CriterionResult, Proposal } from '@app/domain/candidate/proposal';
import { attemptOf, NotEvaluated, proposeSessionBlock } from '@app/domain/candidate/session-block';
import {
  awardsInForce,
  BlockDecision,
  CertificationTarget,
  counts,
  decisionInForce,
  Equivalence,
  evolveOutcome,
  initialOutcome,
  Outcome,
  OUTCOME_EVENT_TYPES,
  sessionDecision,
  targetOf,
} from '@app/domain/candidate/outcome';
import { CandidateEvent, upcastCandidateEvent } from '@app/domain/candidate/candidate';
import { appealDeadline } from '@app/domain/candidate/decision-letters';
import { CriterionNeutralised, upcastJuryEvent, VaeInterviewHeld } from '@app/domain/jury/jury';
import { upcastReferentialEvent } from '@app/domain/referential/referential-state';
import { CriterionDoc, ValidationRuleName } from '@app/domain/referential/referential';

/**
 * Candidate progress per block, as a fold of the log. The live projection
 * stores what `applyProgressEvent` computes, batch by batch; time travel folds
 * the log up to a point in memory with the very same step (`evolveProgress` is
 * its pure form). Its state is row-shaped (one row per candidate, blocks
 * with their scores), but it reads the events through the domain's typed
 * unions and each stream's upcast, as the domain's folds do, and it holds no
 * rule of its own about the outcome: each row carries the candidate's
 * `Outcome` folded by the domain's `evolveOutcome`, and the decision in force,
 * the awards in force and capitalisation are asked of outcome.ts
 * (`sessionDecision`, `awardsInForce`, `decisionInForce` + `counts`), the
 * functions the deciders use.
 */
export type { BlockDecision };

/** Where an event sits in the gap-safe order of the log. */
export interface LogMark {
  tx: string;
  position: number;
}

export interface ProgressEvent {
  type: string;
  /** Already at the current schema version: the projection engine and the time-travel reader upcast what they read. */
  data: any;
  transactionId: string;
  globalPosition: number;
  /**
   * When the event was recorded, when the reader has it: it dates decisions in
   * the outcome and is the moment an enrolment asks whether a capitalised
   * block's validity period has lapsed (as the decider did, at that moment).
   */
  recordedAt?: string;
}

/** What the proposal needs of a referential version: its rule and each block's criteria. */
export interface ReferentialCriteria {
  referentialId: string;
  /** The certification code: blocks are capitalised per certification. */
  code?: string;
  rule: ValidationRuleName;
  blocks: Record<string, Array<{ code: string; core: boolean }>>;
  /** What capitalisation needs of the version (outcome.ts `CertificationTarget`). */
  version?: number;
  equivalences?: Equivalence[];
  validityYears?: number;
  at: LogMark;
}

/**
 * A block the candidate enrolled in. The referential's rule and criteria are not
 * copied here: they are looked up by `referentialId` (a referential version is
 * drafted once and never changes), so a candidate's state holds only what is
 * theirs — the per-batch writes of the read model stay small.
 */
export interface BlockState {
  code: string;
  /**
   * The referential the enrolment pins; null when it was not in the log when
   * the candidate enrolled (the block then counts under 'all-criteria' with no
   * criteria, whatever is drafted later).
   */
  referentialId: string | null;
  /** The certification the block belongs to (a BC01 of one certification is not the BC01 of another). */
  certificationCode?: string | null;
  sessionId: string;
  scores: Record<string, CriterionResult>;
  neutralised: string[];
  /** The decision in force in the block's session, as outcome.ts's `sessionDecision` answers it (kept for the view). */
  decision: BlockDecision | null;
  /** Set when the block is enrolled on a VAE file: decided on the file and the interview, not scored. */
  vaeApplicationId?: string;
}

/** Where a VAE application's path stands (no free text: progress readers include assessors and regulators). */
export interface VaeProgress {
  applicationId: string;
  certificationCode: string;
  /** The blocks sought. */
  blocks: string[];
  /** null while undecided. */
  admissible: boolean | null;
  /** The blocks the submitted file covers; null before the file. */
  fileBlocks: string[] | null;
  /** Interviews held by a jury of a session, by day. */
  interviews: Array<{ sessionId: string; juryId: string; heldOn: string }>;
}

export interface CandidateProgressState {
  candidateId: string;
  registered: boolean;
  /** True while some certification's award is in force (awarded at a closing, not withdrawn since): `awardsInForce(outcome)`. */
  certified: boolean;
  /** Certification codes awarded and not withdrawn: `awardsInForce(outcome)`. */
  awarded?: string[];
  /** The candidate's decisions, awards and withdrawals, folded by the domain's `evolveOutcome` (absent: nothing yet). */
  outcome?: Outcome;
  /** Sorted by block code. */
  blocks: BlockState[];
  /** Decision letters issued, in issue order, the first issue of each jury's (absent: none yet). */
  letters?: Array<{ juryId: string; issuedAt: string }>;
  /** VAE applications in the order filed (absent: none). */
  vae?: VaeProgress[];
  /**
   * Blocks of earlier sessions a later enrolment took over (a resit), kept
   * for the deliberation sheet of their session; `progress` shows `blocks`.
   */
  earlier?: BlockState[];
  at: LogMark;
}

/**
 * A block enrolled on a VAE file: the jury decides it on the file and the
 * interview, so its `proposal` (computed from scores it never gets) is not
 * what the decision rests on.
 */
export interface BlockVaeView {
  decidedOn: 'file-and-interview';
  applicationId: string;
  admissibility: VaeAdmissibility;
  /** Whether the submitted file covers the block. */
  fileCovers: boolean;
  /** The day of the interview held in the block's session, or null. */
  interviewHeldOn: string | null;
}

export type VaeAdmissibility = 'pending' | 'admissible' | 'not-admissible';

export interface BlockProgressView {
  code: string;
  proposal: Proposal;
  /** Why the block was not evaluated in its session (proposal `not-evaluated`), else null. */
  notEvaluated: NotEvaluated | null;
  /** The attempt number of the block in its session (session-block.ts `attemptOf`). */
  attempt: number;
  decision: BlockDecision | null;
  criteria: { total: number; scored: number; acquired: number; neutralised: number };
  /** Only on a block enrolled on a VAE file. */
  vae?: BlockVaeView;
}

/** A VAE application as progress shows it: where its path stands. */
export interface VaePathView {
  applicationId: string;
  certificationCode: string;
  blocks: string[];
  admissibility: VaeAdmissibility;
  file: { blocks: string[] } | null;
  interviews: Array<{ sessionId: string; heldOn: string }>;
}

/** A decision letter issued to the candidate: the jury, the first issue, and the last day of the recours gracieux (issue day + 2 months, Paris). */
export interface LetterProgressView {
  juryId: string;
  issuedAt: string;
  appealDeadline: string;
}

/** The answer of GET /v1/candidates/{id}/progress. */
export interface CandidateProgressView {
  candidateId: string;
  certified: boolean;
  blocks: BlockProgressView[];
  /** The latest letter's appeal deadline (YYYY-MM-DD), null before any letter was issued. */
  appealDeadline: string | null;
  /** Every jury's decision letter issued to the candidate, in issue order. */
  letters: LetterProgressView[];
  /** Only for a candidate who filed a VAE application: each application, the latest last. */
  vae?: VaePathView[];
}

export interface ProgressSlice {
  referentials: ReadonlyMap<string, ReferentialCriteria>;
  candidates: ReadonlyMap<string, CandidateProgressState>;
}

export const PROGRESS_EVENT_TYPES = new Set([
  'ReferentialDrafted',
  'CandidateRegistered',
  'CandidateEnrolled',
  'CandidateAbsent',
  'FraudDecisionRecorded',
  'CriterionScored',
  'CriterionScoreCorrected',
  'CriterionNeutralised',
  'BlockDecisionRecorded',
  'CertificationAwarded',
  'CertificationWithdrawn',
  'DecisionLetterIssued',
  'VaeApplicationFiled',
  'VaeAdmissibilityDecided',
  'VaeFileSubmitted',
  'VaeInterviewHeld',
]);

/** The events of the candidate stream and of the jury's the progress reads, as the domain types them. */
type CandidateProgressEvent =
  | Extract<
      CandidateEvent,
      {
        type:
          | 'CandidateRegistered'
          | 'CandidateEnrolled'
          | 'CandidateAbsent'
          | 'FraudDecisionRecorded'
          | 'CriterionScored'
          | 'CriterionScoreCorrected'
          | 'BlockDecisionRecorded'
          | 'CertificationAwarded'
          | 'CertificationWithdrawn'
          | 'DecisionLetterIssued'
          | 'VaeApplicationFiled'
          | 'VaeAdmissibilityDecided'
          | 'VaeFileSubmitted';
      }
    >
  | CriterionNeutralised
  | VaeInterviewHeld;

/**
 * The typed event of a candidate row, through its stream's upcast (the one
 * every fold of that stream applies; the data comes already upcast, so this
 * only types it, as the domain's folds do). It carries the event's time,
 * which dates decisions in the outcome.
 */
function candidateEventOf(event: ProgressEvent): CandidateProgressEvent {
  // The progress event is itself a recorded event (type, data, recordedAt when known): no copy per event.
  return (event.type === 'CriterionNeutralised' || event.type === 'VaeInterviewHeld' ? upcastJuryEvent(event) : upcastCandidateEvent(event)) as CandidateProgressEvent;
}

export const emptySlice = (): OwnedProgressSlice => ({ referentials: new Map(), candidates: new Map() });

/** A slice its holder owns and lets `applyProgressEvent` change in place (a batch, a time-travel fold). */
export interface OwnedProgressSlice {
  referentials: Map<string, ReferentialCriteria>;
  candidates: Map<string, CandidateProgressState>;
}

const markOf = (e: ProgressEvent): LogMark => ({ tx: e.transactionId, position: e.globalPosition });

/** Transaction ids (xid8) as decimal strings without leading zeros: longer is greater, else compare as text. */
function compareTx(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Already applied: at or before the row's last event in (tx, position) order. Makes replays change nothing. */
export function alreadyApplied(at: LogMark, e: ProgressEvent): boolean {
  const c = compareTx(String(e.transactionId), String(at.tx));
  return c < 0 || (c === 0 && e.globalPosition <= at.position);
}

/** The row an event of this type touches: ['referential', id] or ['candidate', id]. */
export function keyOf(e: ProgressEvent): ['referential' | 'candidate', string] | null {
  if (!PROGRESS_EVENT_TYPES.has(e.type)) return null;
  if (e.type === 'ReferentialDrafted') return ['referential', String(e.data?.referentialId)];
  return ['candidate', String(e.data?.candidateId)];
}

/**
 * The evolve step, shared by the live projection and time travel: applies one
 * event to a slice the caller owns, changing the touched entry in place (no
 * copy of the maps or of the candidate per event). Returns the key of the
 * entry it changed, or null when the event changes nothing (another type,
 * already applied, a replay).
 */
export function applyProgressEvent(slice: OwnedProgressSlice, event: ProgressEvent): ['referential' | 'candidate', string] | null {
  const key = keyOf(event);
  if (!key) return null;
  if (key[0] === 'referential') {
    // A referential version is drafted once and never changes (the referential decider refuses a second draft):
    // the first draft stands, so what an enrolment pinned stays what it pinned.
    if (slice.referentials.has(key[1])) return null;
    slice.referentials.set(key[1], referentialCriteria(event));
    return key;
  }
  let state = slice.candidates.get(key[1]);
  if (state && alreadyApplied(state.at, event)) return null;
  if (!state) {
    state = initialCandidate(key[1]);
    slice.candidates.set(key[1], state);
  }
  evolveCandidateProgress(state, event, slice.referentials);
  state.at = markOf(event);
  return key;
}

/**
 * The same step as a pure function: the slice given is left untouched (the
 * entry the event changes is copied first), and returned as is when the event
 * changes nothing.
 */
export function evolveProgress(slice: ProgressSlice, event: ProgressEvent): ProgressSlice {
  const key = keyOf(event);
  if (!key) return slice;
  const current = key[0] === 'referential' ? slice.referentials.get(key[1]) : slice.candidates.get(key[1]);
  if (current && (key[0] === 'referential' || alreadyApplied(current.at, event))) return slice;
  const owned: OwnedProgressSlice = { referentials: new Map(slice.referentials), candidates: new Map(slice.candidates) };
  if (key[0] === 'candidate' && current) owned.candidates.set(key[1], cloneCandidate(current as CandidateProgressState));
  return applyProgressEvent(owned, event) ? owned : slice;
}

export function initialCandidate(candidateId: string): CandidateProgressState {
  return { candidateId, registered: false, certified: false, blocks: [], at: { tx: '0', position: 0 } };
}

export function cloneCandidate(state: CandidateProgressState): CandidateProgressState {
  return {
    ...state,
    blocks: state.blocks.map(cloneBlock),
    ...(state.earlier ? { earlier: state.earlier.map(cloneBlock) } : {}),
    ...(state.awarded ? { awarded: [...state.awarded] } : {}),
    ...(state.letters ? { letters: state.letters.map((l) => ({ ...l })) } : {}),
    at: { ...state.at },
  };
}

const cloneBlock = (b: BlockState): BlockState => ({ ...b, scores: { ...b.scores }, neutralised: [...b.neutralised] });

function referentialCriteria(raw: ProgressEvent): ReferentialCriteria {
  const event = upcastReferentialEvent({ type: raw.type, data: raw.data });
  if (event.type !== 'ReferentialDrafted') throw new Error(`not a ReferentialDrafted event: ${event.type}`);
  const document = event.data.document;
  const blocks: ReferentialCriteria['blocks'] = {};
  for (const block of document?.blocks ?? []) {
    blocks[block.code] = (block.competences ?? []).flatMap((c) => c.criteria ?? []).map((c) => ({ code: c.code, core: !!c.core }));
  }
  return {
    referentialId: event.data.referentialId,
    ...(document?.code ? { code: document.code } : {}),
    rule: document?.validationRule ?? 'all-criteria',
    blocks,
    ...(event.data.version !== undefined ? { version: event.data.version } : {}),
    ...(document?.equivalences ? { equivalences: document.equivalences } : {}),
    ...(document?.validityYears !== undefined ? { validityYears: document.validityYears } : {}),
    at: markOf(raw),
  };
}

const OUTCOME_EVENTS: ReadonlySet<string> = new Set(OUTCOME_EVENT_TYPES);
/** Never changed: `evolveOutcome` returns new objects. */
const EMPTY_OUTCOME: Outcome = Object.freeze(initialOutcome());

/** Changes `state` (owned by the caller) in place. */
function evolveCandidateProgress(state: CandidateProgressState, raw: ProgressEvent, referentials: ProgressSlice['referentials']): void {
  const event = candidateEventOf(raw);
  // The domain's fold of the outcome first (it ignores the events that are not about it, returning the same object).
  let outcome = state.outcome ?? EMPTY_OUTCOME;
  if (OUTCOME_EVENTS.has(event.type)) {
    outcome = evolveOutcome(outcome, event);
    state.outcome = outcome;
  }
  switch (event.type) {
    case 'CandidateRegistered':
      state.registered = true;
      return;
    case 'CandidateAbsent':
    case 'FraudDecisionRecorded':
      return; // folded into the outcome above: the proposal of the block's session reads it (proposeSessionBlock)
    case 'CandidateEnrolled': {
      const d = event.data;
      const referentialId = d.referentialId != null && referentials.has(d.referentialId) ? String(d.referentialId) : null;
      const certificationCode: string | null = d.certificationCode ?? (referentialId ? referentials.get(referentialId)?.code ?? null : null);
      const keyOf = (b: { code: string; certificationCode?: string | null }) => `${b.certificationCode ?? ''}\u0000${b.code}`;
      const blocks = new Map(state.blocks.map((b) => [keyOf(b), b]));
      const at = raw.recordedAt ? { at: raw.recordedAt } : {};
      const target = targetOfEnrolment(d, referentialId ? referentials.get(referentialId) : undefined, certificationCode);
      const lapsed = new Set((d.lapsed ?? []).map((l) => l.block));
      for (const code of d.blocks ?? []) {
        // Capitalised: a block whose decision in force still counts (outcome.ts, the rule the enrolment decider
        // applies) stays acquired, and the enrolment does not reset it. A block the enrolment records as lapsed
        // (its validity period ran out) is evaluated again, like any block that does not count.
        if (outcome.decisions.length && !lapsed.has(code) && counts(decisionInForce(outcome, target, code, at))) continue;
        const decision = sessionDecision(outcome, d.sessionId, code)?.decision ?? null;
        // A resit: the block of the earlier session steps aside (its sheet still shows it), and the new session starts from no score.
        const replaced = blocks.get(keyOf({ code, certificationCode }));
        if (replaced && replaced.sessionId !== d.sessionId) state.earlier = [...(state.earlier ?? []), replaced];
        const block: BlockState = { code, referentialId, certificationCode, sessionId: d.sessionId, scores: {}, neutralised: [], decision };
        if (d.vaeApplicationId) block.vaeApplicationId = d.vaeApplicationId;
        blocks.set(keyOf({ code, certificationCode }), block);
      }
      state.blocks = [...blocks.values()].sort((a, b) => a.code.localeCompare(b.code) || (a.certificationCode ?? '').localeCompare(b.certificationCode ?? ''));
      return;
    }
    case 'CriterionScored':
    case 'CriterionScoreCorrected': {
      const d = event.data;
      // Scores of an earlier session of a re-enrolled block no longer count.
      const block = blockOfSession(state, d.sessionId, d.block);
      // A new object rather than a change in place: blockView knows an unchanged block by its scores (and the rest).
      if (block) block.scores = { ...block.scores, [d.criterion]: d.result };
      return;
    }
    case 'CriterionNeutralised': {
      const d = event.data;
      const block = openBlockOf(state, d.block);
      if (block && !block.neutralised.includes(d.criterion)) block.neutralised = [...block.neutralised, d.criterion];
      return;
    }
    case 'BlockDecisionRecorded': {
      const d = event.data;
      // The decision in force of that session (outcome.ts): a revision deliberation supersedes the earlier one.
      // Until the closing seals it the decision shows here, but `certified` waits for the award.
      const block = blockOfSession(state, d.sessionId, d.block) ?? (d.certificationCode ? state.blocks.find((b) => b.code === d.block && b.certificationCode === d.certificationCode) : blockOf(state, d.block));
      if (block) block.decision = sessionDecision(outcome, d.sessionId, d.block)?.decision ?? null;
      return;
    }
    case 'CertificationAwarded':
    case 'CertificationWithdrawn': {
      const awarded = awardsInForce(outcome).map((a) => a.certificationCode);
      state.awarded = [...new Set(awarded)].sort();
      state.certified = awarded.length > 0;
      return;
    }
    case 'DecisionLetterIssued': {
      const { juryId, issuedAt } = event.data;
      // The first issue stands (the candidate fold keeps it too): the appeal deadline runs from it.
      if (!state.letters?.some((l) => l.juryId === juryId)) state.letters = [...(state.letters ?? []), { juryId, issuedAt }];
      return;
    }
    // The VAE path: arrays replaced, never changed in place, so a shallow clone of the row stays a copy.
    case 'VaeApplicationFiled': {
      const { applicationId, certificationCode, blocks } = event.data;
      state.vae = [...(state.vae ?? []), { applicationId, certificationCode, blocks: [...blocks], admissible: null, fileBlocks: null, interviews: [] }];
      return;
    }
    case 'VaeAdmissibilityDecided':
      state.vae = (state.vae ?? []).map((a) => (a.applicationId === event.data.applicationId ? { ...a, admissible: event.data.admissible } : a));
      return;
    case 'VaeFileSubmitted':
      state.vae = (state.vae ?? []).map((a) => (a.applicationId === event.data.applicationId ? { ...a, fileBlocks: [...event.data.blocks] } : a));
      return;
    case 'VaeInterviewHeld': {
      const { applicationId, sessionId, juryId, heldOn } = event.data;
      state.vae = (state.vae ?? []).map((a) => (a.applicationId === applicationId ? { ...a, interviews: [...a.interviews, { sessionId, juryId, heldOn }] } : a));
      return;
    }
    default:
      return assertNever(event, 'progress event');
  }
}

/**
 * The certification an enrolment targets, as capitalisation asks it
 * (outcome.ts `CertificationTarget`): the referential version the enrolment
 * pins; when that version is not in the log, what the enrolment itself says.
 */
function targetOfEnrolment(
  d: { referentialId: string; referentialVersion?: number; blocks: string[] },
  referential: ReferentialCriteria | undefined,
  certificationCode: string | null,
): CertificationTarget {
  const blocks = (referential ? Object.keys(referential.blocks) : d.blocks ?? []).map((code) => ({ code }));
  const { equivalences, validityYears } = referential ?? {};
  return targetOf(String(d.referentialId), referential?.version ?? d.referentialVersion ?? 0, { code: certificationCode ?? '', blocks, equivalences, validityYears });
}

function blockOf(state: CandidateProgressState, code: string): BlockState | undefined {
  for (const b of state.blocks) if (b.code === code) return b;
  return undefined;
}

/** The block of that code enrolled in that session (two certifications may share block codes), a resit's earlier one included. */
function blockOfSession(state: CandidateProgressState, sessionId: string, code: string): BlockState | undefined {
  for (const b of state.blocks) if (b.code === code && b.sessionId === sessionId) return b;
  for (const b of state.earlier ?? []) if (b.code === code && b.sessionId === sessionId) return b;
  return undefined;
}

/** A neutralisation names no session: the block of that code still before a jury, else the first of that code. */
function openBlockOf(state: CandidateProgressState, code: string): BlockState | undefined {
  return state.blocks.find((b) => b.code === code && (b.decision === null || b.decision === 'deferred')) ?? blockOf(state, code);
}

const NO_CRITERIA: Array<{ code: string; core: boolean }> = [];
/** A referential block's criteria as the proposal takes them, made once per loaded referential block rather than per candidate. */
const criterionDocs = new WeakMap<ReadonlyArray<{ code: string; core: boolean }>, CriterionDoc[]>();
function criterionDocsOf(criteria: ReadonlyArray<{ code: string; core: boolean }>): CriterionDoc[] {
  let docs = criterionDocs.get(criteria);
  if (!docs) {
    docs = criteria.map((c) => ({ code: c.code, core: c.core, text: '' }));
    criterionDocs.set(criteria, docs);
  }
  return docs;
}

/**
 * The query's answer for a candidate state: the proposal of each block under
 * the rule and criteria of the referential its enrolment pinned, looked up in
 * `referentials` (which must hold every referential the candidate's blocks name).
 */
export function progressView(state: CandidateProgressState, referentials: ProgressSlice['referentials']): CandidateProgressView {
  const letters = lettersView(state);
  return {
    candidateId: state.candidateId,
    certified: state.certified,
    appealDeadline: latestAppealDeadline(letters),
    letters,
    blocks: state.blocks.map((b) => blockView(state, b, referentials)),
    ...vaePathsView(state),
  };
}

/**
 * One block as progress and the sheet show it: the proposal of its session
 * through the domain's one override (proposeSessionBlock) and its attempt
 * number (attemptOf), both asked of the candidate's outcome.
 */
export function blockView(state: CandidateProgressState, b: BlockState, referentials: ProgressSlice['referentials']): BlockProgressView {
  const referential = b.referentialId === null ? undefined : referentials.get(b.referentialId);
  if (b.referentialId !== null && !referential) throw new Error(`referential ${b.referentialId} of block ${b.code} of candidate ${state.candidateId} is not loaded`);
  const outcome = state.outcome ?? EMPTY_OUTCOME;
  // A score changes one block of the candidate: the others' views are the ones computed last (VIEWS).
  const known = b.vaeApplicationId ? undefined : VIEWS.get(b);
  if (known && known.scores === b.scores && known.neutralised === b.neutralised && known.decision === b.decision && known.outcome === outcome && known.referential === referential) return known.view;
  const { proposal, criteria, notEvaluated } = proposeSessionBlock(
    referential?.rule ?? 'all-criteria',
    criterionDocsOf(referential?.blocks[b.code] ?? NO_CRITERIA),
    b.scores,
    b.neutralised,
    outcome,
    b.sessionId,
    b.code,
  );
  const view: BlockProgressView = { code: b.code, proposal, notEvaluated, attempt: attemptOf(outcome, b.sessionId, b.code) ?? 1, decision: b.decision, criteria };
  const vae = b.vaeApplicationId ? state.vae?.find((a) => a.applicationId === b.vaeApplicationId) : undefined;
  if (vae) {
    view.vae = {
      decidedOn: 'file-and-interview',
      applicationId: vae.applicationId,
      admissibility: admissibilityOf(vae),
      fileCovers: !!vae.fileBlocks?.includes(b.code),
      interviewHeldOn: vae.interviews.find((i) => i.sessionId === b.sessionId)?.heldOn ?? null,
    };
  } else {
    VIEWS.set(b, { scores: b.scores, neutralised: b.neutralised, decision: b.decision, outcome, referential, view: Object.freeze(view) });
  }
  return view;
}

/**
 * The last view computed of a block, with what it was computed from. Everything
 * else a block's view reads never changes on a block (its code, session,
 * referential id) or on a referential version; the evolve step gives a block
 * new `scores` and `neutralised` rather than changing them, and the outcome
 * is a new object at every change (evolveOutcome). A VAE block also reads the
 * candidate's VAE path: never kept. A state read back from its row has new
 * blocks, so nothing is taken from an earlier reading. Views are shared: frozen.
 */
const VIEWS = new WeakMap<BlockState, { scores: BlockState['scores']; neutralised: BlockState['neutralised']; decision: BlockState['decision']; outcome: Outcome; referential: ReferentialCriteria | undefined; view: BlockProgressView }>();

/** The decision letters of a candidate's row as progress shows them. */
export function lettersView(state: Pick<CandidateProgressState, 'letters'>): LetterProgressView[] {
  return (state.letters ?? []).map((l) => ({ juryId: l.juryId, issuedAt: l.issuedAt, appealDeadline: appealDeadline(l.issuedAt) }));
}

/** The appeal deadline shown at the top of progress: the latest letter's (a revision jury's letter comes after the first). */
export function latestAppealDeadline(letters: LetterProgressView[]): string | null {
  return letters.length ? letters.reduce((a, b) => (b.issuedAt >= a.issuedAt ? b : a)).appealDeadline : null;
}
/** The candidate's VAE applications as progress shows them: `{ vae }`, or nothing for a candidate who filed none. */
export function vaePathsView(state: Pick<CandidateProgressState, 'vae'>): { vae?: VaePathView[] } {
  if (!state.vae?.length) return {};
  return {
    vae: state.vae.map((a) => ({
      applicationId: a.applicationId,
      certificationCode: a.certificationCode,
      blocks: [...a.blocks],
      admissibility: admissibilityOf(a),
      file: a.fileBlocks ? { blocks: [...a.fileBlocks] } : null,
      interviews: a.interviews.map((i) => ({ sessionId: i.sessionId, heldOn: i.heldOn })),
    })),
  };
}

const admissibilityOf = (a: VaeProgress): VaeAdmissibility => (a.admissible === null ? 'pending' : a.admissible ? 'admissible' : 'not-admissible');

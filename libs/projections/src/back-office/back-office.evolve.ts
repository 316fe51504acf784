import { AccommodationType, CandidateState, candidateSpec } from '@app/domain/candidate/candidate';
import { JuryEvent, JuryState, jurySpec } from '@app/domain/jury/jury';
import { RecordedEvent } from '@app/domain/shared/decider';
import type { SealedText } from '@app/domain/shared/free-text';
import { SessionState, sessionSpec } from '@app/domain/session/session';
import {
  alreadyApplied,
  applyProgressEvent,
  BlockDecision,
  BlockProgressView,
  CandidateProgressState,
  initialCandidate,
  LogMark,
  OwnedProgressSlice,
  ProgressEvent,
  PROGRESS_EVENT_TYPES,
  blockView,
  ReferentialCriteria,
} from '../candidate-progress/candidate-progress.evolve';

/**
 * The back office's lists (sessions, the deliberation sheet of a session,
 * juries) as one fold of the log. Candidate, session and jury facts come from
 * the domain's own folds (candidateSpec, sessionSpec, jurySpec); proposals and
 * decisions in force from the progress fold, so the sheet says exactly what
 * `progress` says. The projection keeps these states per row and derives the
 * rows the queries read.
 */

export interface StreamEvent extends ProgressEvent {
  streamId?: string;
  eventId?: string;
  recordedAt?: string;
}

/** Everything the lists need about one candidate: the file (domain fold) and the progress fold. */
export interface SheetCandidateState {
  candidateId: string;
  file: CandidateState;
  progress: CandidateProgressState;
  at: LogMark;
  /** The position of the last event that changed the file (the projection's file row). */
  fileAt?: number;
}

export interface SessionListState {
  session: SessionState;
  certificationCode: string | null;
  at: LogMark;
}

export interface JuryListState {
  jury: JuryState;
  /** Where it was convened in the log: the list's order. */
  convenedPosition: number;
  at: LogMark;
}

/** What a batch folds: the rows it touches, loaded beforehand, changed in place. */
export interface BackOfficeSlice {
  referentials: Map<string, ReferentialCriteria>;
  sessions: Map<string, SessionListState>;
  juries: Map<string, JuryListState>;
  candidates: Map<string, SheetCandidateState>;
}

export const emptyBackOfficeSlice = (): BackOfficeSlice => ({ referentials: new Map(), sessions: new Map(), juries: new Map(), candidates: new Map() });

const SESSION_EVENT_TYPES = new Set(['SessionOpened', 'AssessorAssigned']);
/** Every jury event type (the record type makes a new one a compile error here until it is listed). */
const JURY_TYPES = new Set<string>(
  Object.keys({
    JuryConvened: true,
    MemberRecused: true,
    DeliberationOpened: true,
    CriterionNeutralised: true,
    BlockDecided: true,
    FraudDecided: true,
    PresidentDesignated: true,
    DeliberationClosed: true,
    RecordApproved: true,
    VaeInterviewHeld: true,
  } satisfies Record<JuryEvent['type'], true>),
);
/** Jury events the progress fold reads too (the sheet shows them on the candidate's line). */
const JURY_EVENTS_ON_SHEET: ReadonlySet<string> = new Set(['CriterionNeutralised', 'VaeInterviewHeld']);
/** Candidate-stream events whose facts the sheet shows beyond progress. */
const FILE_EVENT_TYPES = new Set([
  'CandidateRegistered',
  'CandidateEnrolled',
  'AccommodationRequested',
  'ReferentOpinionGiven',
  'AccommodationGranted',
  'AccommodationRefused',
  'AccommodationApplied',
  'FraudReported',
  'CandidatePersonalDataErased',
]);

export const BACK_OFFICE_EVENT_TYPES = new Set([...PROGRESS_EVENT_TYPES, ...SESSION_EVENT_TYPES, ...JURY_TYPES, ...FILE_EVENT_TYPES]);

/** The rows an event touches, so a batch can load them before folding. */
export function touches(e: StreamEvent): { referential?: string; session?: string; jury?: string; candidate?: string } {
  const d = e.data ?? {};
  if (e.type === 'ReferentialDrafted') return { referential: String(d.referentialId) };
  if (SESSION_EVENT_TYPES.has(e.type)) return { session: String(d.sessionId), ...(e.type === 'SessionOpened' ? { referential: String(d.referentialId) } : {}) };
  if (JURY_TYPES.has(e.type)) return { jury: String(d.juryId), ...(JURY_EVENTS_ON_SHEET.has(e.type) ? { candidate: String(d.candidateId) } : {}) };
  if (BACK_OFFICE_EVENT_TYPES.has(e.type)) return { candidate: String(d.candidateId), ...(e.type === 'CandidateEnrolled' && d.referentialId ? { referential: String(d.referentialId) } : {}) };
  return {};
}

const markOf = (e: StreamEvent): LogMark => ({ tx: e.transactionId, position: e.globalPosition });
const recorded = (e: StreamEvent): RecordedEvent => ({ type: e.type, data: e.data, recordedAt: e.recordedAt, eventId: e.eventId, globalPosition: e.globalPosition });

export interface Changed {
  sessions: Set<string>;
  juries: Set<string>;
  /** Candidates an event changed (their progress, their file, or both). */
  candidates: Set<string>;
  /** Of those, the candidates whose file changed (a score changes only the progress), with the position of the last event that changed it. */
  files: Map<string, number>;
  referentials: Set<string>;
}

export const noChanges = (): Changed => ({ sessions: new Set(), juries: new Set(), candidates: new Set(), files: new Map(), referentials: new Set() });

/**
 * Applies one event to the slice in place and notes what it changed. An event
 * at or before a row's last applied one changes nothing (replays).
 */
export function applyBackOfficeEvent(slice: BackOfficeSlice, e: StreamEvent, changed: Changed): void {
  if (!BACK_OFFICE_EVENT_TYPES.has(e.type)) return;
  const d = e.data ?? {};
  if (e.type === 'ReferentialDrafted') {
    const progress: OwnedProgressSlice = { referentials: slice.referentials, candidates: new Map() };
    if (applyProgressEvent(progress, e)) changed.referentials.add(String(d.referentialId));
    return;
  }
  if (SESSION_EVENT_TYPES.has(e.type)) {
    const id = String(d.sessionId);
    const row = slice.sessions.get(id) ?? { session: sessionSpec.initialState(), certificationCode: null, at: { tx: '0', position: 0 } };
    if (alreadyApplied(row.at, e)) return;
    row.session = sessionSpec.evolve(row.session, recorded(e));
    if (e.type === 'SessionOpened') row.certificationCode = slice.referentials.get(String(d.referentialId))?.code ?? null;
    row.at = markOf(e);
    slice.sessions.set(id, row);
    changed.sessions.add(id);
    return;
  }
  if (JURY_TYPES.has(e.type)) {
    const id = String(d.juryId);
    const row = slice.juries.get(id) ?? { jury: jurySpec.initialState(), convenedPosition: e.globalPosition, at: { tx: '0', position: 0 } };
    if (!alreadyApplied(row.at, e)) {
      row.jury = jurySpec.evolve(row.jury, recorded(e));
      row.at = markOf(e);
      slice.juries.set(id, row);
      changed.juries.add(id);
    }
    if (!JURY_EVENTS_ON_SHEET.has(e.type)) return;
  }
  const candidateId = String(d.candidateId);
  let candidate = slice.candidates.get(candidateId);
  if (!candidate) {
    candidate = { candidateId, file: candidateSpec.initialState(), progress: initialCandidate(candidateId), at: { tx: '0', position: 0 } };
    slice.candidates.set(candidateId, candidate);
  }
  if (alreadyApplied(candidate.at, e)) return;
  if (FILE_EVENT_TYPES.has(e.type)) {
    candidate.file = candidateSpec.evolve(candidate.file, recorded(e));
    changed.files.set(candidateId, e.globalPosition);
  }
  if (PROGRESS_EVENT_TYPES.has(e.type)) {
    const progress: OwnedProgressSlice = { referentials: slice.referentials, candidates: new Map([[candidateId, candidate.progress]]) };
    applyProgressEvent(progress, e);
    candidate.progress = progress.candidates.get(candidateId)!;
  }
  candidate.at = markOf(e);
  changed.candidates.add(candidateId);
}

/** One line of the deliberation sheet: a candidate as enrolled in one session. */
export interface SheetRow {
  sessionId: string;
  candidateId: string;
  /** As stored in the log (ciphertext): opened at query time for readers who see names. */
  identity: SealedText | null;
  erased: boolean;
  blocks: BlockProgressView[];
  neutralisations: Array<{ block: string; criterion: string }>;
  accommodations: AccommodationType[];
  pendingOpinions: number;
  certified: boolean;
  /** What the filters match: see filterToken. */
  tokens: string[];
}

/** The sheet's filter on one token: block, proposal and decision ("none" for no decision yet) of one and the same block. */
export function filterToken(filter: { block?: string; proposal?: string; decision?: string }): string | null {
  const block = filter.block ?? '*';
  if (filter.proposal && filter.decision) return `pd:${block}:${filter.proposal}:${filter.decision}`;
  if (filter.proposal) return `p:${block}:${filter.proposal}`;
  if (filter.decision) return `d:${block}:${filter.decision}`;
  if (filter.block) return `b:${block}`;
  return null;
}

/** Tokens by the blocks' codes, proposals and decisions: a handful of combinations, met again at every score. */
const TOKENS = new Map<string, string[]>();
const TOKENS_KEPT = 10_000;

function tokensOf(blocks: BlockProgressView[]): string[] {
  let key = '';
  for (const b of blocks) key += `${b.code}\u0000${b.proposal}\u0000${b.decision ?? 'none'}\u0000`;
  const known = TOKENS.get(key);
  if (known) return known;
  const tokens = new Set<string>();
  for (const b of blocks) {
    const decision: BlockDecision | 'none' = b.decision ?? 'none';
    for (const code of [b.code, '*']) {
      tokens.add(`b:${code}`);
      tokens.add(`p:${code}:${b.proposal}`);
      tokens.add(`d:${code}:${decision}`);
      tokens.add(`pd:${code}:${b.proposal}:${decision}`);
    }
  }
  const sorted = Object.freeze([...tokens].sort()) as string[];
  if (TOKENS.size >= TOKENS_KEPT) TOKENS.clear();
  TOKENS.set(key, sorted);
  return sorted;
}

/** The sheet's lines of a candidate: one per session the candidate is enrolled in. */
export function sheetRows(candidate: SheetCandidateState, referentials: ReadonlyMap<string, ReferentialCriteria>): SheetRow[] {
  const { file, progress } = candidate;
  if (!file.registered) return [];
  return Object.values(file.enrolments).map((enrolment) => {
    const sessionId = enrolment.sessionId;
    const blocks: BlockProgressView[] = [];
    const neutralisations: SheetRow['neutralisations'] = [];
    for (const code of [...enrolment.blocks].sort()) {
      // The block of this session (a resit's earlier session keeps its own); a block validated earlier and enrolled
      // again stays the earlier one (capitalised).
      const block =
        progress.blocks.find((b) => b.code === code && b.sessionId === sessionId) ??
        (progress.earlier ?? []).find((b) => b.code === code && b.sessionId === sessionId) ??
        progress.blocks.find((b) => b.code === code);
      if (!block) continue;
      blocks.push(blockView(progress, block, referentials));
      for (const criterion of block.neutralised) neutralisations.push({ block: code, criterion });
    }
    const accommodations = new Set<AccommodationType>();
    let pendingOpinions = 0;
    for (const request of Object.values(file.accommodationRequests)) {
      if (request.status === 'requested') pendingOpinions++;
      if (request.applications.some((a) => a.sessionId === sessionId)) for (const a of request.accommodations) accommodations.add(a.type);
    }
    return {
      sessionId,
      candidateId: candidate.candidateId,
      identity: file.identity,
      erased: file.erased,
      blocks,
      neutralisations,
      accommodations: [...accommodations].sort(),
      pendingOpinions,
      certified: progress.certified,
      tokens: tokensOf(blocks),
    };
  });
}

/**
 * Decisions in force in a jury's deliberation, counted: per candidate and
 * block the latest BlockDecided stands (the rule of the domain's decisionOf,
 * taken here in one pass rather than one scan per pair).
 */
export function decisionCounts(jury: JuryState): { total: number; validated: number; notValidated: number; deferred: number } {
  const inForce = new Map<string, BlockDecision>();
  for (const d of jury.decisions) inForce.set(`${d.candidateId}\u0000${d.block}`, d.decision);
  const counts = { total: inForce.size, validated: 0, notValidated: 0, deferred: 0 };
  for (const decision of inForce.values()) {
    if (decision === 'validated') counts.validated++;
    else if (decision === 'not-validated') counts.notValidated++;
    else counts.deferred++;
  }
  return counts;
}

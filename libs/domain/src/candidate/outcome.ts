import { RecordedEvent } from '../shared/decider';
import { AwardedBlock, BlockDecision, CandidateEvent, FraudOutcome } from './candidate-events';

export { BLOCK_DECISIONS } from './candidate-events';
export type { AwardedBlock, BlockDecision } from './candidate-events';

/**
 * The certification outcome of one candidate: the jury decisions recorded in
 * their file, the awards and the withdrawals, folded once from the candidate
 * stream (`evolveOutcome`, part of the stream's one fold `evolveCandidate`)
 * and asked through ONE decision-in-force function (`decisionInForce`). The
 * jury and candidate deciders, the jury record, the credential issuer, the
 * CDC export and the progress projection (which stores the `Outcome` in its
 * rows) all read the outcome through this file, so they never disagree on
 * what is in force.
 *
 * A block is identified by (certification code, block code): a block
 * validated under one certification never counts for another, whatever its
 * code. It counts across versions of the same certification, and for another
 * block (or another certification) only through an equivalence the target
 * referential declares.
 */

export interface RecordedDecision {
  /** The BlockDecisionRecorded event id (null when folded from events without ids, as in decider tests). */
  eventId: string | null;
  juryId: string;
  sessionId: string;
  block: string;
  decision: BlockDecision;
  revision: boolean;
  /** The certification and referential version of the session, as its enrolment pinned them (null when the enrolment did not say). */
  certificationCode: string | null;
  referentialId: string | null;
  referentialVersion: number | null;
  recordedAt: string | null;
}


export interface AwardFact {
  eventId: string | null;
  certificationCode: string;
  referentialId: string;
  juryId: string;
  awardedOn: string;
  blocks: AwardedBlock[];
  sealHash: string | null;
  recordedAt: string | null;
  withdrawn: { juryId: string; reason: string; eventId: string | null; recordedAt: string | null } | null;
}

/** A block enrolled in a session, in the order of the enrolments: what the attempt number counts (session-block.ts). */
export interface EnrolledBlock {
  sessionId: string;
  block: string;
}

/** An absence recorded in a session (CandidateAbsent): the block it concerns is not evaluated there. */
export interface RecordedAbsence {
  sessionId: string;
  block: string;
  modality: string | null;
  justified: boolean;
}

/** A jury's decision on a reported fraud, mirrored in the candidate's file (FraudDecisionRecorded). */
export interface RecordedFraudDecision {
  juryId: string;
  sessionId: string;
  reportId: string;
  blocks: string[];
  outcome: FraudOutcome;
  banUntil: string | null;
}

export interface Outcome {
  /** By session id: the referential (and its certification) the enrolment pinned. */
  sessions: Record<string, { referentialId: string; certificationCode: string | null; referentialVersion: number | null }>;
  /** Every block enrolled, in log order (a state stored before this existed has none: read it with `?? []`). */
  enrolled: EnrolledBlock[];
  /** Every absence recorded, in log order (`?? []` as above). */
  absences: RecordedAbsence[];
  /** Every fraud decision, in log order (`?? []` as above). */
  frauds: RecordedFraudDecision[];
  /** Every BlockDecisionRecorded, in log order: a later one of the same session and block supersedes (both stay in the log). */
  decisions: RecordedDecision[];
  /** Every CertificationAwarded, in log order, with its withdrawal if one came. */
  awards: AwardFact[];
}

export const initialOutcome = (): Outcome => ({ sessions: {}, enrolled: [], absences: [], frauds: [], decisions: [], awards: [] });

export const OUTCOME_EVENT_TYPES = ['CandidateEnrolled', 'CandidateAbsent', 'FraudDecisionRecorded', 'BlockDecisionRecorded', 'CertificationAwarded', 'CertificationWithdrawn'] as const;

/** Where an event sits in the log: its id and time (null when folded without them, as in decider tests). */
const logged = (event: RecordedEvent) => ({ eventId: event.eventId ?? null, recordedAt: event.recordedAt ?? null });

/** The one fold of the outcome part of a candidate stream. Returns the same object for events it ignores. */
export function evolveOutcome(state: Outcome, raw: RecordedEvent): Outcome {
  const event = raw as CandidateEvent; // upcast by the candidate fold (candidate.ts) before it gets here
  switch (event.type) {
    case 'CandidateEnrolled': {
      const d = event.data;
      const existing = state.sessions[d.sessionId];
      const pinned = {
        referentialId: d.referentialId,
        certificationCode: d.certificationCode ?? existing?.certificationCode ?? null,
        referentialVersion: d.referentialVersion ?? existing?.referentialVersion ?? null,
      };
      const enrolled = [...(state.enrolled ?? [])];
      for (const block of d.blocks) if (!enrolled.some((e) => e.sessionId === d.sessionId && e.block === block)) enrolled.push({ sessionId: d.sessionId, block });
      return { ...state, sessions: { ...state.sessions, [d.sessionId]: pinned }, enrolled };
    }
    case 'CandidateAbsent': {
      const { sessionId, block, modality, justified } = event.data;
      return { ...state, absences: [...(state.absences ?? []), { sessionId, block, modality: modality ?? null, justified: !!justified }] };
    }
    case 'FraudDecisionRecorded': {
      const { juryId, sessionId, reportId, blocks, outcome, banUntil } = event.data;
      return { ...state, frauds: [...(state.frauds ?? []), { juryId, sessionId, reportId, blocks: [...blocks], outcome, banUntil: banUntil ?? null }] };
    }
    case 'BlockDecisionRecorded': {
      const { juryId, sessionId, block, decision, revision, certificationCode, referentialId, referentialVersion } = event.data;
      const session = state.sessions[sessionId];
      const recorded: RecordedDecision = {
        ...logged(event),
        juryId,
        sessionId,
        block,
        decision,
        revision: !!revision,
        // The certification and referential version of the decision are its session's, as the enrolment pinned them.
        certificationCode: certificationCode ?? session?.certificationCode ?? null,
        referentialId: referentialId ?? session?.referentialId ?? null,
        referentialVersion: referentialVersion ?? session?.referentialVersion ?? null,
      };
      return { ...state, decisions: [...state.decisions, recorded] };
    }
    case 'CertificationAwarded': {
      const { blocks, sealHash, candidateId: _candidate, ...award } = event.data;
      const fact: AwardFact = { ...logged(event), ...award, blocks: (blocks ?? []).map((b) => ({ ...b })), sealHash: sealHash ?? null, withdrawn: null };
      return { ...state, awards: [...state.awards, fact] };
    }
    case 'CertificationWithdrawn': {
      const d = event.data;
      const withdrawn = { juryId: d.juryId, reason: d.reason, ...logged(event) };
      let done = false;
      const awards = state.awards.map((a) => {
        // By event id when both sides carry one; else the award in force of that certification.
        const match = d.awardEventId && a.eventId ? a.eventId === d.awardEventId : a.certificationCode === d.certificationCode && a.withdrawn === null;
        if (done || !match || a.withdrawn) return a;
        done = true;
        return { ...a, withdrawn };
      });
      return { ...state, awards };
    }
    default:
      return state;
  }
}

// ---------------------------------------------------------------------------
// What a block counts toward

export interface Equivalence {
  /** The block decided: under the referential `referentialId`, or under version `version` of the same certification code. */
  from: { referentialId?: string; version?: number; block: string };
  /** The block of the target referential it counts for. */
  to: string;
}

/** The certification a block is asked about: the referential version a session pins. */
export interface CertificationTarget {
  referentialId: string;
  code: string;
  version: number;
  blocks: string[];
  equivalences?: Equivalence[];
  /** A capitalised block counts this many years after the closing that validated it; absent: for ever. */
  validityYears?: number;
}

/** The target of a referential version (its document and its version number). */
export function targetOf(referentialId: string, version: number, document: { code: string; blocks: Array<{ code: string }>; equivalences?: Equivalence[]; validityYears?: number }): CertificationTarget {
  return {
    referentialId,
    code: document.code,
    version,
    blocks: document.blocks.map((b) => b.code),
    ...(document.equivalences ? { equivalences: document.equivalences } : {}),
    ...(document.validityYears !== undefined ? { validityYears: document.validityYears } : {}),
  };
}

/** How a decision relates to a block of the target: directly (same certification and block), by equivalence, or not at all. */
function relation(target: CertificationTarget, block: string, d: RecordedDecision): 'direct' | 'equivalence' | null {
  const code = d.certificationCode ?? (d.referentialId === target.referentialId ? target.code : null);
  if (code === target.code && d.block === block) return 'direct';
  for (const e of target.equivalences ?? []) {
    if (e.to !== block || e.from.block !== d.block) continue;
    if (e.from.referentialId !== undefined && e.from.referentialId === d.referentialId) return 'equivalence';
    if (e.from.version !== undefined && code === target.code && e.from.version === d.referentialVersion) return 'equivalence';
  }
  return null;
}

// ---------------------------------------------------------------------------
// The decision in force

export interface InForceOptions {
  /**
   * When given, only decisions of sealed deliberations count: juryId → its
   * closing time (null or absent: not closed). Also dates each decision: the
   * closing of the deliberation that first made it.
   */
  closings?: Readonly<Record<string, string | null | undefined>>;
  /** Count only sealed decisions (needs `closings`). */
  sealedOnly?: boolean;
  /** The moment validity periods are measured at (ISO); absent: no period lapses. */
  at?: string;
}

export interface BlockInForce {
  /** The block of the target asked about. */
  block: string;
  decision: BlockDecision;
  /** The decision in force (the latest of its session and block). */
  source: RecordedDecision;
  /** The decision that first made this value in that session (a confirming revision keeps it). */
  origin: RecordedDecision;
  /** When `origin` was made: the closing of its deliberation, or the decision time when not known closed. */
  since: string | null;
  byEquivalence: boolean;
  /** Validated but past the target's validity period: it no longer counts. */
  lapsed: boolean;
  /** Until when it counts (validated with a validity period), else null. */
  validUntil: string | null;
}

const sealedIn = (options: InForceOptions, d: RecordedDecision) => !options.sealedOnly || !!options.closings?.[d.juryId];

/**
 * The decision in force in one session for one block of that session, with
 * the decision that first made its value. Revisions supersede; a deferred
 * decided again in the same deliberation is superseded by the new decision.
 */
export function sessionDecision(outcome: Outcome, sessionId: string, block: string, options: InForceOptions = {}): Omit<BlockInForce, 'byEquivalence' | 'lapsed' | 'validUntil'> | undefined {
  const all = outcome.decisions.filter((d) => d.sessionId === sessionId && d.block === block && sealedIn(options, d));
  if (all.length === 0) return undefined;
  // One entry per deliberation, its last decision (a deferral decided again in the same deliberation never stood).
  const run = all.filter((d, i) => !all.slice(i + 1).some((later) => later.juryId === d.juryId));
  const source = run[run.length - 1];
  let origin = source;
  for (let i = run.length - 2; i >= 0 && run[i].decision === source.decision; i--) origin = run[i];
  return { block, decision: source.decision, source, origin, since: options.closings?.[origin.juryId] ?? origin.recordedAt };
}

/**
 * THE decision in force for (candidate, certification, block): over every
 * session whose decisions count for that block of the target (same
 * certification and block, or an equivalence the target declares), the
 * decision in force of each session; validated wins (capitalised) while it is
 * within the validity period; otherwise the latest decision. Undefined when
 * nothing was decided.
 */
export function decisionInForce(outcome: Outcome, target: CertificationTarget, block: string, options: InForceOptions = {}): BlockInForce | undefined {
  const perSession = new Map<string, { rel: 'direct' | 'equivalence'; decidedBlock: string }>();
  for (const d of outcome.decisions) {
    const rel = relation(target, block, d);
    if (rel) perSession.set(`${d.sessionId}\u0000${d.block}`, { rel, decidedBlock: d.block });
  }
  const found: BlockInForce[] = [];
  for (const [key, { rel, decidedBlock }] of perSession) {
    const sessionId = key.split('\u0000')[0];
    const s = sessionDecision(outcome, sessionId, decidedBlock, options);
    if (!s) continue;
    const validUntil = s.decision === 'validated' && target.validityYears !== undefined && s.since ? addYears(s.since, target.validityYears) : null;
    const lapsed = validUntil !== null && options.at !== undefined && Date.parse(options.at) > Date.parse(validUntil);
    found.push({ ...s, block, byEquivalence: rel === 'equivalence', lapsed, validUntil });
  }
  if (found.length === 0) return undefined;
  const bySeq = (x: BlockInForce) => outcome.decisions.indexOf(x.source);
  const counting = found.filter(counts).sort((a, b) => bySeq(a) - bySeq(b));
  if (counting.length) return counting.find((f) => !f.byEquivalence) ?? counting[0];
  return found.sort((a, b) => bySeq(b) - bySeq(a))[0];
}

/** A block counts toward the certification: validated, in force, within its validity period. */
export const counts = (x: BlockInForce | undefined): x is BlockInForce => !!x && x.decision === 'validated' && !x.lapsed;

/** Every block of the target, in the referential's order, with its decision in force (or undefined). */
export function blocksInForce(outcome: Outcome, target: CertificationTarget, options: InForceOptions = {}): Array<{ block: string; inForce: BlockInForce | undefined }> {
  return target.blocks.map((block) => ({ block, inForce: decisionInForce(outcome, target, block, options) }));
}

/** The award of a certification in force (not withdrawn), if any. */
export function awardInForce(outcome: Outcome, certificationCode: string): AwardFact | undefined {
  for (let i = outcome.awards.length - 1; i >= 0; i--) {
    const a = outcome.awards[i];
    if (a.certificationCode === certificationCode) return a.withdrawn ? undefined : a;
  }
  return undefined;
}

/** Every award in force, one per certification code. */
export function awardsInForce(outcome: Outcome): AwardFact[] {
  const codes = [...new Set(outcome.awards.map((a) => a.certificationCode))];
  return codes.map((c) => awardInForce(outcome, c)).filter((a): a is AwardFact => !!a);
}

/** Whether an awarded block still stands on a validated decision in force (sealed, when closings are given). */
export function awardedBlockStands(outcome: Outcome, block: AwardedBlock, options: InForceOptions = {}): boolean {
  const decided = block.equivalence?.block ?? block.block;
  const sessionId = block.sessionId ?? outcome.decisions.find((d) => d.juryId === block.juryId && d.block === decided)?.sessionId;
  if (!sessionId) return false;
  return sessionDecision(outcome, sessionId, decided, options)?.decision === 'validated';
}

/** Calendar years in UTC; 29 February plus a non-leap year gives 28 February. */
export function addYears(iso: string, years: number): string {
  const d = new Date(iso);
  const target = new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.toISOString();
}

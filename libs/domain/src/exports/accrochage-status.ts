import { SealedData } from '../candidate/candidate';
import { RecordedEvent } from '../shared/decider';
import { idOfStream, streamName } from '../shared/streams';
import { daysUntilDeadline, declarationDeadline, FluxAction } from './accrochage';

/**
 * The life of each award at the Caisse des Dépôts, folded from the log:
 * awarded (and sealed, and the sealed record approved by the jury's
 * president where RECORD_APPROVAL_REQUIRED) → declared in a flux → accepted or rejected by the
 * CDC's processing report; a withdrawn award that the CDC holds is declared
 * again as a deletion. What was sent and what the CDC answered are events of
 * the `accrochage-{fluxId}` and `accrochage-report-{id}` streams, so the
 * history of every declaration is in the audited log.
 */

export interface SentPassage {
  /** The CertificationAwarded event id. */
  idTechnique: string;
  candidateId: string;
  certificationCode: string;
}

/** The CDC's reason for a rejection: free text that may name the holder, so stored sealed under the candidate's key. */
export type Reason = string | SealedData | null;

export interface ReportResult {
  idTechnique: string;
  status: 'accepted' | 'rejected';
  /** The CDC's reason for a rejection, as the report words it (sealed in the stored event). */
  reason: Reason;
}

export type AccrochageEvent =
  | RecordedEvent<'AccrochageFluxSent', { fluxId: string; action: FluxAction; horodatage: string; sha256: string; passages: SentPassage[] }>
  | RecordedEvent<'AccrochageReportImported', { reportId: string; fluxId: string | null; sha256: string; results: ReportResult[]; unmatched: string[] }>
  | RecordedEvent<'AccrochageWithdrawnByHand', { awardEventId: string; candidateId: string }>;

export const accrochageFluxStream = (fluxId: string) => streamName('accrochage', fluxId);
export const accrochageReportStream = (reportId: string) => streamName('accrochage-report', reportId);
/** Withdrawals done on the CDC portal by hand (schema versions without deletions), one stream per award. */
export const accrochageManualStream = (awardEventId: string) => streamName('accrochage-manual', awardEventId);

/** The log events this fold reads (their stream ids tell juries from candidates). */
export const ACCROCHAGE_INPUT_TYPES = [
  'CertificationAwarded',
  'CertificationWithdrawn',
  'DeliberationClosed',
  'RecordApproved',
  'AccrochageFluxSent',
  'AccrochageReportImported',
  'AccrochageWithdrawnByHand',
] as const;

export interface InputEvent {
  type: string;
  eventId: string;
  streamId: string;
  data: any;
  recordedAt: string;
}

export type DeclarationStatus = 'pending' | 'declared' | 'accepted' | 'rejected';

export interface AwardDeclaration {
  awardEventId: string;
  candidateId: string;
  certificationCode: string;
  awardedOn: string;
  juryId: string;
  /** The jury's deliberation is closed (DeliberationClosed): only sealed awards are declared. */
  sealed: boolean;
  /** The jury's president approved the sealed record (RecordApproved): where the approval is required, only then is the award declared. */
  approved: boolean;
  /** Where the creation stands: never sent, sent and unanswered, accepted, or rejected (with the CDC's reason). */
  status: DeclarationStatus;
  reason: Reason;
  /** The last flux that carried this award (creation or deletion) and when. */
  lastFluxId: string | null;
  lastSentAt: string | null;
  sends: number;
  /** A revision withdrew the award (CertificationWithdrawn). */
  withdrawn: boolean;
  /** The deletion at the CDC: null when none is needed (not withdrawn, or the CDC never held the award). */
  withdrawal: null | { status: DeclarationStatus; reason: Reason; byHand?: true };
}

export interface AccrochageState {
  awards: Map<string, AwardDeclaration>;
  /** Flux id → its action and passages, to read a report back. */
  fluxes: Map<string, { action: FluxAction; passages: string[] }>;
  /** Report content hashes already imported. */
  reports: Set<string>;
  closedJuries: Set<string>;
  /** Juries whose president approved the sealed record. */
  approvedJuries: Set<string>;
  /** RECORD_APPROVAL_REQUIRED: an award counts as final once its record is sealed and approved by the president. */
  approvalRequired: boolean;
  /** Withdrawals whose award event was not seen (yet): applied when it is. */
  pendingWithdrawals: Set<string>;
}

export interface AccrochageOptions {
  /** RECORD_APPROVAL_REQUIRED (default true): awards wait for the president's approval of the sealed record. */
  approvalRequired?: boolean;
}

export function initialAccrochageState(options: AccrochageOptions = {}): AccrochageState {
  return {
    awards: new Map(),
    fluxes: new Map(),
    reports: new Set(),
    closedJuries: new Set(),
    approvedJuries: new Set(),
    approvalRequired: options.approvalRequired ?? true,
    pendingWithdrawals: new Set(),
  };
}

/** The award's record is final: sealed, and approved by the jury's president where that is required. */
export const isFinal = (state: Pick<AccrochageState, 'approvalRequired'>, a: AwardDeclaration): boolean => a.sealed && (a.approved || !state.approvalRequired);

/** Whether the CDC holds (or may hold) a declaration of the award: then a withdrawal must be declared. */
const cdcMayHold = (a: AwardDeclaration) => a.status === 'declared' || a.status === 'accepted';

export function evolveAccrochage(state: AccrochageState, e: InputEvent): AccrochageState {
  switch (e.type) {
    case 'DeliberationClosed': {
      const juryId = (e.data.juryId as string | undefined) ?? idOfStream('jury', e.streamId) ?? e.streamId;
      state.closedJuries.add(juryId);
      for (const a of state.awards.values()) if (a.juryId === juryId) a.sealed = true;
      return state;
    }
    case 'RecordApproved': {
      // Only the president's approval makes the record final; the members' are recorded in the jury's record.
      if (!e.data.president) return state;
      const juryId = (e.data.juryId as string | undefined) ?? idOfStream('jury', e.streamId) ?? e.streamId;
      state.approvedJuries.add(juryId);
      for (const a of state.awards.values()) if (a.juryId === juryId) a.approved = true;
      return state;
    }
    case 'CertificationAwarded': {
      const { candidateId, certificationCode, awardedOn, juryId } = e.data;
      const award: AwardDeclaration = {
        awardEventId: e.eventId,
        candidateId,
        certificationCode,
        awardedOn,
        juryId,
        sealed: state.closedJuries.has(juryId),
        approved: state.approvedJuries.has(juryId),
        status: 'pending',
        reason: null,
        lastFluxId: null,
        lastSentAt: null,
        sends: 0,
        withdrawn: state.pendingWithdrawals.delete(e.eventId),
        withdrawal: null,
      };
      state.awards.set(e.eventId, award);
      return state;
    }
    case 'CertificationWithdrawn': {
      const award = state.awards.get(e.data.awardEventId);
      if (!award) state.pendingWithdrawals.add(e.data.awardEventId);
      else {
        award.withdrawn = true;
        if (cdcMayHold(award)) award.withdrawal = { status: 'pending', reason: null };
      }
      return state;
    }
    case 'AccrochageFluxSent': {
      const { fluxId, action, passages } = e.data as { fluxId: string; action: FluxAction; passages: SentPassage[] };
      state.fluxes.set(fluxId, { action, passages: passages.map((p) => p.idTechnique) });
      for (const p of passages) {
        const award = state.awards.get(p.idTechnique);
        if (!award) continue;
        award.lastFluxId = fluxId;
        award.lastSentAt = e.recordedAt;
        if (action === 'SUPPRESSION') award.withdrawal = { status: 'declared', reason: null };
        else {
          award.status = 'declared';
          award.reason = null;
          award.sends++;
        }
      }
      return state;
    }
    case 'AccrochageReportImported': {
      const { fluxId, sha256, results } = e.data as { fluxId: string | null; sha256: string; results: ReportResult[] };
      state.reports.add(sha256);
      const flux = fluxId ? state.fluxes.get(fluxId) : undefined;
      for (const r of results) {
        const award = state.awards.get(r.idTechnique);
        if (!award) continue;
        // A report answers one flux; without its id, it answers the last flux that carried the passage.
        const action = flux ? flux.action : award.withdrawal && award.withdrawal.status !== 'pending' ? 'SUPPRESSION' : 'CREATION';
        const reason = r.status === 'rejected' ? r.reason : null;
        if (action === 'SUPPRESSION') award.withdrawal = { status: r.status, reason };
        else {
          award.status = r.status;
          award.reason = reason;
          // Withdrawn before the CDC answered: an accepted declaration must now be deleted; a rejected one never existed there.
          if (award.withdrawn) award.withdrawal = r.status === 'accepted' ? (award.withdrawal ?? { status: 'pending', reason: null }) : null;
        }
      }
      return state;
    }
    case 'AccrochageWithdrawnByHand': {
      const award = state.awards.get(e.data.awardEventId);
      if (award?.withdrawal) award.withdrawal = { status: 'accepted', reason: null, byHand: true };
      return state;
    }
    default:
      return state;
  }
}

export function foldAccrochage(events: Iterable<InputEvent>, options: AccrochageOptions = {}): AccrochageState {
  let state = initialAccrochageState(options);
  for (const e of events) state = evolveAccrochage(state, e);
  return state;
}

/**
 * The awards the next flux declares: final (sealed, and approved by the
 * president where required), not withdrawn, in the period,
 * never sent or rejected by the CDC (sent again after correction); accepted
 * ones never; declared-and-unanswered ones only when asked (includeExported).
 */
export function awardsToDeclare(state: AccrochageState, period: { from: string; to: string }, includeExported = false): AwardDeclaration[] {
  return [...state.awards.values()].filter(
    (a) =>
      isFinal(state, a) &&
      !a.withdrawn &&
      a.awardedOn >= period.from &&
      a.awardedOn <= period.to &&
      (a.status === 'pending' || a.status === 'rejected' || (includeExported && a.status === 'declared')),
  );
}

/** Withdrawn awards the CDC holds whose deletion is not declared yet (or was rejected): whatever the period. */
export function withdrawalsToDeclare(state: AccrochageState): AwardDeclaration[] {
  return [...state.awards.values()].filter((a) => a.withdrawal && (a.withdrawal.status === 'pending' || a.withdrawal.status === 'rejected'));
}

/**
 * Sealed awards of the period that the certifier still owes the CDC, for the
 * deadline warning: an award whose record awaits the president's approval
 * counts too, the three months run from the award.
 */
export function undeclaredAwards(state: AccrochageState, period: { from: string; to: string }): AwardDeclaration[] {
  return [...state.awards.values()].filter((a) => a.sealed && !a.withdrawn && a.awardedOn >= period.from && a.awardedOn <= period.to && (a.status === 'pending' || a.status === 'rejected'));
}

export interface StatusLine {
  awardEventId: string;
  candidateId: string;
  certificationCode: string;
  awardedOn: string;
  /** `not-sealed`: the deliberation is not closed; `awaiting-approval`: sealed, the president has not approved the record yet. */
  status: DeclarationStatus | 'not-sealed' | 'awaiting-approval';
  reason: Reason;
  fluxId: string | null;
  lastSentAt: string | null;
  deadline: string;
  /** Days left before the three-month deadline (negative once past); null once the CDC accepted the award. */
  daysLeft: number | null;
  withdrawn: boolean;
  withdrawal: AwardDeclaration['withdrawal'];
}

/** Every award of the period with where it stands, by award date. */
export function statusLines(state: AccrochageState, period: { from: string; to: string }, today: string): StatusLine[] {
  return [...state.awards.values()]
    .filter((a) => a.awardedOn >= period.from && a.awardedOn <= period.to)
    .sort((x, y) => (x.awardedOn === y.awardedOn ? (x.awardEventId < y.awardEventId ? -1 : 1) : x.awardedOn < y.awardedOn ? -1 : 1))
    .map((a) => ({
      awardEventId: a.awardEventId,
      candidateId: a.candidateId,
      certificationCode: a.certificationCode,
      awardedOn: a.awardedOn,
      status: !a.sealed ? 'not-sealed' : a.status === 'pending' && !isFinal(state, a) ? 'awaiting-approval' : a.status,
      reason: a.reason,
      fluxId: a.lastFluxId,
      lastSentAt: a.lastSentAt,
      deadline: declarationDeadline(a.awardedOn),
      daysLeft: a.status === 'accepted' || a.withdrawn ? null : daysUntilDeadline(a.awardedOn, today),
      withdrawn: a.withdrawn,
      withdrawal: a.withdrawal,
    }));
}

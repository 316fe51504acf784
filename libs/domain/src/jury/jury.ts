import { RecordedEvent, StateSpec } from '../shared/decider';
import { streamName } from '../shared/streams';
import { Proposal } from '../candidate/proposal';
import { BlockDecision } from '../candidate/outcome';
import { FraudOutcome } from '../candidate/candidate-events';
import { StoredText } from '../shared/free-text';
import { upcastEvent } from '../shared/upcasters';

/**
 * The jury's deliberation: who sits, who recused themselves for whom, which
 * criteria were neutralised, what was decided, and the seal. Its stream is
 * the procès-verbal: once `DeliberationClosed` is written nothing changes
 * what was deliberated; only the members' approvals of the sealed record
 * (`RecordApproved`, naming the seal hash) follow it.
 */
export { BLOCK_DECISIONS, type BlockDecision } from '../candidate/outcome';

export type RevisionReason = 'material-error' | 'appeal';
export const REVISION_REASONS: readonly RevisionReason[] = ['material-error', 'appeal'];

export interface JuryMember {
  userId: string;
  name: string;
  president: boolean;
  professional: boolean;
}

export interface Revises {
  juryId: string;
  reason: RevisionReason;
  appealId?: string;
}

export type JuryConvened = RecordedEvent<'JuryConvened', { juryId: string; sessionId: string; referentialId: string; members: JuryMember[]; revises?: Revises }>;
/** `reason` and `motivation` are sealed under the candidate's key (schema version 2; a string in version 1). */
export type MemberRecused = RecordedEvent<'MemberRecused', { juryId: string; userId: string; candidateId: string; reason: StoredText }>;
export type DeliberationOpened = RecordedEvent<'DeliberationOpened', { juryId: string }>;
export type CriterionNeutralised = RecordedEvent<'CriterionNeutralised', { juryId: string; candidateId: string; block: string; criterion: string; opinionId: string }>;
/**
 * `vae` marks a decision on a VAE file and interview: `proposal` is then what
 * the (absent) scores compute, shown beside the file, never what the decision
 * rests on.
 */
export type BlockDecided = RecordedEvent<
  'BlockDecided',
  { juryId: string; candidateId: string; block: string; decision: BlockDecision; proposal: Proposal; motivation?: StoredText; vae?: { applicationId: string } }
>;
/**
 * A member of the jury held the VAE interview with the candidate on `heldOn`
 * (the session's jury hears the candidate on their file); `notes` are sealed
 * under the candidate's key.
 */
export type VaeInterviewHeld = RecordedEvent<
  'VaeInterviewHeld',
  { juryId: string; candidateId: string; applicationId: string; sessionId: string; heldOn: string; memberId: string; notes?: StoredText }
>;
export type DeliberationClosed = RecordedEvent<'DeliberationClosed', { juryId: string; sealHash: string; signature: string; keyFingerprint: string; closedAt: string }>;
/** The jury's decision on a reported fraud; `motivation` sealed under the candidate's key. Mirrored by FraudDecisionRecorded in the candidate's file. */
export type FraudDecided = RecordedEvent<
  'FraudDecided',
  { juryId: string; candidateId: string; reportId: string; blocks: string[]; outcome: FraudOutcome; banUntil?: string; motivation: StoredText }
>;
/** The admin names another member president (the president recused for a candidate, absent…); the former one stays a member. */
export type PresidentDesignated = RecordedEvent<'PresidentDesignated', { juryId: string; userId: string; previousUserId: string | null }>;

/**
 * A member approves the sealed record, after the closing, with their own
 * request: `sealHash` names what they approve, `president` whether they
 * presided at the closing (the president's approval makes the record final),
 * `comment` is sealed under the jury record's data key (docs/security.md).
 */
export type RecordApproved = RecordedEvent<'RecordApproved', { juryId: string; memberId: string; sealHash: string; president: boolean; at: string; comment?: StoredText }>;

export type JuryEvent =
  | JuryConvened
  | MemberRecused
  | DeliberationOpened
  | CriterionNeutralised
  | BlockDecided
  | FraudDecided
  | PresidentDesignated
  | DeliberationClosed
  | RecordApproved
  | VaeInterviewHeld;

/** The jury stream's upcast, applied by its fold to every event (shared/upcasters.ts). */
export const upcastJuryEvent = (event: RecordedEvent): JuryEvent => upcastEvent(event) as JuryEvent;

export type JuryStatus = 'none' | 'convened' | 'open' | 'closed';

export interface Recusal {
  userId: string;
  candidateId: string;
  reason: StoredText;
}

export interface Neutralisation {
  candidateId: string;
  block: string;
  criterion: string;
  opinionId: string;
}

export interface Decision {
  candidateId: string;
  block: string;
  decision: BlockDecision;
  proposal: Proposal;
  motivation?: StoredText;
  decidedAt: string | null;
  /** Set for a decision on a VAE file and interview. */
  vae?: { applicationId: string };
}

export interface VaeInterview {
  candidateId: string;
  applicationId: string;
  heldOn: string;
  memberId: string;
  notes?: StoredText;
}

export interface FraudDecision {
  candidateId: string;
  reportId: string;
  blocks: string[];
  outcome: FraudOutcome;
  banUntil: string | null;
  motivation: StoredText;
  decidedAt: string | null;
}

export interface Seal {
  sealHash: string;
  signature: string;
  keyFingerprint: string;
  closedAt: string;
}

export interface Approval {
  memberId: string;
  sealHash: string;
  president: boolean;
  at: string;
  comment?: StoredText;
}

/** Where the approval of the record stands: not sealed yet, sealed and waiting for the president, approved by the president. */
export type ApprovalStatus = 'not-sealed' | 'awaiting-president' | 'approved';

export interface JuryState {
  juryId: string | null;
  status: JuryStatus;
  sessionId: string | null;
  referentialId: string | null;
  members: JuryMember[];
  revises: Revises | null;
  recusals: Recusal[];
  neutralisations: Neutralisation[];
  /** Every BlockDecided in order: a block deferred and decided again has two entries, the later one stands. */
  decisions: Decision[];
  /** Decisions on reported frauds, in order (`?? []` for states stored before). */
  frauds: FraudDecision[];
  /** Substitute presidents designated during the deliberation, in order. */
  designations: Array<{ userId: string; previousUserId: string | null; designatedAt: string | null }>;
  convenedAt: string | null;
  openedAt: string | null;
  seal: Seal | null;
  /** Members' approvals of the sealed record, in order (one per member). */
  approvals: Approval[];
  /** VAE interviews held by the jury's members, in order (absent from states stored before the VAE path). */
  vaeInterviews?: VaeInterview[];
}

export const juryStream = (juryId: string) => streamName('jury', juryId);

export const juryInitialState = (): JuryState => ({
  juryId: null,
  status: 'none',
  sessionId: null,
  referentialId: null,
  members: [],
  revises: null,
  recusals: [],
  neutralisations: [],
  decisions: [],
  frauds: [],
  designations: [],
  convenedAt: null,
  openedAt: null,
  seal: null,
  approvals: [],
});

/** THE fold of the jury stream. */
export function evolveJury(state: JuryState, raw: RecordedEvent): JuryState {
  const event = upcastJuryEvent(raw);
  switch (event.type) {
    case 'JuryConvened':
      return {
        ...state,
        juryId: event.data.juryId,
        status: 'convened',
        sessionId: event.data.sessionId,
        referentialId: event.data.referentialId,
        members: event.data.members,
        revises: event.data.revises ?? null,
        convenedAt: event.recordedAt ?? null,
      };
    case 'MemberRecused':
      return { ...state, recusals: [...state.recusals, { userId: event.data.userId, candidateId: event.data.candidateId, reason: event.data.reason }] };
    case 'DeliberationOpened':
      return { ...state, status: 'open', openedAt: event.recordedAt ?? null };
    case 'CriterionNeutralised': {
      const { candidateId, block, criterion, opinionId } = event.data;
      return { ...state, neutralisations: [...state.neutralisations, { candidateId, block, criterion, opinionId }] };
    }
    case 'BlockDecided': {
      const { candidateId, block, decision, proposal, motivation, vae } = event.data;
      const entry: Decision = { candidateId, block, decision, proposal, decidedAt: event.recordedAt ?? null };
      if (motivation !== undefined) entry.motivation = motivation;
      if (vae !== undefined) entry.vae = { applicationId: vae.applicationId };
      return { ...state, decisions: [...state.decisions, entry] };
    }
    case 'FraudDecided': {
      const { candidateId, reportId, blocks, outcome, banUntil, motivation } = event.data;
      const entry: FraudDecision = { candidateId, reportId, blocks: [...blocks], outcome, banUntil: banUntil ?? null, motivation, decidedAt: event.recordedAt ?? null };
      return { ...state, frauds: [...(state.frauds ?? []), entry] };
    }
    case 'PresidentDesignated': {
      const { userId, previousUserId } = event.data;
      return {
        ...state,
        members: state.members.map((m) => ({ ...m, president: m.userId === userId })),
        designations: [...state.designations, { userId, previousUserId: previousUserId ?? null, designatedAt: event.recordedAt ?? null }],
      };
    }
    case 'DeliberationClosed': {
      const { sealHash, signature, keyFingerprint, closedAt } = event.data;
      return { ...state, status: 'closed', seal: { sealHash, signature, keyFingerprint, closedAt } };
    }
    case 'RecordApproved': {
      const { memberId, sealHash, president, at, comment } = event.data;
      const approval: Approval = { memberId, sealHash, president, at };
      if (comment !== undefined) approval.comment = comment;
      // `?? []`: a state stored by a projection before approvals existed has none.
      return { ...state, approvals: [...(state.approvals ?? []), approval] };
    }
    case 'VaeInterviewHeld': {
      const { candidateId, applicationId, heldOn, memberId, notes } = event.data;
      const interview: VaeInterview = { candidateId, applicationId, heldOn, memberId };
      if (notes !== undefined) interview.notes = notes;
      return { ...state, vaeInterviews: [...(state.vaeInterviews ?? []), interview] };
    }
    default:
      return state; // an event type of a later schema this code does not know leaves the state as is
  }
}

export const jurySpec: StateSpec<JuryState, RecordedEvent> = { initialState: juryInitialState, evolve: evolveJury };

export const president = (state: JuryState): JuryMember | undefined => state.members.find((m) => m.president);
export const memberOf = (state: JuryState, userId: string): JuryMember | undefined => state.members.find((m) => m.userId === userId);
export const isRecused = (state: JuryState, userId: string, candidateId: string): boolean =>
  state.recusals.some((r) => r.userId === userId && r.candidateId === candidateId);
/** The decision that stands in this deliberation: the latest (a deferred block may be decided again). */
export function decisionOf(state: JuryState, candidateId: string, block: string): Decision | undefined {
  for (let i = state.decisions.length - 1; i >= 0; i--) {
    const d = state.decisions[i];
    if (d.candidateId === candidateId && d.block === block) return d;
  }
  return undefined;
}
export const neutralisedFor = (state: JuryState, candidateId: string, block?: string): Set<string> =>
  new Set(state.neutralisations.filter((n) => n.candidateId === candidateId && (block === undefined || n.block === block)).map((n) => n.criterion));

/** The VAE interview this jury held with the candidate on that application, if any. */
export function vaeInterviewOf(state: Pick<JuryState, 'vaeInterviews'>, candidateId: string, applicationId: string): VaeInterview | undefined {
  return (state.vaeInterviews ?? []).find((i) => i.candidateId === candidateId && i.applicationId === applicationId);
}

/** The president's approval of the sealed record makes it final (RECORD_APPROVAL_REQUIRED, on by default). */
export function approvalStatus(state: Pick<JuryState, 'status' | 'seal' | 'approvals'>): ApprovalStatus {
  if (state.status !== 'closed' || !state.seal) return 'not-sealed';
  return (state.approvals ?? []).some((a) => a.president && a.sealHash === state.seal!.sealHash) ? 'approved' : 'awaiting-president';
}

/**
 * Whether the record counts as final for what follows the seal (the CDC
 * export, the credentials): sealed, and approved by the president unless the
 * approval is not required.
 */
export function recordIsFinal(state: Pick<JuryState, 'status' | 'seal' | 'approvals'>, approvalRequired: boolean): boolean {
  const status = approvalStatus(state);
  return status === 'approved' || (status === 'awaiting-president' && !approvalRequired);
}

import { DecisionContext, DomainEvent } from '../shared/decider';
import { Decider } from '../shared/given-when-then';
import { assertNever, conflict, forbidden, invalid, notFound, rule } from '../shared/errors';
import { proposeBlock, Proposal } from '../candidate/proposal';
import { motivationRule, SealedMotivation, SealedText } from '../shared/free-text';
import { criteriaOfBlock, locateCriterion, ReferentialDocument } from '../referential/referential';
import {
  BlockDecision,
  decisionOf,
  isRecused,
  JURY_EVENT_TYPES,
  JuryMember,
  JuryState,
  jurySpec,
  memberOf,
  neutralisedFor,
  Revises,
} from './jury';
import { CandidateView, candidateViewSpec, SessionView } from './views';
import { CertificationTarget, Outcome, sessionDecision } from '../candidate/outcome';
import { closingOutcome } from './closing';

/**
 * The jury's commands. What a command needs beyond the jury's own stream (the
 * session, the candidate's file, the referential, the revised jury) is loaded
 * by the handler and handed in with the command, so `decide` stays pure.
 */
export interface ConveneJury {
  type: 'ConveneJury';
  juryId: string;
  sessionId: string;
  members: JuryMember[];
  revises?: Revises;
  session: SessionView;
  /** The jury being revised (when `revises` is given) and the appeals lodged against it. */
  revised?: { state: JuryState; appeals: Array<{ appealId: string; juryId: string }> };
}

export interface RecuseMember {
  type: 'RecuseMember';
  candidateId: string;
  /** Sealed under the candidate's key by the caller. */
  reason: SealedText;
  candidate: CandidateView;
}

export interface OpenDeliberation {
  type: 'OpenDeliberation';
}

export interface NeutraliseCriterion {
  type: 'NeutraliseCriterion';
  candidateId: string;
  criterion: string;
  opinionId: string;
  candidate: CandidateView;
  referential: ReferentialDocument;
}

export interface DecideBlock {
  type: 'DecideBlock';
  candidateId: string;
  block: string;
  decision: BlockDecision;
  /** Sealed under the candidate's key by the caller, with its length for the minimum. */
  motivation?: SealedMotivation | null;
  candidate: CandidateView;
  referentialId: string;
  referential: ReferentialDocument;
  /** The closed jury this one revises, when it is a revision jury. */
  revised: JuryState | null;
  /** juryId → closing time of the deliberations that decided this candidate (the four-month rule runs from the first). */
  closings?: Readonly<Record<string, string | null | undefined>>;
}

export interface CloseDeliberation {
  type: 'CloseDeliberation';
  /** Computed by the handler over recordContent(...) at `context.now`, signed with the certifier's key. */
  seal: { sealHash: string; signature: string; keyFingerprint: string };
  /** What closingOutcome needs: the certification, the decided candidates' outcomes, the other closings. */
  target: CertificationTarget;
  candidates: Readonly<Record<string, Outcome>>;
  closings: Readonly<Record<string, string | null | undefined>>;
}

/** The admin names a substitute president among the members, while the deliberation is open. */
export interface DesignatePresident {
  type: 'DesignatePresident';
  userId: string;
}

export type JuryCommand = ConveneJury | RecuseMember | OpenDeliberation | NeutraliseCriterion | DecideBlock | DesignatePresident | CloseDeliberation;

/**
 * A revision may still change a decision against the candidate for this long
 * after the closing of the deliberation that first made it (a confirming
 * revision does not start the window again).
 */
export const REVISION_FREE_MONTHS = 4;

export function decideJury(command: JuryCommand, state: JuryState, context: DecisionContext): DomainEvent[] {
  switch (command.type) {
    case 'ConveneJury':
      return convene(command, state);
    case 'RecuseMember':
      return recuse(command, state, context);
    case 'OpenDeliberation':
      requireMember(state, context, true);
      requireStatus(state, 'convened');
      return [{ type: 'DeliberationOpened', data: { juryId: state.juryId } }];
    case 'NeutraliseCriterion':
      return neutralise(command, state, context);
    case 'DecideBlock':
      return decideBlock(command, state, context);
    case 'DesignatePresident':
      return designatePresident(command, state, context);
    case 'CloseDeliberation':
      return close(command, state, context);
    default:
      return assertNever(command, 'jury command');
  }
}

export const juryDecider: Decider<JuryState, JuryCommand> = { ...jurySpec, decide: decideJury };

function convene(command: ConveneJury, state: JuryState): DomainEvent[] {
  if (state.status !== 'none') throw conflict('JURY_ALREADY_CONVENED', `jury ${command.juryId} was already convened`);
  if (!command.session.sessionId || !command.session.referentialId) throw notFound('session', command.sessionId);
  const members = command.members;
  if (members.length === 0) throw rule('JURY_COMPOSITION', 'a jury needs members');
  const ids = new Set(members.map((m) => m.userId));
  if (ids.size !== members.length) throw rule('DUPLICATE_MEMBER', 'a user sits at most once in a jury');
  const presidents = members.filter((m) => m.president).length;
  if (presidents !== 1) throw rule('PRESIDENT_REQUIRED', `a jury has exactly one president (got ${presidents})`);
  if (!members.some((m) => m.professional)) throw rule('PROFESSIONAL_REQUIRED', 'a jury needs at least one professional of the field');
  const data: Record<string, unknown> = {
    juryId: command.juryId,
    sessionId: command.sessionId,
    referentialId: command.session.referentialId,
    members: members.map((m) => ({ userId: m.userId, name: m.name, president: m.president, professional: m.professional })),
  };
  if (command.revises) {
    const { juryId, reason, appealId } = command.revises;
    const revised = command.revised?.state;
    if (!revised || revised.status === 'none') throw notFound('jury', juryId);
    if (revised.status !== 'closed') throw rule('REVISED_JURY_NOT_CLOSED', 'only a closed (sealed) deliberation can be revised');
    if (revised.sessionId !== command.sessionId) throw rule('REVISION_SESSION_MISMATCH', 'a revision jury deliberates on the session of the jury it revises');
    if (reason === 'appeal') {
      if (!appealId) throw invalid('revises.appealId is required when the reason is appeal');
      if (!command.revised!.appeals.some((a) => a.appealId === appealId && a.juryId === juryId)) {
        throw rule('APPEAL_NOT_FOUND', `no appeal ${appealId} was lodged against jury ${juryId}`);
      }
    } else if (appealId) {
      throw invalid('revises.appealId is only given when the reason is appeal');
    }
    data.revises = appealId ? { juryId, reason, appealId } : { juryId, reason };
  }
  return [{ type: 'JuryConvened', data }];
}

function recuse(command: RecuseMember, state: JuryState, context: DecisionContext): DomainEvent[] {
  requireMember(state, context, false);
  if (state.status === 'closed') throw closed();
  requireEnrolled(command.candidate, command.candidateId, state);
  if (isRecused(state, context.actor.id, command.candidateId)) {
    throw conflict('ALREADY_RECUSED', `member ${context.actor.id} already recused themself for candidate ${command.candidateId}`);
  }
  return [{ type: 'MemberRecused', data: { juryId: state.juryId, userId: context.actor.id, candidateId: command.candidateId, reason: command.reason } }];
}

function neutralise(command: NeutraliseCriterion, state: JuryState, context: DecisionContext): DomainEvent[] {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const enrolment = requireEnrolled(command.candidate, command.candidateId, state);
  requireNotRecused(state, context, command.candidateId);
  const located = locateCriterion(command.referential, command.criterion);
  if (!located || !enrolment.blocks.includes(located.block.code)) {
    throw rule('CRITERION_NOT_IN_ENROLMENT', `criterion ${command.criterion} is not in a block the candidate is enrolled for in this session`);
  }
  if (located.criterion.core) throw rule('CRITERION_IS_CORE', `criterion ${command.criterion} is core to the profession: it cannot be neutralised`);
  const opinion = command.candidate.opinions[command.opinionId];
  if (!opinion || !opinion.criteria.includes(command.criterion)) {
    throw rule('NO_REFERENT_OPINION', `no referent opinion ${command.opinionId} naming ${command.criterion} for this candidate`);
  }
  if (neutralisedFor(state, command.candidateId).has(command.criterion)) {
    throw rule('CRITERION_ALREADY_NEUTRALISED', `criterion ${command.criterion} is already neutralised for this candidate`);
  }
  const decidedBlock = decisionOf(state, command.candidateId, located.block.code);
  if (decidedBlock && decidedBlock.decision !== 'deferred') {
    throw rule('BLOCK_ALREADY_DECIDED', `block ${located.block.code} was already decided: its criteria can no longer be neutralised`);
  }
  return [
    {
      type: 'CriterionNeutralised',
      data: { juryId: state.juryId, candidateId: command.candidateId, block: located.block.code, criterion: command.criterion, opinionId: command.opinionId },
    },
  ];
}

function decideBlock(command: DecideBlock, state: JuryState, context: DecisionContext): DomainEvent[] {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const { candidateId, block, decision, candidate, referential } = command;
  const enrolment = requireEnrolled(candidate, candidateId, state);
  requireNotRecused(state, context, candidateId);
  if (!enrolment.blocks.includes(block)) throw rule('BLOCK_NOT_IN_ENROLMENT', `the candidate is not enrolled for block ${block} in this session`);
  const own = decisionOf(state, candidateId, block);
  // A deferred block stays before the jury: it is decided again, and the deferral stays in the record.
  if (own && own.decision !== 'deferred') throw rule('BLOCK_ALREADY_DECIDED', `block ${block} was already decided in this deliberation`);

  const sessionId = state.sessionId!;
  const inForce = sessionDecision(candidate.outcome, sessionId, block)?.source;
  const inForceElsewhere = inForce && inForce.juryId !== state.juryId ? inForce : undefined;
  let previous: BlockDecision | undefined;
  if (state.revises) {
    const revised = command.revised;
    const revisedDecision = revised ? decisionOf(revised, candidateId, block) : undefined;
    if (!revised || !revisedDecision) {
      throw rule('NOT_DECIDED_BY_REVISED_JURY', `the revised jury did not decide block ${block} for this candidate: there is nothing to revise`);
    }
    if (inForceElsewhere && inForceElsewhere.juryId !== revised.juryId) {
      throw rule('DECISION_ALREADY_REVISED', `the decision on block ${block} was already revised by jury ${inForceElsewhere.juryId}`);
    }
    previous = revisedDecision.decision;
  } else if (inForceElsewhere) {
    throw rule('BLOCK_ALREADY_DECIDED', `block ${block} was already decided for this session by jury ${inForceElsewhere.juryId}: only a revision deliberation can change it`);
  }

  const proposal = proposeBlock(referential.validationRule, criteriaOfBlock(referential, block), new Map(Object.entries(candidate.scores[sessionId] ?? {})), neutralisedFor(state, candidateId, block));
  if (decision === 'validated' && proposal.unscored.length > 0) {
    throw rule('SCORES_INCOMPLETE', `block ${block} cannot be validated while criteria are unscored: ${proposal.unscored.join(', ')}`, { unscored: proposal.unscored });
  }
  const motivation = motivationRule(command.motivation, departsFromProposal(decision, proposal.proposal), `deciding ${decision} where the proposal is ${proposal.proposal}`);
  if (state.revises && previous !== undefined && decision !== previous && decision !== 'validated') {
    const revised = command.revised!;
    const closings = { ...command.closings, [revised.juryId!]: revised.seal?.closedAt ?? null };
    // The window runs from the closing of the deliberation that first made the decision now in force.
    const origin = sessionDecision(candidate.outcome, sessionId, block, { closings, sealedOnly: true });
    const since = origin?.since ?? revised.seal!.closedAt;
    const limit = addMonths(since, REVISION_FREE_MONTHS);
    if (Date.parse(context.now) > Date.parse(limit)) {
      throw rule(
        'REVISION_NOT_IN_FAVOUR',
        `more than ${REVISION_FREE_MONTHS} months after the deliberation that made this decision closed (${since}), a decision may only change in the candidate's favour`,
      );
    }
  }

  const decided: Record<string, unknown> = { juryId: state.juryId, candidateId, block, decision, proposal: proposal.proposal };
  if (motivation) decided.motivation = motivation;
  // The certification and referential version of the decision are the session's, pinned by the enrolment.
  // The certification is awarded at the closing, under the seal: not here.
  return [
    { type: 'BlockDecided', data: decided },
    { type: 'BlockDecisionRecorded', data: { candidateId, juryId: state.juryId, sessionId, block, decision, revision: state.revises !== null } },
  ];
}

function designatePresident(command: DesignatePresident, state: JuryState, context: DecisionContext): DomainEvent[] {
  if (state.status === 'none') throw notFound('jury', 'requested');
  if (context.actor.role !== 'admin') throw forbidden('only the certifier’s staff (admin) designates a substitute president');
  requireStatus(state, 'open');
  const member = memberOf(state, command.userId);
  if (!member) throw rule('NOT_A_MEMBER', `${command.userId} is not a member of this jury: the substitute president is one of its members`);
  if (member.president) throw rule('ALREADY_PRESIDENT', `${command.userId} already presides this jury`);
  const current = state.members.find((m) => m.president);
  return [{ type: 'PresidentDesignated', data: { juryId: state.juryId, userId: command.userId, previousUserId: current?.userId ?? null } }];
}

function close(command: CloseDeliberation, state: JuryState, context: DecisionContext): DomainEvent[] {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const { awards, withdrawals } = closingOutcome({ jury: state, target: command.target, candidates: command.candidates, closings: command.closings, closedAt: context.now });
  const events: DomainEvent[] = [{ type: 'DeliberationClosed', data: { juryId: state.juryId, ...command.seal, closedAt: context.now } }];
  for (const w of withdrawals) events.push({ type: 'CertificationWithdrawn', data: { ...w } });
  for (const a of awards) events.push({ type: 'CertificationAwarded', data: { ...a, sealHash: command.seal.sealHash } });
  return events;
}

/**
 * The two agreeing pairs are validated/acquired and not-validated/not-acquired.
 * Everything else departs: `deferred` always does (no proposal ever says
 * "defer"), and so does any decision on an incomplete proposal.
 */
export function departsFromProposal(decision: BlockDecision, proposal: Proposal): boolean {
  return !((decision === 'validated' && proposal === 'acquired') || (decision === 'not-validated' && proposal === 'not-acquired'));
}

/** Calendar months in UTC; a day the target month lacks is clamped to its last day (31 Oct + 4 → 28/29 Feb). */
export function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.toISOString();
}

/** Jury routes: members only (403 otherwise); president-only routes refuse the other members (403). */
function requireMember(state: JuryState, context: DecisionContext, presidentOnly: boolean): JuryMember {
  if (state.status === 'none') throw notFound('jury', 'requested');
  const member = memberOf(state, context.actor.id);
  if (!member) throw forbidden('only members of this jury may do this');
  if (presidentOnly && !member.president) throw forbidden('only the president of the jury may do this');
  return member;
}

function requireStatus(state: JuryState, expected: 'convened' | 'open'): void {
  if (state.status === 'closed') throw closed();
  if (state.status === expected) return;
  if (expected === 'open') throw conflict('DELIBERATION_NOT_OPEN', 'the deliberation is not open yet');
  throw conflict('DELIBERATION_ALREADY_OPEN', 'the deliberation is already open');
}

function closed() {
  return conflict('DELIBERATION_CLOSED', 'the deliberation is closed and sealed: only a revision deliberation can change its decisions');
}

function requireEnrolled(candidate: CandidateView, candidateId: string, state: JuryState) {
  if (!candidate.candidateId) throw notFound('candidate', candidateId);
  const enrolment = candidate.enrolments[state.sessionId!];
  if (!enrolment) throw rule('CANDIDATE_NOT_IN_SESSION', `candidate ${candidateId} is not enrolled in the jury's session`);
  return enrolment;
}

/** A recused member takes no part in that candidate's decisions; the president cannot record them (documented in docs/jury.md). */
function requireNotRecused(state: JuryState, context: DecisionContext, candidateId: string): void {
  if (isRecused(state, context.actor.id, candidateId)) {
    throw rule('MEMBER_RECUSED', `you recused yourself for candidate ${candidateId}: you cannot take part in their decisions`);
  }
}

/** An appeal (recours) is lodged in the candidate's file against a sealed deliberation that decided them. */
export interface LodgeAppeal {
  type: 'LodgeAppeal';
  candidateId: string;
  juryId: string;
  /** Sealed under the candidate's key by the caller. */
  reason: SealedText;
  jury: JuryState;
}

export function decideAppeal(command: LodgeAppeal, candidate: CandidateView, context: DecisionContext): DomainEvent[] {
  if (!candidate.candidateId) throw notFound('candidate', command.candidateId);
  if (command.jury.status === 'none') throw notFound('jury', command.juryId);
  if (command.jury.status !== 'closed') throw rule('JURY_NOT_CLOSED', 'an appeal is lodged against a closed (sealed) deliberation');
  if (!command.jury.decisions.some((d) => d.candidateId === command.candidateId)) {
    throw rule('NOT_DECIDED_BY_JURY', `jury ${command.juryId} decided nothing for candidate ${command.candidateId}`);
  }
  return [{ type: 'AppealLodged', data: { candidateId: command.candidateId, appealId: context.newId(), juryId: command.juryId, reason: command.reason } }];
}

export const appealDecider: Decider<CandidateView, LodgeAppeal> = { ...candidateViewSpec, decide: decideAppeal };

/** Which stream an event of a decision goes to: BlockDecided to the jury, the rest to the candidate's file. */
export const isJuryEvent = (event: DomainEvent): boolean =>
  (JURY_EVENT_TYPES as readonly string[]).includes(event.type);

import { Decider, DecisionContext } from '../shared/decider';
import { assertNever, conflict, forbidden, invalid, notFound, rule } from '../shared/errors';
import { Proposal } from '../candidate/proposal';
import { proposeSessionBlock, SessionBlockProposal } from '../candidate/session-block';
import { motivationRule, SealedMotivation, SealedText } from '../shared/free-text';
import { criteriaOfBlock, locateCriterion, ReferentialDocument } from '../referential/referential';
import { candidateSpec, CandidateEvent, CandidateState, candidateStream, VaeApplication, vaeApplicationOf } from '../candidate/candidate';
import { isCalendarDate } from '../session/session-decider';
import { SessionState } from '../session/session';
import {
  BlockDecided,
  BlockDecision,
  decisionOf,
  isRecused,
  JuryConvened,
  JuryEvent,
  JuryMember,
  JuryState,
  jurySpec,
  juryStream,
  memberOf,
  neutralisedFor,
  RecordApproved,
  Revises,
  VaeInterviewHeld,
  vaeInterviewOf,
} from './jury';
import { CertificationTarget, Outcome, sessionDecision } from '../candidate/outcome';
import { closingOutcome } from './closing';
import { FRAUD_OUTCOMES, FraudOutcome } from '../candidate/candidate-events';

/**
 * The jury's commands, `{ type, data }` like every decider's. What a command
 * reads beyond the jury's own stream (the session, the candidate's file, the
 * referential, the revised jury, the closings) is loaded by the handler and
 * handed in through the context (`JuryDeps`), so `decide` stays pure.
 */
export type ConveneJury = { type: 'ConveneJury'; data: { juryId: string; sessionId: string; members: JuryMember[]; revises?: Revises } };
/** `reason` is sealed under the candidate's key by the caller. */
export type RecuseMember = { type: 'RecuseMember'; data: { candidateId: string; reason: SealedText } };
export type OpenDeliberation = { type: 'OpenDeliberation'; data: Record<string, never> };
export type NeutraliseCriterion = { type: 'NeutraliseCriterion'; data: { candidateId: string; criterion: string; opinionId: string } };
/** `motivation` is sealed under the candidate's key by the caller, with its length for the minimum. */
export type DecideBlock = { type: 'DecideBlock'; data: { candidateId: string; block: string; decision: BlockDecision; motivation?: SealedMotivation | null } };
/** The admin names a substitute president among the members, while the deliberation is open. */
export type DesignatePresident = { type: 'DesignatePresident'; data: { userId: string } };
/** The seal is computed by the handler over recordContent(...) at `context.now`, signed with the certifier's key. */
export type CloseDeliberation = { type: 'CloseDeliberation'; data: { seal: { sealHash: string; signature: string; keyFingerprint: string } } };

/**
 * A member approves the sealed record. `sealHash` is the seal the member read
 * (the record's when the request names none); `comment` is sealed by the caller.
 */
export type ApproveRecord = { type: 'ApproveRecord'; data: { sealHash?: string; comment?: SealedText | null } };

/** A member records the VAE interview held with the candidate (`heldOn`, a calendar day); `notes` are sealed by the caller. */
export type HoldVaeInterview = { type: 'HoldVaeInterview'; data: { candidateId: string; heldOn: string; notes?: SealedText | null } };

/** The president decides a reported fraud; `motivation` is sealed under the candidate's key by the caller. */
export type DecideFraud = {
  type: 'DecideFraud';
  data: { candidateId: string; reportId: string; outcome: FraudOutcome; banUntil?: string | null; motivation: SealedMotivation | null };
};

export type JuryCommand =
  | ConveneJury
  | RecuseMember
  | OpenDeliberation
  | NeutraliseCriterion
  | DecideBlock
  | DecideFraud
  | DesignatePresident
  | CloseDeliberation
  | ApproveRecord
  | HoldVaeInterview;

/** What a jury command reads besides the jury's stream, loaded by the handler. */
export interface JuryDeps {
  /** ConveneJury: the session the jury deliberates on. */
  session?: Pick<SessionState, 'sessionId' | 'referentialId'>;
  /** The candidate's file, folded with the candidate stream's one fold (RecuseMember, NeutraliseCriterion, DecideBlock, HoldVaeInterview). */
  candidate?: CandidateState;
  /** The referential version of the jury's session (NeutraliseCriterion, DecideBlock). */
  referential?: ReferentialDocument;
  /** The closed jury a revision jury revises (ConveneJury with `revises`, DecideBlock of a revision jury). */
  revised?: JuryState | null;
  /** ConveneJury on appeal: the appeals lodged against the revised jury. */
  appeals?: Array<{ appealId: string; juryId: string }>;
  /** juryId → closing time of the deliberations that decided these candidates (DecideBlock: the four-month rule; CloseDeliberation). */
  closings?: Readonly<Record<string, string | null | undefined>>;
  /** CloseDeliberation: the certification and the decided candidates' outcomes, for closingOutcome. */
  target?: CertificationTarget;
  candidates?: Readonly<Record<string, Outcome>>;
}

/** The candidate-stream events a jury decision writes: the decision in the file, the awards and withdrawals of a closing. */
export type JuryCandidateEvent = Extract<CandidateEvent, { type: 'BlockDecisionRecorded' | 'FraudDecisionRecorded' | 'CertificationAwarded' | 'CertificationWithdrawn' }>;
/** Every event a jury command decides: to the jury's stream or to a candidate's. */
export type JuryDecisionEvent = JuryEvent | JuryCandidateEvent;

/**
 * The stream an event of a jury decision is appended to: the jury's record,
 * or the candidate's file for what the file keeps. Exhaustive over the typed
 * events, so a new event type cannot be left unrouted.
 */
export function streamOfJuryDecision(event: JuryDecisionEvent): string {
  switch (event.type) {
    case 'JuryConvened':
    case 'MemberRecused':
    case 'DeliberationOpened':
    case 'CriterionNeutralised':
    case 'BlockDecided':
    case 'FraudDecided':
    case 'PresidentDesignated':
    case 'DeliberationClosed':
    case 'RecordApproved':
    case 'VaeInterviewHeld':
      return juryStream(event.data.juryId);
    case 'FraudDecisionRecorded':
    case 'BlockDecisionRecorded':
    case 'CertificationAwarded':
    case 'CertificationWithdrawn':
      return candidateStream(event.data.candidateId);
    default:
      return assertNever(event, 'jury decision event');
  }
}

/**
 * A revision may still change a decision against the candidate for this long
 * after the closing of the deliberation that first made it (a confirming
 * revision does not start the window again).
 */
export const REVISION_FREE_MONTHS = 4;

type JuryContext = DecisionContext & JuryDeps;

export function decideJury(command: JuryCommand, state: JuryState, context: JuryContext): JuryDecisionEvent[] {
  switch (command.type) {
    case 'ConveneJury':
      return convene(command.data, state, context);
    case 'RecuseMember':
      return recuse(command.data, state, context);
    case 'OpenDeliberation':
      requireMember(state, context, true);
      requireStatus(state, 'convened');
      return [{ type: 'DeliberationOpened', data: { juryId: state.juryId! } }];
    case 'NeutraliseCriterion':
      return neutralise(command.data, state, context);
    case 'DecideBlock':
      return decideBlock(command.data, state, context);
    case 'DecideFraud':
      return decideFraud(command.data, state, context);
    case 'DesignatePresident':
      return designatePresident(command.data, state, context);
    case 'CloseDeliberation':
      return close(command.data, state, context);
    case 'ApproveRecord':
      return approve(command.data, state, context);
    case 'HoldVaeInterview':
      return holdVaeInterview(command.data, state, context);
    default:
      return assertNever(command, 'jury command');
  }
}

export const juryDecider: Decider<JuryState, JuryCommand, JuryDecisionEvent, JuryDeps> = { ...jurySpec, decide: decideJury };

/** A dependency the handler must load for this command: its absence is a bug of the caller, not a refusal. */
function dependency<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the handler did not load ${what}`);
  return value;
}

function convene(command: ConveneJury['data'], state: JuryState, context: JuryContext): JuryEvent[] {
  if (state.status !== 'none') throw conflict('JURY_ALREADY_CONVENED', `jury ${command.juryId} was already convened`);
  const session = dependency(context.session, 'the session');
  if (!session.sessionId || !session.referentialId) throw notFound('session', command.sessionId);
  const members = command.members;
  if (members.length === 0) throw rule('JURY_COMPOSITION', 'a jury needs members');
  const ids = new Set(members.map((m) => m.userId));
  if (ids.size !== members.length) throw rule('DUPLICATE_MEMBER', 'a user sits at most once in a jury');
  const presidents = members.filter((m) => m.president).length;
  if (presidents !== 1) throw rule('PRESIDENT_REQUIRED', `a jury has exactly one president (got ${presidents})`);
  if (!members.some((m) => m.professional)) throw rule('PROFESSIONAL_REQUIRED', 'a jury needs at least one professional of the field');
  const data: JuryConvened['data'] = {
    juryId: command.juryId,
    sessionId: command.sessionId,
    referentialId: session.referentialId,
    members: members.map((m) => ({ userId: m.userId, name: m.name, president: m.president, professional: m.professional })),
  };
  if (command.revises) data.revises = revision(command, context);
  return [{ type: 'JuryConvened', data }];
}

/** A revision jury revises a closed jury of the same session; on appeal, an appeal lodged against it. */
function revision(command: ConveneJury['data'], context: JuryContext): Revises {
  const { juryId, reason, appealId } = command.revises!;
  const revised = context.revised;
  if (!revised || revised.status === 'none') throw notFound('jury', juryId);
  if (revised.status !== 'closed') throw rule('REVISED_JURY_NOT_CLOSED', 'only a closed (sealed) deliberation can be revised');
  if (revised.sessionId !== command.sessionId) throw rule('REVISION_SESSION_MISMATCH', 'a revision jury deliberates on the session of the jury it revises');
  if (reason === 'appeal') {
    if (!appealId) throw invalid('revises.appealId is required when the reason is appeal');
    if (!(context.appeals ?? []).some((a) => a.appealId === appealId && a.juryId === juryId)) {
      throw rule('APPEAL_NOT_FOUND', `no appeal ${appealId} was lodged against jury ${juryId}`);
    }
  } else if (appealId) {
    throw invalid('revises.appealId is only given when the reason is appeal');
  }
  return appealId ? { juryId, reason, appealId } : { juryId, reason };
}

function recuse(command: RecuseMember['data'], state: JuryState, context: JuryContext): JuryEvent[] {
  requireMember(state, context, false);
  if (state.status === 'closed') throw closed();
  requireEnrolled(dependency(context.candidate, 'the candidate'), command.candidateId, state);
  if (isRecused(state, context.actor.id, command.candidateId)) {
    throw conflict('ALREADY_RECUSED', `member ${context.actor.id} already recused themself for candidate ${command.candidateId}`);
  }
  return [{ type: 'MemberRecused', data: { juryId: state.juryId!, userId: context.actor.id, candidateId: command.candidateId, reason: command.reason } }];
}

function neutralise(command: NeutraliseCriterion['data'], state: JuryState, context: JuryContext): JuryEvent[] {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const candidate = dependency(context.candidate, 'the candidate');
  const enrolment = requireEnrolled(candidate, command.candidateId, state);
  requireNotRecused(state, context, command.candidateId);
  const located = locateCriterion(dependency(context.referential, 'the referential'), command.criterion);
  if (!located || !enrolment.blocks.includes(located.block.code)) {
    throw rule('CRITERION_NOT_IN_ENROLMENT', `criterion ${command.criterion} is not in a block the candidate is enrolled for in this session`);
  }
  if (located.criterion.core) throw rule('CRITERION_IS_CORE', `criterion ${command.criterion} is core to the profession: it cannot be neutralised`);
  const opinion = candidate.neutralisationOpinions[command.opinionId];
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
      data: { juryId: state.juryId!, candidateId: command.candidateId, block: located.block.code, criterion: command.criterion, opinionId: command.opinionId },
    },
  ];
}

/**
 * One block decision, rule by rule: the president of an open deliberation,
 * a block the candidate is enrolled for and still before this jury, what the
 * decision revises (or that nothing else decided it), complete scores to
 * validate, a motivation where it departs from the proposal, and the
 * four-month window against the candidate. Two events: BlockDecided in the
 * jury's record, BlockDecisionRecorded in the candidate's file.
 */
function decideBlock(command: DecideBlock['data'], state: JuryState, context: JuryContext): JuryDecisionEvent[] {
  const candidate = dependency(context.candidate, 'the candidate');
  requireBeforeThisJury(command, state, context, candidate);
  const previous = requireRevisable(command, state, context, candidate);
  const proposal = proposalFor(command, state, candidate, dependency(context.referential, 'the referential'));
  const vae = vaeApplicationOf(candidate, state.sessionId!);
  if (vae) {
    requireVaeFileAndInterview(command, state, context, vae);
    // On the file and the interview: no scores to complete, and a motivation always (it says what in the file grounds the decision).
    const motivation = motivationRule(command.motivation, true, `deciding block ${command.block} on a VAE file`);
    requireWithinRevisionWindow(command, state, context, candidate, previous);
    return decisionEvents(command, state, proposal.proposal, motivation, vae.applicationId);
  }
  requireEvaluatedToValidate(command, proposal);
  requireScoredToValidate(command, proposal);
  const motivation = motivationRule(command.motivation, departsFromProposal(command.decision, proposal.proposal), `deciding ${command.decision} where the proposal is ${proposal.proposal}`);
  requireWithinRevisionWindow(command, state, context, candidate, previous);
  return decisionEvents(command, state, proposal.proposal, motivation);
}

/** The president decides, in an open deliberation, a block the candidate is enrolled for and this jury has not decided (a deferral is decided again). */
function requireBeforeThisJury(command: DecideBlock['data'], state: JuryState, context: JuryContext, candidate: CandidateState): void {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const { candidateId, block } = command;
  const enrolment = requireEnrolled(candidate, candidateId, state);
  requireNotRecused(state, context, candidateId);
  if (!enrolment.blocks.includes(block)) throw rule('BLOCK_NOT_IN_ENROLMENT', `the candidate is not enrolled for block ${block} in this session`);
  const own = decisionOf(state, candidateId, block);
  // A deferred block stays before the jury: it is decided again, and the deferral stays in the record.
  if (own && own.decision !== 'deferred') throw rule('BLOCK_ALREADY_DECIDED', `block ${block} was already decided in this deliberation`);
}

/**
 * A revision jury changes what the jury it revises decided (and nothing another
 * revision already changed): returns that decision. An ordinary jury decides
 * only what no other deliberation of the session decided.
 */
function requireRevisable(command: DecideBlock['data'], state: JuryState, context: JuryContext, candidate: CandidateState): BlockDecision | undefined {
  const { candidateId, block } = command;
  const inForce = sessionDecision(candidate.outcome, state.sessionId!, block)?.source;
  const inForceElsewhere = inForce && inForce.juryId !== state.juryId ? inForce : undefined;
  if (!state.revises) {
    if (inForceElsewhere) {
      throw rule('BLOCK_ALREADY_DECIDED', `block ${block} was already decided for this session by jury ${inForceElsewhere.juryId}: only a revision deliberation can change it`);
    }
    return undefined;
  }
  const revised = context.revised;
  const revisedDecision = revised ? decisionOf(revised, candidateId, block) : undefined;
  if (!revised || !revisedDecision) {
    throw rule('NOT_DECIDED_BY_REVISED_JURY', `the revised jury did not decide block ${block} for this candidate: there is nothing to revise`);
  }
  if (inForceElsewhere && inForceElsewhere.juryId !== revised.juryId) {
    throw rule('DECISION_ALREADY_REVISED', `the decision on block ${block} was already revised by jury ${inForceElsewhere.juryId}`);
  }
  return revisedDecision.decision;
}

/**
 * The proposal of the block under its referential rule, from this session's
 * scores only (a resit starts from none) and this jury's neutralisations,
 * overridden where the block was not evaluated in this session.
 */
function proposalFor(command: DecideBlock['data'], state: JuryState, candidate: CandidateState, referential: ReferentialDocument): SessionBlockProposal {
  const scores = new Map(Object.values(candidate.scores[state.sessionId!] ?? {}).map((s) => [s.criterion, s.result]));
  return proposeSessionBlock(
    referential.validationRule,
    criteriaOfBlock(referential, command.block),
    scores,
    neutralisedFor(state, command.candidateId, command.block),
    candidate.outcome,
    state.sessionId!,
    command.block,
  );
}

/** A block not evaluated in this session (absence) has nothing the jury could validate: not validated or deferred only. */
function requireEvaluatedToValidate(command: DecideBlock['data'], proposal: SessionBlockProposal): void {
  if (command.decision === 'validated' && proposal.notEvaluated) {
    throw rule('BLOCK_NOT_EVALUATED', `block ${command.block} was not evaluated in this session (${proposal.notEvaluated}): it cannot be validated`, { notEvaluated: proposal.notEvaluated });
  }
}

function requireScoredToValidate(command: DecideBlock['data'], proposal: { unscored: string[] }): void {
  if (command.decision === 'validated' && proposal.unscored.length > 0) {
    throw rule('SCORES_INCOMPLETE', `block ${command.block} cannot be validated while criteria are unscored: ${proposal.unscored.join(', ')}`, { unscored: proposal.unscored });
  }
}

/**
 * More than REVISION_FREE_MONTHS after the closing of the deliberation that
 * first made the decision now in force, a revision changes it only in the
 * candidate's favour.
 */
function requireWithinRevisionWindow(command: DecideBlock['data'], state: JuryState, context: JuryContext, candidate: CandidateState, previous: BlockDecision | undefined): void {
  const { decision, block } = command;
  if (!state.revises || previous === undefined || decision === previous || decision === 'validated') return;
  const revised = context.revised!;
  const closings = { ...context.closings, [revised.juryId!]: revised.seal?.closedAt ?? null };
  // The window runs from the closing of the deliberation that first made the decision now in force.
  const origin = sessionDecision(candidate.outcome, state.sessionId!, block, { closings, sealedOnly: true });
  const since = origin?.since ?? revised.seal!.closedAt;
  const limit = addMonths(since, REVISION_FREE_MONTHS);
  if (Date.parse(context.now) > Date.parse(limit)) {
    throw rule(
      'REVISION_NOT_IN_FAVOUR',
      `more than ${REVISION_FREE_MONTHS} months after the deliberation that made this decision closed (${since}), a decision may only change in the candidate's favour`,
    );
  }
}

/**
 * The certification and referential version of the decision are the session's, pinned by the enrolment.
 * The certification is awarded at the closing, under the seal: not here.
 */
function decisionEvents(command: DecideBlock['data'], state: JuryState, proposal: Proposal, motivation: SealedText | null, vaeApplicationId?: string): JuryDecisionEvent[] {
  const { candidateId, block, decision } = command;
  const decided: BlockDecided['data'] = { juryId: state.juryId!, candidateId, block, decision, proposal };
  if (motivation) decided.motivation = motivation;
  if (vaeApplicationId) decided.vae = { applicationId: vaeApplicationId };
  return [
    { type: 'BlockDecided', data: decided },
    { type: 'BlockDecisionRecorded', data: { candidateId, juryId: state.juryId!, sessionId: state.sessionId!, block, decision, revision: state.revises !== null } },
  ];
}

/**
 * A block enrolled on a VAE file is decided on that file and the interview:
 * the file must cover the block, and the candidate must have been heard (by
 * this jury, or, for a revision, by the jury it revises) before the jury
 * validates or refuses it; a deferral may come before the interview.
 */
function requireVaeFileAndInterview(command: DecideBlock['data'], state: JuryState, context: JuryContext, application: VaeApplication): void {
  if (!application.file?.blocks.includes(command.block)) {
    throw rule('VAE_BLOCK_NOT_IN_FILE', `the VAE file of application ${application.applicationId} does not cover block ${command.block}`);
  }
  if (command.decision === 'deferred') return;
  const heard = vaeInterviewOf(state, command.candidateId, application.applicationId) ?? (context.revised ? vaeInterviewOf(context.revised, command.candidateId, application.applicationId) : undefined);
  if (!heard) throw rule('VAE_INTERVIEW_NOT_HELD', `the jury has not held the VAE interview with the candidate: block ${command.block} is decided on the file and the interview`);
}

/**
 * Any member of the jury records the interview they held, before the closing
 * (the interview usually comes before the deliberation opens), once per
 * application; a member recused for the candidate does not hear them.
 */
function holdVaeInterview(command: HoldVaeInterview['data'], state: JuryState, context: JuryContext): JuryEvent[] {
  const member = requireMember(state, context, false);
  if (state.status === 'closed') throw closed();
  const candidate = dependency(context.candidate, 'the candidate');
  requireEnrolled(candidate, command.candidateId, state);
  requireNotRecused(state, context, command.candidateId);
  const application = vaeApplicationOf(candidate, state.sessionId!);
  if (!application) throw rule('VAE_STEP_OUT_OF_ORDER', `candidate ${command.candidateId} is not enrolled on a VAE file in this session: there is no interview to hold`);
  if (vaeInterviewOf(state, command.candidateId, application.applicationId)) {
    throw rule('VAE_STEP_OUT_OF_ORDER', `the VAE interview of application ${application.applicationId} was already held by this jury`);
  }
  if (!isCalendarDate(command.heldOn)) throw invalid('heldOn must be a real date YYYY-MM-DD', [{ path: 'heldOn', message: 'date' }]);
  if (command.heldOn > context.now.slice(0, 10)) throw invalid('heldOn must not be in the future: the interview is recorded once held', [{ path: 'heldOn', message: 'future' }]);
  const data: VaeInterviewHeld['data'] = {
    juryId: state.juryId!,
    candidateId: command.candidateId,
    applicationId: application.applicationId,
    sessionId: state.sessionId!,
    heldOn: command.heldOn,
    memberId: member.userId,
  };
  if (command.notes) data.notes = command.notes;
  return [{ type: 'VaeInterviewHeld', data }];
}

/**
 * The president of an open deliberation decides a fraud reported in the
 * jury's session, once, with a motivation. An annulment (or a ban, which
 * annuls too) makes the blocks reported not evaluated in this session, so it
 * comes before the jury decides them (a deferred block is still before it);
 * a ban runs until `banUntil`, a day after today. Two events: FraudDecided in
 * the jury's record, FraudDecisionRecorded in the candidate's file (where the
 * enrolment decider enforces the ban).
 */
function decideFraud(command: DecideFraud['data'], state: JuryState, context: JuryContext): JuryDecisionEvent[] {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const candidate = dependency(context.candidate, 'the candidate');
  const { candidateId, reportId, outcome } = command;
  requireEnrolled(candidate, candidateId, state);
  requireNotRecused(state, context, candidateId);
  const report = (candidate.fraudReports ?? {})[reportId];
  if (!report || report.sessionId !== state.sessionId) throw rule('FRAUD_REPORT_NOT_FOUND', `no fraud report ${reportId} for candidate ${candidateId} in this jury's session`);
  const earlier = (candidate.outcome.frauds ?? []).find((f) => f.reportId === reportId);
  if (earlier) throw conflict('FRAUD_ALREADY_DECIDED', `fraud report ${reportId} was already decided by jury ${earlier.juryId}`);
  if (!FRAUD_OUTCOMES.includes(outcome)) throw invalid(`outcome must be one of ${FRAUD_OUTCOMES.join(', ')}`, [{ path: 'outcome', message: 'unknown outcome' }]);
  const banUntil = command.banUntil ?? null;
  if (outcome === 'ban' && (!banUntil || !isCalendarDate(banUntil) || banUntil <= context.now.slice(0, 10))) {
    throw rule('BAN_END_REQUIRED', 'a ban needs its end date (banUntil, YYYY-MM-DD, after today)');
  }
  if (outcome !== 'ban' && banUntil !== null) throw rule('BAN_END_REQUIRED', 'only a ban takes an end date (banUntil)');
  if (outcome !== 'none') {
    const decided = report.blocks.filter((b) => {
      const d = decisionOf(state, candidateId, b);
      return d && d.decision !== 'deferred';
    });
    if (decided.length) throw rule('BLOCK_ALREADY_DECIDED', `block ${decided.join(', ')} was already decided in this deliberation: its evaluation can no longer be annulled here`, { blocks: decided });
  }
  const motivation = motivationRule(command.motivation, true, 'a decision on a fraud')!;
  const ban = outcome === 'ban' ? { banUntil: banUntil! } : {};
  return [
    { type: 'FraudDecided', data: { juryId: state.juryId!, candidateId, reportId, blocks: [...report.blocks], outcome, ...ban, motivation } },
    { type: 'FraudDecisionRecorded', data: { candidateId, juryId: state.juryId!, sessionId: state.sessionId!, reportId, blocks: [...report.blocks], outcome, ...ban } },
  ];
}

function designatePresident(command: DesignatePresident['data'], state: JuryState, context: JuryContext): JuryEvent[] {
  if (state.status === 'none') throw notFound('jury', 'requested');
  if (context.actor.role !== 'admin') throw forbidden('only the certifier’s staff (admin) designates a substitute president');
  requireStatus(state, 'open');
  const member = memberOf(state, command.userId);
  if (!member) throw rule('NOT_A_MEMBER', `${command.userId} is not a member of this jury: the substitute president is one of its members`);
  if (member.president) throw rule('ALREADY_PRESIDENT', `${command.userId} already presides this jury`);
  const current = state.members.find((m) => m.president);
  return [{ type: 'PresidentDesignated', data: { juryId: state.juryId!, userId: command.userId, previousUserId: current?.userId ?? null } }];
}

function close(command: CloseDeliberation['data'], state: JuryState, context: JuryContext): JuryDecisionEvent[] {
  requireMember(state, context, true);
  requireStatus(state, 'open');
  const { awards, withdrawals } = closingOutcome({
    jury: state,
    target: dependency(context.target, 'the certification target'),
    candidates: dependency(context.candidates, 'the candidates’ outcomes'),
    closings: dependency(context.closings, 'the closings'),
    closedAt: context.now,
  });
  const events: JuryDecisionEvent[] = [{ type: 'DeliberationClosed', data: { juryId: state.juryId!, ...command.seal, closedAt: context.now } }];
  for (const w of withdrawals) events.push({ type: 'CertificationWithdrawn', data: { ...w } });
  for (const a of awards) events.push({ type: 'CertificationAwarded', data: { ...a, sealHash: command.seal.sealHash } });
  return events;
}

/**
 * Each member approves the sealed record once, with their own request, after
 * the closing. A member recused for some candidates approves it too: the
 * approval attests the record as a whole (what the jury deliberated and
 * sealed), not the decisions they took no part in. The approval names the
 * seal: a member who read another seal than the record's is refused.
 */
function approve(command: ApproveRecord['data'], state: JuryState, context: JuryContext): JuryEvent[] {
  const member = requireMember(state, context, false);
  if (state.status !== 'closed' || !state.seal) throw conflict('DELIBERATION_NOT_CLOSED', 'the record is approved once the deliberation is closed and sealed');
  if (state.approvals.some((a) => a.memberId === member.userId)) throw conflict('ALREADY_APPROVED', `member ${member.userId} already approved this record`);
  const sealHash = command.sealHash ?? state.seal.sealHash;
  if (sealHash !== state.seal.sealHash) throw conflict('SEAL_MISMATCH', `the record is sealed as ${state.seal.sealHash}, not ${sealHash}: read the record again before approving it`);
  const data: RecordApproved['data'] = { juryId: state.juryId!, memberId: member.userId, sealHash, president: member.president, at: context.now };
  if (command.comment) data.comment = command.comment;
  return [{ type: 'RecordApproved', data }];
}

/**
 * The agreeing pairs are validated/acquired, not-validated/not-acquired and
 * not-validated/not-evaluated (nothing was evaluated, so nothing is acquired
 * in this session: recording it needs no motivation). Everything else
 * departs: `deferred` always does (no proposal ever says "defer"), and so
 * does any decision on an incomplete proposal.
 */
export function departsFromProposal(decision: BlockDecision, proposal: Proposal): boolean {
  if (decision === 'validated') return proposal !== 'acquired';
  if (decision === 'not-validated') return proposal !== 'not-acquired' && proposal !== 'not-evaluated';
  return true;
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

function requireEnrolled(candidate: CandidateState, candidateId: string, state: JuryState) {
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

/** An appeal (recours) is lodged in the candidate's file against a sealed deliberation that decided them; `reason` is sealed under the candidate's key. */
export type LodgeAppeal = { type: 'LodgeAppeal'; data: { candidateId: string; juryId: string; reason: SealedText } };
/** What an appeal reads besides the candidate's file: the jury appealed against. */
export interface AppealDeps {
  jury?: JuryState;
}
export type AppealLodged = Extract<CandidateEvent, { type: 'AppealLodged' }>;

export function decideAppeal(command: LodgeAppeal, candidate: CandidateState, context: DecisionContext & AppealDeps): AppealLodged[] {
  const { candidateId, juryId, reason } = command.data;
  const jury = dependency(context.jury, 'the jury');
  if (!candidate.candidateId) throw notFound('candidate', candidateId);
  if (jury.status === 'none') throw notFound('jury', juryId);
  if (jury.status !== 'closed') throw rule('JURY_NOT_CLOSED', 'an appeal is lodged against a closed (sealed) deliberation');
  if (!jury.decisions.some((d) => d.candidateId === candidateId)) {
    throw rule('NOT_DECIDED_BY_JURY', `jury ${juryId} decided nothing for candidate ${candidateId}`);
  }
  return [{ type: 'AppealLodged', data: { candidateId, appealId: context.newId(), juryId, reason } }];
}

/** The appeal is decided on the candidate's file, folded with the candidate stream's one fold. */
export const appealDecider: Decider<CandidateState, LodgeAppeal, AppealLodged, AppealDeps> = { ...candidateSpec, decide: decideAppeal };

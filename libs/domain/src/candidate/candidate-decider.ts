import { DecisionContext } from '../shared/decider';
import type { Decider } from '../shared/decider';
import { assertNever, conflict, forbidden, invalid, notFound, rule, ValidationFault } from '../shared/errors';
import { findBlock, locateCriterion } from '../referential/referential';
import { ReferentialState } from '../referential/referential-state';
import { SessionState } from '../session/session';
import { isCalendarDate } from '../session/session-decider';
import {
  ACCESS_ROUTES,
  ACCOMMODATION_TYPES,
  AccessRoute,
  AccommodationType,
  CandidateEvent,
  CandidateState,
  EXTRA_TIME_WITHOUT_OPINION_MAX,
  Identity,
  SealedData,
  candidateSpec,
  decisionOf,
  scoreOf,
} from './candidate';
import { CriterionResult } from './proposal';
import { counts, decisionInForce, targetOf } from './outcome';
import { motivationRule, SealedMotivation, SealedText } from '../shared/free-text';
import { decideVaeAdmissibility, fileVaeApplication, submitVaeFile, vaeEnrolment, VaeCommand } from './vae-decider';

/**
 * Commands on the candidate's file. Personal data (identity, accommodation
 * details and justification, motivations) arrives already sealed by the
 * caller; a blank free text arrives as null so the rule "X is required" stays
 * here without the domain reading the plaintext.
 */
export type RegisterCandidate = { type: 'RegisterCandidate'; data: { candidateId: string; identity: SealedData; accessRoute: AccessRoute } };
export type EnrolCandidate = { type: 'EnrolCandidate'; data: { candidateId: string; sessionId: string; blocks: string[] } };
export type RequestAccommodation = {
  type: 'RequestAccommodation';
  data: {
    candidateId: string;
    accommodations: Array<{ type: AccommodationType; extraTimePercent?: number; details?: SealedData | null }>;
    justification: SealedData | null;
  };
};
export type GiveReferentOpinion = {
  type: 'GiveReferentOpinion';
  data: { candidateId: string; requestId: string; favourable: boolean; motivation: SealedMotivation | null };
};
export type DecideAccommodation = { type: 'DecideAccommodation'; data: { candidateId: string; requestId: string; granted: boolean; reason: SealedText | null } };
export type ApplyAccommodation = {
  type: 'ApplyAccommodation';
  data: { candidateId: string; requestId: string; sessionId: string; evaluation: string; note?: SealedText | null };
};
export type ScoreCriterion = {
  type: 'ScoreCriterion';
  data: { candidateId: string; sessionId: string; criterion: string; result: CriterionResult; comment?: SealedText | null; correctionReason?: SealedText | null };
};
export type RecommendNeutralisation = {
  type: 'RecommendNeutralisation';
  data: { candidateId: string; criteria: string[]; motivation: SealedMotivation | null };
};

/**
 * The certifier's staff record that the candidate missed an evaluation of a
 * session: a referential modality (M…) of an enrolled block, or the block
 * itself where its referential lists no modalities. `reason` is sealed by the
 * caller (it may carry health data: a medical certificate).
 */
export type RecordAbsence = {
  type: 'RecordAbsence';
  data: { candidateId: string; sessionId: string; modality?: string | null; block?: string | null; justified: boolean; reason?: SealedText | null };
};

/** An assessor of the session (or an admin) reports a suspected fraud; `description` is sealed by the caller (null when blank). */
export type ReportFraud = {
  type: 'ReportFraud';
  data: { candidateId: string; sessionId: string; blocks: string[]; description: SealedText | null };
};

export type CandidateCommand =
  | ReportFraud
  | RecordAbsence
  | RegisterCandidate
  | EnrolCandidate
  | RequestAccommodation
  | GiveReferentOpinion
  | DecideAccommodation
  | ApplyAccommodation
  | ScoreCriterion
  | RecommendNeutralisation
  | VaeCommand;

/**
 * What a command reads besides the candidate's stream, loaded by the caller:
 * the session of the command (enrol, apply, score), that session's referential
 * (enrol, score), and the referential of every enrolment (neutralisation opinion).
 */
export interface CandidateDeps {
  session?: SessionState;
  referential?: ReferentialState;
  referentials?: Record<string, ReferentialState>;
}

export const NAME_MAX = 100;
export const EMAIL_MAX = 254;
/** The CDC flux's bound on names and labels. */
export const CDC_TEXT_MAX = 60;
export const EARLIEST_BIRTH_DATE = '1900-01-01';
export const EVALUATION_MAX = 200;
export const MAX_ACCOMMODATIONS = 10;
export const MAX_EXTRA_TIME_PERCENT = 200;
export const MAX_BLOCKS = 50;
export const MAX_CRITERIA = 200;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Identity is sealed before it reaches `decide`; the caller checks it here
 * first. Returns it normalised (trimmed); throws VALIDATION_FAILED naming
 * each faulty field.
 */
export function checkIdentity(identity: Identity, today: string): Identity {
  const normalised: Identity = {
    givenName: identity.givenName.trim(),
    familyName: identity.familyName.trim(),
    birthDate: identity.birthDate.trim(),
    email: identity.email.trim(),
    ...(identity.sex != null ? { sex: identity.sex } : {}),
    ...(identity.birthPlaceCode != null ? { birthPlaceCode: identity.birthPlaceCode.trim().toUpperCase() } : {}),
    // Optional texts: null or blank means "none" (a form's empty usage name is no usage name).
    ...blankAsNone('usageName', identity.usageName),
    ...(identity.birthCountryCode != null ? { birthCountryCode: identity.birthCountryCode.trim().toUpperCase() } : {}),
    ...blankAsNone('birthPostalCode', identity.birthPostalCode?.toUpperCase()),
    ...blankAsNone('birthPlaceName', identity.birthPlaceName),
    ...blankAsNone('birthCountryName', identity.birthCountryName),
    ...(identity.accessModality != null ? { accessModality: identity.accessModality } : {}),
    ...(identity.vaeRoute != null ? { vaeRoute: identity.vaeRoute } : {}),
  };
  const faults: ValidationFault[] = [];
  for (const field of ['givenName', 'familyName'] as const) {
    const value = normalised[field];
    if (!value || value.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(value)) faults.push({ path: field, message: `must be 1 to ${NAME_MAX} printable characters` });
  }
  const { birthDate, email } = normalised;
  if (!isCalendarDate(birthDate)) faults.push({ path: 'birthDate', message: 'must be a real date YYYY-MM-DD' });
  else if (birthDate < EARLIEST_BIRTH_DATE || birthDate >= today.slice(0, 10)) faults.push({ path: 'birthDate', message: `must be after ${EARLIEST_BIRTH_DATE} and in the past` });
  if (email.length > EMAIL_MAX || !EMAIL.test(email)) faults.push({ path: 'email', message: 'must be a valid email address' });
  if (normalised.sex !== undefined && normalised.sex !== 'M' && normalised.sex !== 'F') faults.push({ path: 'sex', message: 'must be M or F (as the CDC declares it)' });
  if (normalised.birthPlaceCode !== undefined && !/^(\d{5}|2[AB]\d{3})$/.test(normalised.birthPlaceCode)) faults.push({ path: 'birthPlaceCode', message: 'must be an INSEE commune code (5 characters, 99xxx abroad)' });
  // The CDC's own bounds (60 characters for names and labels): refused here rather than cut or refused by the CDC later.
  for (const field of ['usageName', 'birthPlaceName', 'birthCountryName'] as const) {
    const value = normalised[field];
    if (value !== undefined && ([...value].length > CDC_TEXT_MAX || /[\u0000-\u001f\u007f]/.test(value))) faults.push({ path: field, message: `must be 1 to ${CDC_TEXT_MAX} printable characters` });
  }
  if (normalised.birthCountryCode !== undefined && !/^([A-Z]{2,3}|\d{3}|99\d{3})$/.test(normalised.birthCountryCode)) {
    faults.push({ path: 'birthCountryCode', message: 'must be an ISO 3166 country code (2 or 3 letters), a 3-digit code, or the INSEE code 99xxx' });
  }
  if (normalised.birthPostalCode !== undefined && !/^[A-Z0-9][A-Z0-9 -]{0,8}$/.test(normalised.birthPostalCode)) faults.push({ path: 'birthPostalCode', message: 'must be a postal code of 1 to 9 letters, digits, spaces or dashes' });
  if (normalised.accessModality !== undefined && !['professionalisation-contract', 'equivalence'].includes(normalised.accessModality)) faults.push({ path: 'accessModality', message: 'must be professionalisation-contract or equivalence' });
  if (normalised.vaeRoute !== undefined && !['classic', 'vae-leave'].includes(normalised.vaeRoute)) faults.push({ path: 'vaeRoute', message: 'must be classic or vae-leave' });
  if (faults.length) throw invalid(faults.map((f) => `${f.path}: ${f.message}`).join('; '), faults);
  return normalised;
}

function blankAsNone<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  return trimmed ? ({ [key]: trimmed } as Partial<Record<K, string>>) : {};
}

/** The CDC refinements must fit the access route: a professionalisation contract is continuing education, a VAE route is for VAE. */
export function checkAccessDetails(identity: Identity, accessRoute: AccessRoute): void {
  const faults: ValidationFault[] = [];
  if (identity.accessModality === 'professionalisation-contract' && accessRoute !== 'continuing-education') faults.push({ path: 'accessModality', message: 'professionalisation-contract goes with accessRoute continuing-education' });
  if (identity.vaeRoute !== undefined && accessRoute !== 'vae') faults.push({ path: 'vaeRoute', message: 'goes with accessRoute vae' });
  if (faults.length) throw invalid(faults.map((f) => `${f.path}: ${f.message}`).join('; '), faults);
}

export function decideCandidate(command: CandidateCommand, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  if (command.type === 'RegisterCandidate') return register(command, state);
  const candidateId = command.data.candidateId;
  if (!state.registered) throw notFound('candidate', candidateId);
  if (state.erased) throw conflict('PERSONAL_DATA_ERASED', `the personal data of candidate ${candidateId} was erased: the file is closed`);
  switch (command.type) {
    case 'EnrolCandidate':
      return enrol(command, state, context);
    case 'RequestAccommodation':
      return requestAccommodation(command, context);
    case 'GiveReferentOpinion':
      return giveOpinion(command, state);
    case 'DecideAccommodation':
      return decideAccommodation(command, state);
    case 'ApplyAccommodation':
      return applyAccommodation(command, state, context);
    case 'ScoreCriterion':
      return score(command, state, context);
    case 'RecommendNeutralisation':
      return recommendNeutralisation(command, state, context);
    case 'FileVaeApplication':
      return fileVaeApplication(command, state, context);
    case 'DecideVaeAdmissibility':
      return decideVaeAdmissibility(command, state);
    case 'SubmitVaeFile':
      return submitVaeFile(command, state);
    case 'RecordAbsence':
      return recordAbsence(command, state, context);
    case 'ReportFraud':
      return reportFraud(command, state, context);
    default:
      return assertNever(command, 'candidate command');
  }
}

function register(command: RegisterCandidate, state: CandidateState): CandidateEvent[] {
  const { candidateId, identity, accessRoute } = command.data;
  if (state.registered) throw conflict('CANDIDATE_ALREADY_REGISTERED', `candidate ${candidateId} is already registered`);
  if (!ACCESS_ROUTES.includes(accessRoute)) throw invalid(`accessRoute must be one of ${ACCESS_ROUTES.join(', ')}`, [{ path: 'accessRoute', message: 'unknown access route' }]);
  return [{ type: 'CandidateRegistered', data: { candidateId, identity, accessRoute } }];
}

function enrol(command: EnrolCandidate, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  const { candidateId, sessionId, blocks } = command.data;
  const session = openedSession(context.session, sessionId);
  const document = context.referential?.document;
  if (!document) throw notFound('referential', session.referentialId!);
  if (blocks.length === 0 || blocks.length > MAX_BLOCKS) throw invalid(`blocks must list 1 to ${MAX_BLOCKS} blocks`, [{ path: 'blocks', message: 'length' }]);
  if (new Set(blocks).size !== blocks.length) throw invalid('blocks must not repeat a block', [{ path: 'blocks', message: 'duplicate' }]);
  const unknown = blocks.filter((b) => !findBlock(document, b));
  if (unknown.length) throw rule('UNKNOWN_BLOCK', `the referential of session ${sessionId} has no block ${unknown.join(', ')}`, { blocks: unknown });
  // Capitalised per certification: only a block of this certification (or one its referential declares
  // equivalent) counts, and only within the referential's validity period.
  const target = targetOf(session.referentialId!, context.referential!.version, document);
  const inForce = blocks.map((b) => ({ block: b, inForce: decisionInForce(state.outcome, target, b, { at: context.now }) }));
  const validated = inForce.filter((x) => counts(x.inForce)).map((x) => x.block);
  if (validated.length) {
    throw rule('BLOCK_ALREADY_VALIDATED', `block ${validated.join(', ')} of ${document.code} is already validated: it stays acquired and is not evaluated again`, { blocks: validated });
  }
  const ban = banInForce(state, context.now);
  if (ban) throw rule('CANDIDATE_BANNED', `candidate ${candidateId} is banned by jury ${ban.juryId} until ${ban.banUntil}: no enrolment before that day`, { banUntil: ban.banUntil, juryId: ban.juryId });
  const already = blocks.filter((b) => state.enrolments[sessionId]?.blocks.includes(b));
  if (already.length) throw conflict('ALREADY_ENROLLED', `candidate ${candidateId} is already enrolled in session ${sessionId} for ${already.join(', ')}`, { blocks: already });
  const vae = vaeEnrolment(state, document, blocks);
  // One session's enrolment is either on the file or scored: its blocks go before the same jury on the same footing.
  const existing = state.enrolments[sessionId];
  if (existing && (existing.vaeApplicationId ?? null) !== (vae?.applicationId ?? null)) {
    throw rule('VAE_STEP_OUT_OF_ORDER', `candidate ${candidateId} is already enrolled in session ${sessionId} ${existing.vaeApplicationId ? 'on a VAE file' : 'for scored evaluations'}: enrol the other blocks in another session`);
  }
  const lapsed = inForce
    .filter((x) => x.inForce?.decision === 'validated' && x.inForce.lapsed)
    .map((x) => ({ block: x.block, validatedOn: x.inForce!.since?.slice(0, 10) ?? null, validUntil: x.inForce!.validUntil!.slice(0, 10) }));
  return [
    {
      type: 'CandidateEnrolled',
      data: {
        candidateId,
        sessionId,
        referentialId: session.referentialId!,
        certificationCode: document.code,
        referentialVersion: context.referential!.version,
        blocks: [...blocks],
        ...(lapsed.length ? { lapsed } : {}),
        ...(vae ? { vaeApplicationId: vae.applicationId } : {}),
      },
    },
  ];
}

function requestAccommodation(command: RequestAccommodation, context: DecisionContext): CandidateEvent[] {
  const { candidateId, accommodations, justification } = command.data;
  if (accommodations.length === 0 || accommodations.length > MAX_ACCOMMODATIONS) {
    throw invalid(`accommodations must list 1 to ${MAX_ACCOMMODATIONS} accommodations`, [{ path: 'accommodations', message: 'length' }]);
  }
  const out = accommodations.map((a, i) => {
    const path = `accommodations.${i}`;
    if (!ACCOMMODATION_TYPES.includes(a.type)) throw invalid(`${path}.type must be one of ${ACCOMMODATION_TYPES.join(', ')}`, [{ path: `${path}.type`, message: 'unknown type' }]);
    if (a.type === 'extra-time') {
      const p = a.extraTimePercent;
      if (p === undefined || !Number.isInteger(p) || p < 1 || p > MAX_EXTRA_TIME_PERCENT) {
        throw invalid(`${path}.extraTimePercent must be an integer from 1 to ${MAX_EXTRA_TIME_PERCENT}`, [{ path: `${path}.extraTimePercent`, message: 'range' }]);
      }
    } else if (a.extraTimePercent !== undefined) {
      throw invalid(`${path}.extraTimePercent applies to extra-time only`, [{ path: `${path}.extraTimePercent`, message: 'not allowed' }]);
    }
    if (a.type === 'other' && !a.details) throw rule('DETAILS_REQUIRED', `${path}: an accommodation of type other must say what it is (details)`);
    return { type: a.type, ...(a.extraTimePercent !== undefined ? { extraTimePercent: a.extraTimePercent } : {}), ...(a.details ? { details: a.details } : {}) };
  });
  if (out.filter((a) => a.type === 'extra-time').length > 1) throw invalid('at most one extra-time accommodation per request', [{ path: 'accommodations', message: 'duplicate extra-time' }]);
  if (!justification) throw rule('JUSTIFICATION_REQUIRED', 'an accommodation request must be justified');
  return [{ type: 'AccommodationRequested', data: { candidateId, requestId: context.newId(), accommodations: out, justification } }];
}

function requestOf(state: CandidateState, requestId: string) {
  const request = state.accommodationRequests[requestId];
  if (!request) throw notFound('accommodation request', requestId);
  return request;
}

function giveOpinion(command: GiveReferentOpinion, state: CandidateState): CandidateEvent[] {
  const { candidateId, requestId, favourable, motivation } = command.data;
  const request = requestOf(state, requestId);
  if (request.decision) throw conflict('ACCOMMODATION_ALREADY_DECIDED', `request ${requestId} was already ${request.status}: the opinion comes before the decision`);
  if (request.opinion) throw conflict('OPINION_ALREADY_GIVEN', `the referent already gave an opinion on request ${requestId}`);
  const sealed = motivationRule(motivation, true, 'the referent opinion')!;
  return [{ type: 'ReferentOpinionGiven', data: { candidateId, requestId, favourable, motivation: sealed } }];
}

function decideAccommodation(command: DecideAccommodation, state: CandidateState): CandidateEvent[] {
  const { candidateId, requestId, granted } = command.data;
  const request = requestOf(state, requestId);
  if (request.decision) throw conflict('ACCOMMODATION_ALREADY_DECIDED', `request ${requestId} was already ${request.status}`);
  const reason = command.data.reason;
  if (!reason) throw rule('REASON_REQUIRED', 'a decision on an accommodation must give its reason');
  if (granted) {
    const over = request.accommodations.find((a) => a.type === 'extra-time' && (a.extraTimePercent ?? 0) > EXTRA_TIME_WITHOUT_OPINION_MAX);
    if (over && !request.opinion?.favourable) {
      throw rule('REFERENT_OPINION_REQUIRED', `extra time of ${over.extraTimePercent}% (more than one third) can only be granted after a favourable referent opinion`);
    }
    return [{ type: 'AccommodationGranted', data: { candidateId, requestId, reason } }];
  }
  return [{ type: 'AccommodationRefused', data: { candidateId, requestId, reason } }];
}

function applyAccommodation(command: ApplyAccommodation, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  const { candidateId, requestId, sessionId } = command.data;
  const request = requestOf(state, requestId);
  const session = openedSession(context.session, sessionId);
  assertAssigned(session, context);
  if (request.status !== 'granted') throw rule('ACCOMMODATION_NOT_GRANTED', `request ${requestId} is ${request.status}: only a granted accommodation is applied`);
  if (!state.enrolments[sessionId]) throw rule('NOT_ENROLLED_IN_SESSION', `candidate ${candidateId} is not enrolled in session ${sessionId}`);
  const evaluation = command.data.evaluation.trim();
  if (!evaluation || evaluation.length > EVALUATION_MAX) throw invalid(`evaluation must be 1 to ${EVALUATION_MAX} characters`, [{ path: 'evaluation', message: 'length' }]);
  const note = command.data.note;
  if (request.applications.some((a) => a.sessionId === sessionId && a.evaluation === evaluation)) {
    throw conflict('ACCOMMODATION_ALREADY_APPLIED', `request ${requestId} is already recorded as applied in ${evaluation} of session ${sessionId}`);
  }
  return [{ type: 'AccommodationApplied', data: { candidateId, requestId, sessionId, evaluation, ...(note ? { note } : {}) } }];
}

function score(command: ScoreCriterion, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  const { candidateId, sessionId, criterion, result } = command.data;
  const session = openedSession(context.session, sessionId);
  assertAssigned(session, context);
  const enrolment = state.enrolments[sessionId];
  if (!enrolment) throw rule('NOT_ENROLLED_IN_SESSION', `candidate ${candidateId} is not enrolled in session ${sessionId}`);
  const document = context.referential?.document;
  if (!document) throw notFound('referential', enrolment.referentialId);
  const located = locateCriterion(document, criterion);
  if (!located || !enrolment.blocks.includes(located.block.code)) {
    throw rule('CRITERION_NOT_IN_ENROLMENT', `criterion ${criterion} is not in a block candidate ${candidateId} is enrolled in for session ${sessionId}`);
  }
  const block = located.block.code;
  if (enrolment.vaeApplicationId) throw rule('VAE_BLOCK_ON_FILE', `block ${block} is enrolled on a VAE file in session ${sessionId}: the jury decides it on the file and the interview, it is not scored`);
  // A deferred block is still before the jury: its scores may be completed or corrected until it is decided.
  const decided = decisionOf(state, sessionId, block);
  if (decided && decided.decision !== 'deferred') throw rule('BLOCK_ALREADY_DECIDED', `the jury has decided block ${block}: only a revision deliberation changes it`);
  const validatedIn = decisionInForce(state.outcome, targetOf(enrolment.referentialId, context.referential!.version, document), block, { at: context.now });
  if (counts(validatedIn) && validatedIn.source.sessionId !== sessionId) {
    throw rule('BLOCK_ALREADY_VALIDATED', `block ${block} was validated in session ${validatedIn.source.sessionId}: it is not evaluated again`);
  }
  if (result !== 'acquired' && result !== 'not-acquired') throw invalid('result must be acquired or not-acquired', [{ path: 'result', message: 'unknown result' }]);
  const comment = command.data.comment ?? undefined;
  const correctionReason = command.data.correctionReason ?? undefined;
  const previous = scoreOf(state, sessionId, criterion);
  if (!previous) {
    if (correctionReason) throw rule('NO_SCORE_TO_CORRECT', `criterion ${criterion} has no score yet in session ${sessionId}: nothing to correct`);
    return [{ type: 'CriterionScored', data: { candidateId, sessionId, block, criterion, result, ...(comment ? { comment } : {}) } }];
  }
  if (!correctionReason) throw rule('CORRECTION_REASON_REQUIRED', `criterion ${criterion} is already scored ${previous.result}: a correction must give its reason`);
  return [
    {
      type: 'CriterionScoreCorrected',
      data: { candidateId, sessionId, block, criterion, result, previousResult: previous.result, correctionReason, ...(comment ? { comment } : {}) },
    },
  ];
}

function recommendNeutralisation(command: RecommendNeutralisation, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  const { candidateId, motivation } = command.data;
  const criteria = [...new Set(command.data.criteria)];
  if (criteria.length === 0 || criteria.length > MAX_CRITERIA) throw invalid(`criteria must list 1 to ${MAX_CRITERIA} criteria`, [{ path: 'criteria', message: 'length' }]);
  const outside = criteria.filter((code) => !Object.values(state.enrolments).some((e) => {
    const document = context.referentials?.[e.referentialId]?.document;
    const located = document && locateCriterion(document, code);
    return !!located && e.blocks.includes(located.block.code);
  }));
  if (outside.length) {
    throw rule('CRITERION_NOT_IN_ENROLMENT', `criterion ${outside.join(', ')} is not in a block candidate ${candidateId} is enrolled in`, { criteria: outside });
  }
  const sealed = motivationRule(motivation, true, 'a neutralisation opinion')!;
  return [{ type: 'NeutralisationRecommended', data: { candidateId, opinionId: context.newId(), criteria, motivation: sealed } }];
}

/**
 * An absence names what was missed: a modality of a block the candidate is
 * enrolled for in that session, or the block when its referential lists no
 * modalities (then the whole block was missed). It is recorded before the
 * jury decides the block (a deferred block is still before the jury), once
 * per modality. The block is then "not evaluated" in that session
 * (session-block.ts), whatever was scored.
 */
function recordAbsence(command: RecordAbsence, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  const { candidateId, sessionId, justified } = command.data;
  const session = openedSession(context.session, sessionId);
  const enrolment = state.enrolments[sessionId];
  if (!enrolment) throw rule('NOT_ENROLLED_IN_SESSION', `candidate ${candidateId} is not enrolled in session ${sessionId}`);
  const document = context.referential?.document;
  if (!document) throw notFound('referential', session.referentialId!);
  const modality = command.data.modality ?? null;
  const named = command.data.block ?? null;
  if ((modality === null) === (named === null)) {
    throw invalid('an absence names either the modality missed or, for a block without modalities, the block', [{ path: modality === null ? 'modality' : 'block', message: 'exactly one of modality and block' }]);
  }
  let block: string;
  if (modality !== null) {
    const owner = document.blocks.find((b) => (b.modalities ?? []).some((m) => m.code === modality));
    if (!owner) throw rule('UNKNOWN_MODALITY', `the referential of session ${sessionId} has no modality ${modality}`);
    block = owner.code;
  } else {
    const found = findBlock(document, named!);
    if (!found) throw rule('UNKNOWN_BLOCK', `the referential of session ${sessionId} has no block ${named}`, { blocks: [named] });
    if ((found.modalities ?? []).length > 0) {
      throw rule('BLOCK_HAS_MODALITIES', `block ${named} is evaluated by ${found.modalities!.map((m) => m.code).join(', ')}: name the modality missed`);
    }
    block = found.code;
  }
  if (!enrolment.blocks.includes(block)) throw rule('BLOCK_NOT_IN_ENROLMENT', `candidate ${candidateId} is not enrolled for block ${block} in session ${sessionId}`);
  const decided = decisionOf(state, sessionId, block);
  if (decided && decided.decision !== 'deferred') throw rule('BLOCK_ALREADY_DECIDED', `the jury has decided block ${block}: only a revision deliberation changes it`);
  if ((state.outcome.absences ?? []).some((a) => a.sessionId === sessionId && a.block === block && a.modality === modality)) {
    throw conflict('ABSENCE_ALREADY_RECORDED', `an absence from ${modality ?? block} is already recorded for candidate ${candidateId} in session ${sessionId}`);
  }
  if (typeof justified !== 'boolean') throw invalid('justified must be true or false', [{ path: 'justified', message: 'boolean' }]);
  const reason = command.data.reason ?? undefined;
  return [{ type: 'CandidateAbsent', data: { candidateId, sessionId, modality, block, justified, ...(reason ? { reason } : {}) } }];
}

/**
 * The ban a jury pronounced that still runs at `now` (the context's clock):
 * the candidate may enrol again from `banUntil` on. The latest-ending one
 * when several run.
 */
export function banInForce(state: CandidateState, now: string): { juryId: string; banUntil: string } | undefined {
  const today = now.slice(0, 10);
  const running = (state.outcome.frauds ?? []).filter((f) => f.outcome === 'ban' && f.banUntil !== null && today < f.banUntil);
  running.sort((a, b) => (a.banUntil! < b.banUntil! ? 1 : -1));
  return running[0] ? { juryId: running[0].juryId, banUntil: running[0].banUntil! } : undefined;
}

/**
 * A suspected fraud is reported by an assessor of the session (or an admin),
 * on blocks the candidate is enrolled for there, before the jury decided
 * them, with a description of what was seen. The jury decides it
 * (jury-decider.ts `DecideFraud`).
 */
function reportFraud(command: ReportFraud, state: CandidateState, context: DecisionContext & CandidateDeps): CandidateEvent[] {
  const { candidateId, sessionId, description } = command.data;
  const session = openedSession(context.session, sessionId);
  assertAssigned(session, context);
  const enrolment = state.enrolments[sessionId];
  if (!enrolment) throw rule('NOT_ENROLLED_IN_SESSION', `candidate ${candidateId} is not enrolled in session ${sessionId}`);
  const blocks = [...new Set(command.data.blocks)];
  if (blocks.length === 0 || blocks.length > MAX_BLOCKS) throw invalid(`blocks must list 1 to ${MAX_BLOCKS} blocks`, [{ path: 'blocks', message: 'length' }]);
  const outside = blocks.filter((b) => !enrolment.blocks.includes(b));
  if (outside.length) throw rule('BLOCK_NOT_IN_ENROLMENT', `candidate ${candidateId} is not enrolled for ${outside.join(', ')} in session ${sessionId}`, { blocks: outside });
  const decided = blocks.filter((b) => {
    const d = decisionOf(state, sessionId, b);
    return d && d.decision !== 'deferred';
  });
  if (decided.length) throw rule('BLOCK_ALREADY_DECIDED', `the jury has decided ${decided.join(', ')}: only a revision deliberation changes it`, { blocks: decided });
  if (!description) throw rule('DESCRIPTION_REQUIRED', 'a fraud report must say what was seen (description)');
  return [{ type: 'FraudReported', data: { candidateId, reportId: context.newId(), sessionId, blocks, description } }];
}

function openedSession(session: SessionState | undefined, sessionId: string): SessionState {
  if (!session?.opened) throw notFound('session', sessionId);
  return session;
}

/** An assessor acts only on the sessions they are assigned to; an admin on any. */
function assertAssigned(session: SessionState, context: DecisionContext): void {
  if (context.actor.role === 'admin') return;
  if (context.actor.role !== 'assessor' || !session.assessors.includes(context.actor.id)) {
    throw forbidden(`${context.actor.id} is not an assessor of session ${session.sessionId}`);
  }
}

export const candidateDecider: Decider<CandidateState, CandidateCommand, CandidateEvent, CandidateDeps> = {
  ...candidateSpec,
  decide: decideCandidate,
};


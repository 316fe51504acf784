import { RecordedEvent, StateSpec } from '../shared/decider';
import { streamName } from '../shared/streams';
import { StoredText } from '../shared/free-text';
import { upcastEvent } from '../shared/upcasters';
import { CriterionResult } from './proposal';
import { Accommodation, AccessRoute, AwardedBlock, BlockDecision, CandidateEvent, SealedData } from './candidate-events';
import { awardsInForce, evolveOutcome, initialOutcome, Outcome, sessionDecision } from './outcome';

/**
 * The candidate's file (docs/events.md, stream `candidate-{id}`): events,
 * state and evolve. Several aggregates write here (the jury's decisions and
 * awards, appeals, erasure), so the state answers what each of them asks.
 */

export * from './candidate-events';

/** By analogy with Code de l'éducation D.613-26: more than one third extra time needs a favourable referent opinion. */
export const EXTRA_TIME_WITHOUT_OPINION_MAX = 33;

export interface Enrolment {
  sessionId: string;
  referentialId: string;
  /** Every block enrolled in that session, in enrolment order. */
  blocks: string[];
  /** Set when the enrolment is on a VAE file: its blocks are decided on the file and the interview. */
  vaeApplicationId?: string;
}

/**
 * A VAE application and where its path stands (docs/paths.md "VAE"):
 * filed, declared admissible or not, its file submitted. The interview is
 * the jury's act and sits in the jury's stream (jury.ts).
 */
export interface VaeApplication {
  applicationId: string;
  referentialId: string;
  certificationCode: string;
  /** The blocks the application seeks. */
  blocks: string[];
  summary: SealedData | null;
  filedAt: string | null;
  admissibility: { admissible: boolean; motivation: SealedData; decidedAt: string | null } | null;
  file: { blocks: string[]; description: SealedData; submittedAt: string | null } | null;
}

export interface CriterionScore {
  sessionId: string;
  block: string;
  criterion: string;
  result: CriterionResult;
  comment?: StoredText;
  /** How many times this score was corrected. */
  corrections: number;
}

export type AccommodationStatus = 'requested' | 'opinion-given' | 'granted' | 'refused';

export interface AccommodationApplication {
  sessionId: string;
  evaluation: string;
  note?: StoredText;
}

export interface AccommodationRequestState {
  requestId: string;
  accommodations: Accommodation[];
  justification: SealedData;
  status: AccommodationStatus;
  opinion: { favourable: boolean; motivation: SealedData } | null;
  decision: { granted: boolean; reason: StoredText } | null;
  applications: AccommodationApplication[];
}

/** A session's decision in force on a block, as the candidate file lists it. */
export interface SessionBlockDecision {
  sessionId: string;
  block: string;
  decision: BlockDecision;
  juryId: string;
  revision: boolean;
}

export interface NeutralisationOpinion {
  opinionId: string;
  criteria: string[];
  motivation: SealedData;
  /** The referent who gave it and when (null where the events were folded without their metadata). */
  givenBy?: string | null;
  givenAt?: string | null;
}

export interface CandidateState {
  candidateId: string | null;
  registered: boolean;
  erased: boolean;
  identity: SealedData | null;
  accessRoute: AccessRoute | null;
  /** By session id. */
  enrolments: Record<string, Enrolment>;
  /** Current score by session id, then criterion code: each session is a new evaluation. */
  scores: Record<string, Record<string, CriterionScore>>;
  /** By request id. */
  accommodationRequests: Record<string, AccommodationRequestState>;
  /** Referent opinions recommending neutralisation, by opinion id. */
  neutralisationOpinions: Record<string, NeutralisationOpinion>;
  /** Decisions, awards and withdrawals: asked through decisionInForce / awardInForce (./outcome.ts). */
  outcome: Outcome;
  /** By appeal id. */
  appeals: Record<string, { appealId: string; juryId: string; reason: StoredText }>;
  /** Decision letters issued, by jury id: the first issue of each (`?? {}` for states kept before letters existed). */
  letters?: Record<string, IssuedLetter>;
  /** VAE applications in the order filed; the last one is the path in progress (currentVaeApplication). */
  vaeApplications: VaeApplication[];
  /** Reported frauds by report id (the jury's decision on each is in `outcome.frauds`; `?? {}` for states stored before). */
  fraudReports: Record<string, FraudReport>;
}

/** A jury's decision letter as first issued to the candidate: the seal it reports and when. */
export interface IssuedLetter {
  juryId: string;
  sealHash: string;
  issuedAt: string;
}

export interface FraudReport {
  reportId: string;
  sessionId: string;
  blocks: string[];
  description: SealedData;
  reportedBy: string | null;
  reportedAt: string | null;
}

export const initialCandidateState = (): CandidateState => ({
  candidateId: null,
  registered: false,
  erased: false,
  identity: null,
  accessRoute: null,
  enrolments: {},
  scores: {},
  accommodationRequests: {},
  neutralisationOpinions: {},
  outcome: initialOutcome(),
  appeals: {},
  letters: {},
  vaeApplications: [],
  fraudReports: {},
});

/**
 * The candidate stream's upcast: an event stored at an earlier schema version
 * is brought to the current shape (shared/upcasters.ts). The fold applies it
 * to every event, so every reader of the stream (deciders, the jury's views,
 * the progress projection, the credential issuer, the exports) sees the same
 * shapes.
 */
export const upcastCandidateEvent = (event: RecordedEvent): CandidateEvent => upcastEvent(event) as CandidateEvent;

/** THE fold of the candidate stream: every reader of `candidate-{id}` goes through it (or through `candidateSpec`). */
export function evolveCandidate(previous: CandidateState, raw: RecordedEvent): CandidateState {
  const event = upcastCandidateEvent(raw);
  const outcome = evolveOutcome(previous.outcome, event);
  const state = outcome === previous.outcome ? previous : { ...previous, outcome };
  switch (event.type) {
    case 'CandidateRegistered':
      return { ...state, candidateId: event.data.candidateId, registered: true, identity: event.data.identity, accessRoute: event.data.accessRoute };
    case 'CandidateEnrolled': {
      const { sessionId, referentialId, blocks, vaeApplicationId } = event.data;
      const existing = state.enrolments[sessionId];
      const merged = existing ? [...existing.blocks, ...blocks.filter((b) => !existing.blocks.includes(b))] : [...blocks];
      const vae = vaeApplicationId ?? existing?.vaeApplicationId;
      const enrolment: Enrolment = vae ? { sessionId, referentialId, blocks: merged, vaeApplicationId: vae } : { sessionId, referentialId, blocks: merged };
      return { ...state, enrolments: { ...state.enrolments, [sessionId]: enrolment } };
    }
    case 'AccommodationRequested': {
      const { requestId, accommodations, justification } = event.data;
      const request: AccommodationRequestState = { requestId, accommodations, justification, status: 'requested', opinion: null, decision: null, applications: [] };
      return { ...state, accommodationRequests: { ...state.accommodationRequests, [requestId]: request } };
    }
    case 'ReferentOpinionGiven':
      return updateRequest(state, event.data.requestId, (r) => ({ ...r, status: 'opinion-given', opinion: { favourable: event.data.favourable, motivation: event.data.motivation } }));
    case 'AccommodationGranted':
      return updateRequest(state, event.data.requestId, (r) => ({ ...r, status: 'granted', decision: { granted: true, reason: event.data.reason } }));
    case 'AccommodationRefused':
      return updateRequest(state, event.data.requestId, (r) => ({ ...r, status: 'refused', decision: { granted: false, reason: event.data.reason } }));
    case 'AccommodationApplied': {
      const { sessionId, evaluation, note } = event.data;
      const application: AccommodationApplication = note === undefined ? { sessionId, evaluation } : { sessionId, evaluation, note };
      return updateRequest(state, event.data.requestId, (r) => ({ ...r, applications: [...r.applications, application] }));
    }
    case 'CriterionScored':
    case 'CriterionScoreCorrected': {
      const { sessionId, block, criterion, result, comment } = event.data;
      const previous = state.scores[sessionId]?.[criterion];
      const score: CriterionScore = {
        sessionId,
        block,
        criterion,
        result,
        ...(comment !== undefined ? { comment } : {}),
        corrections: (previous?.corrections ?? 0) + (event.type === 'CriterionScoreCorrected' ? 1 : 0),
      };
      return { ...state, scores: { ...state.scores, [sessionId]: { ...state.scores[sessionId], [criterion]: score } } };
    }
    case 'NeutralisationRecommended':
      return {
        ...state,
        neutralisationOpinions: {
          ...state.neutralisationOpinions,
          [event.data.opinionId]: {
            opinionId: event.data.opinionId,
            criteria: [...event.data.criteria],
            motivation: event.data.motivation,
            givenBy: event.metadata?.actor?.id ?? null,
            givenAt: event.recordedAt ?? null,
          },
        },
      };
    case 'FraudReported': {
      const { reportId, sessionId, blocks, description } = event.data;
      const report: FraudReport = { reportId, sessionId, blocks: [...blocks], description, reportedBy: event.metadata?.actor?.id ?? null, reportedAt: event.recordedAt ?? null };
      return { ...state, fraudReports: { ...(state.fraudReports ?? {}), [reportId]: report } };
    }
    case 'CandidateAbsent':
    case 'FraudDecisionRecorded':
    case 'BlockDecisionRecorded':
    case 'CertificationAwarded':
    case 'CertificationWithdrawn':
      return state; // folded into `outcome` above
    case 'AppealLodged': {
      const { appealId, juryId, reason } = event.data;
      return { ...state, appeals: { ...state.appeals, [appealId]: { appealId, juryId, reason } } };
    }
    case 'DecisionLetterIssued': {
      const { juryId, sealHash, issuedAt } = event.data;
      // The first issue stands: the appeal deadline runs from it, whatever is sent again later.
      if (state.letters?.[juryId]) return state;
      return { ...state, letters: { ...state.letters, [juryId]: { juryId, sealHash, issuedAt } } };
    }
    case 'VaeApplicationFiled': {
      const { applicationId, referentialId, certificationCode, blocks, summary } = event.data;
      const application: VaeApplication = { applicationId, referentialId, certificationCode, blocks: [...blocks], summary: summary ?? null, filedAt: event.recordedAt ?? null, admissibility: null, file: null };
      return { ...state, vaeApplications: [...(state.vaeApplications ?? []), application] };
    }
    case 'VaeAdmissibilityDecided':
      return updateVae(state, event.data.applicationId, (a) => ({ ...a, admissibility: { admissible: event.data.admissible, motivation: event.data.motivation, decidedAt: event.recordedAt ?? null } }));
    case 'VaeFileSubmitted':
      return updateVae(state, event.data.applicationId, (a) => ({ ...a, file: { blocks: [...event.data.blocks], description: event.data.file, submittedAt: event.recordedAt ?? null } }));
    case 'CandidatePersonalDataErased':
      return { ...state, erased: true };
    default:
      return state; // an event of a later schema this code does not know yet leaves the state as is
  }
}

function updateRequest(state: CandidateState, requestId: string, change: (r: AccommodationRequestState) => AccommodationRequestState): CandidateState {
  const request = state.accommodationRequests[requestId];
  if (!request) return state;
  return { ...state, accommodationRequests: { ...state.accommodationRequests, [requestId]: change(request) } };
}

function updateVae(state: CandidateState, applicationId: string, change: (a: VaeApplication) => VaeApplication): CandidateState {
  const applications = state.vaeApplications ?? [];
  if (!applications.some((a) => a.applicationId === applicationId)) return state;
  return { ...state, vaeApplications: applications.map((a) => (a.applicationId === applicationId ? change(a) : a)) };
}

export const candidateSpec: StateSpec<CandidateState> = {
  initialState: initialCandidateState,
  evolve: evolveCandidate,
};

export const candidateStream = (id: string) => streamName('candidate', id);

// Questions other aggregates and read models ask of the file.

export function isEnrolledIn(state: CandidateState, sessionId: string, block?: string): boolean {
  const enrolment = state.enrolments[sessionId];
  return !!enrolment && (block === undefined || enrolment.blocks.includes(block));
}

/** The current score of a criterion in a session, or undefined. */
export function scoreOf(state: CandidateState, sessionId: string, criterion: string): CriterionScore | undefined {
  return state.scores[sessionId]?.[criterion];
}

/** Criterion → result for one block in one session: the input of `proposeBlock`. */
export function blockScores(state: CandidateState, sessionId: string, block: string): Map<string, CriterionResult> {
  const out = new Map<string, CriterionResult>();
  for (const score of Object.values(state.scores[sessionId] ?? {})) if (score.block === block) out.set(score.criterion, score.result);
  return out;
}

/** The decision in force in a session for a block (outcome.ts's sessionDecision). */
export function decisionOf(state: CandidateState, sessionId: string, block: string): SessionBlockDecision | undefined {
  const d = sessionDecision(state.outcome, sessionId, block)?.source;
  return d && { sessionId: d.sessionId, block: d.block, decision: d.decision, juryId: d.juryId, revision: d.revision };
}

/** Every session's decision in force, per block (what the candidate file lists). */
export function decisionsInForce(state: CandidateState): SessionBlockDecision[] {
  const keys = [...new Set(state.outcome.decisions.map((d) => `${d.sessionId}\u0000${d.block}`))];
  return keys.map((k) => {
    const [sessionId, block] = k.split('\u0000');
    return decisionOf(state, sessionId, block)!;
  });
}

/** Capitalised blocks as (certification, block): a session's decision in force is validated. */
export function validatedBlocksOf(state: CandidateState): Array<{ certificationCode: string | null; block: string; sessionId: string; juryId: string }> {
  const out: Array<{ certificationCode: string | null; block: string; sessionId: string; juryId: string }> = [];
  for (const d of decisionsInForce(state)) {
    if (d.decision !== 'validated') continue;
    const session = state.outcome.sessions[d.sessionId];
    out.push({ certificationCode: session?.certificationCode ?? null, block: d.block, sessionId: d.sessionId, juryId: d.juryId });
  }
  return out;
}

/** Certifications awarded and not withdrawn. */
export function certificationsOf(state: CandidateState) {
  return awardsInForce(state.outcome).map((a) => ({ certificationCode: a.certificationCode, referentialId: a.referentialId, juryId: a.juryId, awardedOn: a.awardedOn, blocks: a.blocks }));
}

/** Every criterion the referent named for neutralisation, with the opinions naming it. */
export function opinionsNaming(state: CandidateState, criterion: string): string[] {
  return Object.values(state.neutralisationOpinions)
    .filter((o) => o.criteria.includes(criterion))
    .map((o) => o.opinionId);
}

/** The accommodations granted to the candidate (what a jury record shows). */
export function grantedRequests(state: CandidateState): AccommodationRequestState[] {
  return Object.values(state.accommodationRequests).filter((r) => r.status === 'granted');
}

/** The VAE path in progress: the latest application (an earlier one was declared not admissible), or null. */
export function currentVaeApplication(state: Pick<CandidateState, 'vaeApplications'>): VaeApplication | null {
  const applications = state.vaeApplications ?? [];
  return applications.length ? applications[applications.length - 1] : null;
}

/** The VAE application a session's enrolment is on, or null for an enrolment evaluated by scores. */
export function vaeApplicationOf(state: Pick<CandidateState, 'vaeApplications' | 'enrolments'>, sessionId: string): VaeApplication | null {
  const id = state.enrolments[sessionId]?.vaeApplicationId;
  return id ? (state.vaeApplications ?? []).find((a) => a.applicationId === id) ?? null : null;
}

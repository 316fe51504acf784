import { CandidateState, FraudReport, NeutralisationOpinion, VaeApplication } from '../candidate/candidate';
import { CriterionResult } from '../candidate/proposal';
import { Outcome } from '../candidate/outcome';
import { SessionState } from '../session/session';
import { SealedText, StoredText } from '../shared/free-text';

/**
 * What the jury's record shows of a candidate's file and of a session. Not a
 * fold of their own: each view is read off the state the stream's one fold
 * gives (`candidateSpec` in candidate/candidate.ts, `sessionSpec` in
 * session/session.ts), so the record, the deciders and the read models never
 * disagree on what a stream says.
 */

/** Personal data as stored in events (the one sealed shape, shared/free-text.ts); the domain never opens it. */
export type SealedValue = SealedText;

export type { NeutralisationOpinion };

export interface AccommodationView {
  requestId: string;
  types: string[];
  extraTimePercent: number | null;
  status: 'requested' | 'granted' | 'refused';
  reason: StoredText | null;
  applied: Array<{ sessionId: string; evaluation: string; note: StoredText | null }>;
}

export interface CandidateView {
  candidateId: string | null;
  identity: SealedValue | null;
  erased: boolean;
  /** By session id: the blocks the candidate is enrolled for in that session. */
  enrolments: Record<string, { referentialId: string; blocks: string[]; vaeApplicationId?: string }>;
  /** By session id then criterion code: the latest result (a correction replaces the score). */
  scores: Record<string, Record<string, CriterionResult>>;
  opinions: Record<string, NeutralisationOpinion>;
  /** Decisions, awards and withdrawals: asked through decisionInForce and awardInForce (candidate/outcome.ts). */
  outcome: Outcome;
  appeals: Array<{ appealId: string; juryId: string; reason: StoredText }>;
  accommodations: AccommodationView[];
  /** VAE applications in the order filed (absent from views built before the VAE path). */
  vaeApplications?: VaeApplication[];
  /** Frauds reported against the candidate, in report order (`?? []` for views built before). */
  fraudReports: FraudReport[];
}

/** The jury's view of a candidate's file, read off the candidate fold's state. */
export function candidateView(state: CandidateState): CandidateView {
  const mapValues = <A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));
  return {
    candidateId: state.candidateId,
    identity: state.identity ?? null,
    erased: state.erased,
    enrolments: mapValues(state.enrolments, (e) => (e.vaeApplicationId ? { referentialId: e.referentialId, blocks: e.blocks, vaeApplicationId: e.vaeApplicationId } : { referentialId: e.referentialId, blocks: e.blocks })),
    scores: mapValues(state.scores, (byCriterion) => mapValues(byCriterion, (s) => s.result)),
    opinions: state.neutralisationOpinions,
    outcome: state.outcome,
    appeals: Object.values(state.appeals),
    accommodations: Object.values(state.accommodationRequests).map((r) => ({
      requestId: r.requestId,
      types: r.accommodations.map((a) => a.type),
      extraTimePercent: r.accommodations.find((a) => typeof a.extraTimePercent === 'number')?.extraTimePercent ?? null,
      // A referent's opinion does not decide: the request stays 'requested' until granted or refused.
      status: r.status === 'granted' || r.status === 'refused' ? r.status : 'requested',
      reason: r.decision?.reason ?? null,
      applied: r.applications.map((a) => ({ sessionId: a.sessionId, evaluation: a.evaluation, note: a.note ?? null })),
    })),
    vaeApplications: state.vaeApplications ?? [],
    fraudReports: Object.values(state.fraudReports ?? {}),
  };
}

export interface SessionView {
  sessionId: string | null;
  referentialId: string | null;
  title: string | null;
  startsOn: string | null;
  endsOn: string | null;
}

/** The session as the jury's record shows it, read off the session fold's state. */
export function sessionView(state: SessionState): SessionView {
  return { sessionId: state.sessionId, referentialId: state.referentialId, title: state.title, startsOn: state.startsOn, endsOn: state.endsOn };
}

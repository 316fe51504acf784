import { RecordedEvent, StateSpec } from '../shared/decider';
import { CriterionResult } from '../candidate/proposal';
import { evolveOutcome, initialOutcome, Outcome } from '../candidate/outcome';
import { SealedText, StoredText } from '../shared/free-text';

/**
 * What the jury needs to know of a candidate's file and of a session, folded
 * straight from their streams as docs/events.md defines them. The jury keeps
 * its own narrow view rather than the candidate aggregate's full state so the
 * deliberation depends on the event contract only.
 */

/** Personal data as stored in events (the one sealed shape, shared/free-text.ts); the domain never opens it. */
export type SealedValue = SealedText;

export interface NeutralisationOpinion {
  opinionId: string;
  criteria: string[];
  motivation: SealedValue;
  /** The referent who gave it and when (null where the events were folded without their metadata). */
  givenBy?: string | null;
  givenAt?: string | null;
}

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
  enrolments: Record<string, { referentialId: string; blocks: string[] }>;
  /** By session id then criterion code: the latest result (a correction replaces the score). */
  scores: Record<string, Record<string, CriterionResult>>;
  opinions: Record<string, NeutralisationOpinion>;
  /** Decisions, awards and withdrawals: asked through decisionInForce and awardInForce (candidate/outcome.ts). */
  outcome: Outcome;
  appeals: Array<{ appealId: string; juryId: string; reason: StoredText }>;
  accommodations: AccommodationView[];
}

export const candidateViewStream = (candidateId: string) => `candidate-${candidateId}`;

function evolveCandidateView(previous: CandidateView, event: RecordedEvent): CandidateView {
  const d = event.data as any;
  const outcome = evolveOutcome(previous.outcome, event);
  const state = outcome === previous.outcome ? previous : { ...previous, outcome };
  switch (event.type) {
    case 'CandidateRegistered':
      return { ...state, candidateId: d.candidateId, identity: d.identity ?? null };
    case 'CandidateEnrolled': {
      const existing = state.enrolments[d.sessionId]?.blocks ?? [];
      const blocks = [...existing, ...(d.blocks as string[]).filter((b) => !existing.includes(b))];
      return { ...state, enrolments: { ...state.enrolments, [d.sessionId]: { referentialId: d.referentialId, blocks } } };
    }
    case 'CriterionScored':
    case 'CriterionScoreCorrected':
      return { ...state, scores: { ...state.scores, [d.sessionId]: { ...(state.scores[d.sessionId] ?? {}), [d.criterion]: d.result } } };
    case 'NeutralisationRecommended':
      return {
        ...state,
        opinions: {
          ...state.opinions,
          [d.opinionId]: { opinionId: d.opinionId, criteria: [...d.criteria], motivation: d.motivation, givenBy: event.metadata?.actor?.id ?? null, givenAt: event.recordedAt ?? null },
        },
      };
    case 'AppealLodged':
      return { ...state, appeals: [...state.appeals, { appealId: d.appealId, juryId: d.juryId, reason: d.reason }] };
    case 'CandidatePersonalDataErased':
      return { ...state, erased: true };
    case 'AccommodationRequested': {
      const list: Array<{ type: string; extraTimePercent?: number }> = Array.isArray(d.accommodations) ? d.accommodations : [];
      const extra = list.find((a) => typeof a.extraTimePercent === 'number')?.extraTimePercent ?? null;
      const entry: AccommodationView = { requestId: d.requestId, types: list.map((a) => a.type), extraTimePercent: extra, status: 'requested', reason: null, applied: [] };
      return { ...state, accommodations: [...state.accommodations, entry] };
    }
    case 'AccommodationGranted':
    case 'AccommodationRefused':
      return {
        ...state,
        accommodations: state.accommodations.map((a) =>
          a.requestId === d.requestId ? { ...a, status: event.type === 'AccommodationGranted' ? 'granted' : 'refused', reason: d.reason ?? null } : a,
        ),
      };
    case 'AccommodationApplied':
      return {
        ...state,
        accommodations: state.accommodations.map((a) =>
          a.requestId === d.requestId ? { ...a, applied: [...a.applied, { sessionId: d.sessionId, evaluation: d.evaluation, note: d.note ?? null }] } : a,
        ),
      };
    default:
      return state;
  }
}

export const candidateViewSpec: StateSpec<CandidateView, RecordedEvent> = {
  initialState: () => ({
    candidateId: null,
    identity: null,
    erased: false,
    enrolments: {},
    scores: {},
    opinions: {},
    outcome: initialOutcome(),
    appeals: [],
    accommodations: [],
  }),
  evolve: evolveCandidateView,
};

export interface SessionView {
  sessionId: string | null;
  referentialId: string | null;
  title: string | null;
  startsOn: string | null;
  endsOn: string | null;
}

export const sessionViewStream = (sessionId: string) => `session-${sessionId}`;

export const sessionViewSpec: StateSpec<SessionView, RecordedEvent> = {
  initialState: () => ({ sessionId: null, referentialId: null, title: null, startsOn: null, endsOn: null }),
  evolve(state, event) {
    if (event.type !== 'SessionOpened') return state;
    const d = event.data as any;
    return { sessionId: d.sessionId, referentialId: d.referentialId, title: d.title, startsOn: d.startsOn, endsOn: d.endsOn };
  },
};

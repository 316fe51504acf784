import { CandidateEvent, candidateSpec, CandidateState, initialCandidateState } from '../candidate/candidate';
import { Decider, DecisionContext, RecordedEvent } from '../shared/decider';
import { conflict, invalid, notFound, rule } from '../shared/errors';

/**
 * Erasure of a candidate's personal data (crypto-shredding): the decision and
 * its audit event. Records are kept for a legal retention period, so erasing
 * before it ends is allowed only with an explicit override, and the event says
 * so. The period runs from the candidate file's last event: the file is alive
 * (enrolments, scores, decisions, appeals) until then.
 */
export type EraseCandidatePersonalData = { type: 'EraseCandidatePersonalData'; data: { candidateId: string; reason: string; overrideRetention: boolean } };

/** What erasure reads besides the candidate's stream: the retention period, from configuration (RETENTION_YEARS). */
export interface ErasureDeps {
  retentionYears?: number;
}

export interface ErasureState {
  candidate: CandidateState;
  /** recordedAt of the file's latest event. */
  lastActivityAt: string | null;
}

export type CandidatePersonalDataErased = Extract<CandidateEvent, { type: 'CandidatePersonalDataErased' }>;

export const REASON_MAX_LENGTH = 1000;

/** The end of the retention period: `years` calendar years after `from` (UTC). */
export function retentionEnd(from: string, years: number): string {
  const d = new Date(from);
  return new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())).toISOString();
}

/** The candidate's file folded with the candidate stream's one fold, and when it last changed. */
export const erasureDecider: Decider<ErasureState, EraseCandidatePersonalData, CandidatePersonalDataErased, ErasureDeps> = {
  initialState: () => ({ candidate: initialCandidateState(), lastActivityAt: null }),
  evolve: (state: ErasureState, event: RecordedEvent): ErasureState => ({
    candidate: candidateSpec.evolve(state.candidate, event),
    lastActivityAt: event.recordedAt ?? state.lastActivityAt,
  }),
  decide(command: EraseCandidatePersonalData, state: ErasureState, context: DecisionContext & ErasureDeps): CandidatePersonalDataErased[] {
    const { candidateId, overrideRetention } = command.data;
    if (context.retentionYears === undefined) throw new Error('the handler did not give the retention period');
    if (!state.candidate.registered) throw notFound('candidate', candidateId);
    if (state.candidate.erased) throw conflict('PERSONAL_DATA_ALREADY_ERASED', `the personal data of candidate ${candidateId} was already erased`);
    const reason = command.data.reason.trim();
    if (reason.length === 0 || reason.length > REASON_MAX_LENGTH) throw invalid(`reason is required (1 to ${REASON_MAX_LENGTH} characters)`, [{ path: 'reason', message: 'required' }]);
    const ends = retentionEnd(state.lastActivityAt ?? context.now, context.retentionYears);
    const beforeRetentionEnd = context.now < ends;
    if (beforeRetentionEnd && !overrideRetention) {
      throw rule('RETENTION_PERIOD_NOT_OVER', `the retention period of this file runs until ${ends}: erasing before needs "overrideRetention": true`, { retentionEndsAt: ends });
    }
    return [{ type: 'CandidatePersonalDataErased', data: { candidateId, reason, beforeRetentionEnd } }];
  },
};

import { candidateSpec, CandidateState, initialCandidateState } from '../candidate/candidate';
import { DecisionContext, DomainEvent, RecordedEvent } from '../shared/decider';
import { conflict, invalid, notFound, rule } from '../shared/errors';
import type { Decider } from '../shared/decider';

/**
 * Erasure of a candidate's personal data (crypto-shredding): the decision and
 * its audit event. Records are kept for a legal retention period, so erasing
 * before it ends is allowed only with an explicit override, and the event says
 * so. The period runs from the candidate file's last event: the file is alive
 * (enrolments, scores, decisions, appeals) until then.
 */
export interface EraseCandidatePersonalData {
  type: 'EraseCandidatePersonalData';
  candidateId: string;
  reason: string;
  overrideRetention: boolean;
  /** From configuration (RETENTION_YEARS). */
  retentionYears: number;
}

export interface ErasureState {
  candidate: CandidateState;
  /** recordedAt of the file's latest event. */
  lastActivityAt: string | null;
}

export type CandidatePersonalDataErased = DomainEvent<'CandidatePersonalDataErased', { candidateId: string; reason: string; beforeRetentionEnd: boolean }>;

export const REASON_MAX_LENGTH = 1000;

/** The end of the retention period: `years` calendar years after `from` (UTC). */
export function retentionEnd(from: string, years: number): string {
  const d = new Date(from);
  return new Date(Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())).toISOString();
}

export const erasureDecider: Decider<ErasureState, EraseCandidatePersonalData> = {
  initialState: () => ({ candidate: initialCandidateState(), lastActivityAt: null }),
  evolve: (state: ErasureState, event: RecordedEvent): ErasureState => ({
    candidate: candidateSpec.evolve(state.candidate, event),
    lastActivityAt: event.recordedAt ?? state.lastActivityAt,
  }),
  decide(command: EraseCandidatePersonalData, state: ErasureState, context: DecisionContext): CandidatePersonalDataErased[] {
    if (!state.candidate.registered) throw notFound('candidate', command.candidateId);
    if (state.candidate.erased) throw conflict('PERSONAL_DATA_ALREADY_ERASED', `the personal data of candidate ${command.candidateId} was already erased`);
    const reason = command.reason.trim();
    if (reason.length === 0 || reason.length > REASON_MAX_LENGTH) throw invalid(`reason is required (1 to ${REASON_MAX_LENGTH} characters)`, [{ path: 'reason', problems: ['required'] }]);
    const ends = retentionEnd(state.lastActivityAt ?? context.now, command.retentionYears);
    const beforeRetentionEnd = context.now < ends;
    if (beforeRetentionEnd && !command.overrideRetention) {
      throw rule('RETENTION_PERIOD_NOT_OVER', `the retention period of this file runs until ${ends}: erasing before needs "overrideRetention": true`, { retentionEndsAt: ends });
    }
    return [{ type: 'CandidatePersonalDataErased', data: { candidateId: command.candidateId, reason, beforeRetentionEnd } }];
  },
};

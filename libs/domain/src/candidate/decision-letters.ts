import { Decider, DecisionContext } from '../shared/decider';
import { conflict, notFound, rule } from '../shared/errors';
import { JuryState, recordIsFinal } from '../jury/jury';
import { CandidateEvent, candidateSpec, CandidateState, IssuedLetter } from './candidate';

/**
 * Decision letters (docs/paths.md "Decision letters"): the certifier notifies
 * each candidate of the jury's decisions, with the routes of appeal. The
 * letter is issued once the record is final (sealed, and approved by the
 * president where RECORD_APPROVAL_REQUIRED), and its FIRST issue is recorded
 * in the candidate's file: the two months of the recours gracieux run from
 * the notification, and the issue date is the earliest the notification can be.
 * Issuing it again records nothing (the first issue stands).
 */

/** How long the candidate has to lodge a recours gracieux, counted from the notification. */
export const APPEAL_MONTHS = 2;

export type IssueDecisionLetter = { type: 'IssueDecisionLetter'; data: { candidateId: string; juryId: string } };
export type DecisionLetterIssued = Extract<CandidateEvent, { type: 'DecisionLetterIssued' }>;

/** What issuing reads besides the candidate's file: the jury whose decisions the letter notifies. */
export interface LetterDeps {
  jury?: JuryState;
  /** RECORD_APPROVAL_REQUIRED: the letter waits for the president's approval of the sealed record (default true). */
  approvalRequired?: boolean;
}

export function decideLetter(command: IssueDecisionLetter, candidate: CandidateState, context: DecisionContext & LetterDeps): DecisionLetterIssued[] {
  const { candidateId, juryId } = command.data;
  const jury = context.jury;
  if (!jury || jury.status === 'none') throw notFound('jury', juryId);
  if (!candidate.registered) throw notFound('candidate', candidateId);
  requireFinalRecord(jury, juryId, context.approvalRequired ?? true);
  if (!jury.decisions.some((d) => d.candidateId === candidateId)) throw rule('NOT_DECIDED_BY_JURY', `jury ${juryId} decided nothing for candidate ${candidateId}`);
  if (letterOf(candidate, juryId)) return [];
  return [{ type: 'DecisionLetterIssued', data: { candidateId, juryId, sealHash: jury.seal!.sealHash, issuedAt: context.now } }];
}

/** Letters notify final decisions only: 409 RECORD_NOT_FINAL before the record is sealed (and approved where required). */
export function requireFinalRecord(jury: JuryState, juryId: string, approvalRequired: boolean): void {
  if (recordIsFinal(jury, approvalRequired)) return;
  throw conflict(
    'RECORD_NOT_FINAL',
    jury.status === 'closed'
      ? `the record of jury ${juryId} awaits the president's approval: its decision letters are issued once it is final`
      : `jury ${juryId} has not closed and sealed its deliberation: its decision letters are issued once the record is final`,
  );
}

/** The letter is decided on the candidate's file, folded with the candidate stream's one fold. */
export const letterDecider: Decider<CandidateState, IssueDecisionLetter, DecisionLetterIssued, LetterDeps> = { ...candidateSpec, decide: decideLetter };

/** The jury's letter as first issued to the candidate, if it was. */
export function letterOf(candidate: Pick<CandidateState, 'letters'>, juryId: string): IssuedLetter | undefined {
  return candidate.letters?.[juryId];
}

const PARIS_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day an instant falls on in Paris (the certifier's legal time), YYYY-MM-DD. */
export function parisDay(iso: string): string {
  return PARIS_DAY.format(new Date(iso));
}

/**
 * The last day of the recours gracieux for a letter notified on the day of
 * `issuedAt` (Paris): the same day number two months later, or the last day
 * of that month when it has none (31 December → 28 or 29 February). A letter
 * received later gives the candidate more time: this is the earliest end.
 */
export function appealDeadline(issuedAt: string, months = APPEAL_MONTHS): string {
  const [y, m, d] = parisDay(issuedAt).split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, lastDay));
  return first.toISOString().slice(0, 10);
}

import { CriterionDoc, ValidationRuleName } from '../referential/referential';
import { Outcome } from './outcome';
import { BlockProposal, BlockScores, NeutralisedCriteria, proposeBlock } from './proposal';

/**
 * A block as it stands in one session of a candidate's file: its attempt
 * number and its proposal, with what can make it "not evaluated" there. Every
 * view that shows a block of a session (progress, the deliberation sheet, the
 * jury's record and PV) and the jury's decider ask these two functions, so
 * they never disagree on either.
 */

/**
 * Why a block was not evaluated in a session: the jury annulled its
 * evaluation for fraud (an annulment or a ban), or the candidate was absent
 * from one of its modalities (justified or not). The annulment outweighs an
 * absence, and an unjustified absence a justified one on another modality of
 * the same block.
 */
export type NotEvaluated = 'evaluation-annulled' | 'absence-justified' | 'absence-unjustified';
export const NOT_EVALUATED: readonly NotEvaluated[] = ['evaluation-annulled', 'absence-justified', 'absence-unjustified'];

/** How the record (PV, sheet) words a block not evaluated, in French as the PV is written. */
export const NOT_EVALUATED_WORDING: Readonly<Record<NotEvaluated, string>> = {
  'evaluation-annulled': 'non évalué — évaluation annulée pour fraude',
  'absence-justified': 'non évalué — absence justifiée',
  'absence-unjustified': 'non évalué — absence non justifiée',
};

/** THE override of a session's block: what makes it not evaluated there, or null. */

export function notEvaluatedOf(outcome: Outcome, sessionId: string, block: string): NotEvaluated | null {
  if ((outcome.frauds ?? []).some((f) => f.sessionId === sessionId && f.outcome !== 'none' && f.blocks.includes(block))) return 'evaluation-annulled';
  const absences = (outcome.absences ?? []).filter((a) => a.sessionId === sessionId && a.block === block);
  if (absences.length === 0) return null;
  return absences.some((a) => !a.justified) ? 'absence-unjustified' : 'absence-justified';
}

export interface SessionBlockProposal extends BlockProposal {
  notEvaluated: NotEvaluated | null;
}

/**
 * THE proposal of a block in a session: the referential's rule over that
 * session's scores (proposeBlock), overridden to `not-evaluated` when the
 * block was not evaluated there. The criteria counts stay those of the scores,
 * so a view still shows what was scored before the absence.
 */
export function proposeSessionBlock(
  rule: ValidationRuleName,
  criteria: readonly CriterionDoc[],
  scores: BlockScores,
  neutralised: NeutralisedCriteria,
  outcome: Outcome,
  sessionId: string,
  block: string,
): SessionBlockProposal {
  const computed = proposeBlock(rule, criteria, scores, neutralised);
  const notEvaluated = notEvaluatedOf(outcome, sessionId, block);
  return notEvaluated ? { ...computed, proposal: 'not-evaluated', notEvaluated } : { ...computed, notEvaluated: null };
}

/**
 * THE attempt number of a block in a session: 1 for the first session in
 * which the candidate was enrolled for that block of that certification,
 * counting sessions in enrolment order. A session where the candidate was
 * absent from the block with every absence justified does not count: the
 * next session is the same attempt again. An evaluation annulled for fraud
 * counts. The certification is the one the
 * enrolment pinned (its code; the referential id where an old enrolment did
 * not say), so a BC02 of another certification is another block. Undefined
 * when the candidate is not enrolled for that block in that session.
 */
export function attemptOf(outcome: Outcome, sessionId: string, block: string): number | undefined {
  const certificationOf = (id: string) => {
    const pinned = outcome.sessions[id];
    return pinned ? pinned.certificationCode ?? `referential:${pinned.referentialId}` : `session:${id}`;
  };
  const certification = certificationOf(sessionId);
  const sameBlock = (outcome.enrolled ?? []).filter((e) => e.block === block && certificationOf(e.sessionId) === certification);
  const at = sameBlock.findIndex((e) => e.sessionId === sessionId);
  if (at < 0) return undefined;
  const counting = sameBlock.slice(0, at).filter((e) => notEvaluatedOf(outcome, e.sessionId, block) !== 'absence-justified');
  return counting.length + 1;
}

import { assertNever } from '../shared/errors';
import { CriterionDoc, ValidationRuleName } from '../referential/referential';

export type CriterionResult = 'acquired' | 'not-acquired';
/**
 * `not-evaluated` ("non évalué") is never computed from scores: it is the
 * override of a block the candidate could not be evaluated on in a session
 * (an absence, an annulled evaluation), applied by `proposeSessionBlock`
 * (session-block.ts). It is not "not acquired".
 */
export type Proposal = 'incomplete' | 'acquired' | 'not-acquired' | 'not-evaluated';
export const PROPOSALS: readonly Proposal[] = ['incomplete', 'acquired', 'not-acquired', 'not-evaluated'];

export interface BlockProposal {
  proposal: Proposal;
  criteria: {
    /** Every criterion of the block. */
    total: number;
    /** Non-neutralised criteria that have a score. */
    scored: number;
    /** Non-neutralised criteria scored acquired. */
    acquired: number;
    /** Criteria neutralised by the jury: out of the result, never silently dropped. */
    neutralised: number;
  };
  /** Non-neutralised criteria still without a score. */
  unscored: string[];
}

/**
 * The block proposal computed from the scores, under the referential's named
 * rule. 'all-criteria': acquired when every non-neutralised criterion is
 * acquired; not acquired when all are scored and one is not; incomplete otherwise.
 */
export function proposeBlock(
  rule: ValidationRuleName,
  criteria: readonly CriterionDoc[],
  scores: ReadonlyMap<string, CriterionResult>,
  neutralised: ReadonlySet<string>,
): BlockProposal {
  const counted = criteria.filter((c) => !neutralised.has(c.code));
  const unscored = counted.filter((c) => !scores.has(c.code)).map((c) => c.code);
  const acquired = counted.filter((c) => scores.get(c.code) === 'acquired').length;
  const scored = counted.length - unscored.length;
  const totals = { total: criteria.length, scored, acquired, neutralised: criteria.length - counted.length };
  switch (rule) {
    case 'all-criteria': {
      let proposal: Proposal;
      if (unscored.length > 0) proposal = 'incomplete';
      else if (acquired === counted.length) proposal = 'acquired';
      else proposal = 'not-acquired';
      return { proposal, criteria: totals, unscored };
    }
    default:
      return assertNever(rule, 'validation rule');
  }
}

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
 * A block's scores by criterion code: a Map, or the plain record a fold keeps
 * (read as it is: a view computed for every block a batch rewrites does not
 * copy it into a Map first).
 */
export type BlockScores = ReadonlyMap<string, CriterionResult> | Readonly<Record<string, CriterionResult>>;
/** The criteria the jury neutralised: a Set, or the short list a fold keeps. */
export type NeutralisedCriteria = ReadonlySet<string> | readonly string[];

/**
 * The block proposal computed from the scores, under the referential's named
 * rule. 'all-criteria': acquired when every non-neutralised criterion is
 * acquired; not acquired when all are scored and one is not; incomplete otherwise.
 */
export function proposeBlock(rule: ValidationRuleName, criteria: readonly CriterionDoc[], scores: BlockScores, neutralised: NeutralisedCriteria): BlockProposal {
  const scoreOf = isMap(scores) ? (code: string) => scores.get(code) : (code: string) => (Object.hasOwn(scores, code) ? scores[code] : undefined);
  const isNeutralised = isList(neutralised) ? (code: string) => neutralised.includes(code) : (code: string) => neutralised.has(code);
  const unscored: string[] = [];
  let counted = 0;
  let acquired = 0;
  for (const c of criteria) {
    if (isNeutralised(c.code)) continue;
    counted++;
    const score = scoreOf(c.code);
    if (score === undefined) unscored.push(c.code);
    else if (score === 'acquired') acquired++;
  }
  const scored = counted - unscored.length;
  const totals = { total: criteria.length, scored, acquired, neutralised: criteria.length - counted };
  switch (rule) {
    case 'all-criteria': {
      let proposal: Proposal;
      if (unscored.length > 0) proposal = 'incomplete';
      else if (acquired === counted) proposal = 'acquired';
      else proposal = 'not-acquired';
      return { proposal, criteria: totals, unscored };
    }
    default:
      return assertNever(rule, 'validation rule');
  }
}

const isMap = (scores: BlockScores): scores is ReadonlyMap<string, CriterionResult> => scores instanceof Map;
const isList = (neutralised: NeutralisedCriteria): neutralised is readonly string[] => Array.isArray(neutralised);

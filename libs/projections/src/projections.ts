import type { AppConfig } from '@app/platform/config';
import { blindIndexKey } from '@app/platform/personal-data/blind-index';
import { vaultKeys } from '@app/platform/personal-data/sealed-values';
import { backOfficeProjection } from './back-office/back-office.projection';
import { candidateProgressProjection } from './candidate-progress/candidate-progress.projection';
import { candidateSearchProjection } from './candidate-search/candidate-search.projection';
import type { Projection } from './engine/projection';

/** The projections that need no secret (tests and tools that run the engine on a bare database use these). */
export const PROJECTIONS: Projection[] = [candidateProgressProjection, backOfficeProjection];

/**
 * Every projection the engine runs in a process configured by `config`: the
 * identity search index opens identities with the KEKs and keys its index
 * with the blind index key, both from the configuration, never the database.
 */
export function projectionsFor(config: AppConfig): Projection[] {
  return [...PROJECTIONS, candidateSearchProjection({ blindIndex: blindIndexKey(config), keks: vaultKeys(config) })];
}

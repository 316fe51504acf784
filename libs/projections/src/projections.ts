import { CandidateProgressEntity, ProgressReferentialEntity } from './candidate-progress/candidate-progress.entity';
import { candidateProgressProjection } from './candidate-progress/candidate-progress.projection';
import type { Projection } from './engine/projection';

/** Every projection the engine runs, and the TypeORM entities their queries read. */
export const PROJECTIONS: Projection[] = [candidateProgressProjection];
export const READ_MODEL_ENTITIES: Function[] = [CandidateProgressEntity, ProgressReferentialEntity];

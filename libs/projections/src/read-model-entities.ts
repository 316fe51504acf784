import { BackOfficeJuryEntity, BackOfficeSessionEntity, DeliberationSheetEntity } from './back-office/back-office.entity';
import { CandidateProgressEntity, ProgressReferentialEntity } from './candidate-progress/candidate-progress.entity';

/**
 * The read models' TypeORM entities, which the queries read through. Apart
 * from projections.ts: the engine and the projections it runs never load
 * TypeORM (the read side's thread, engine/read-side-thread.ts, stays small).
 */
export const READ_MODEL_ENTITIES: Function[] = [CandidateProgressEntity, ProgressReferentialEntity, BackOfficeSessionEntity, DeliberationSheetEntity, BackOfficeJuryEntity];

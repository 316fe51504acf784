import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { BlockProgressView, LetterProgressView, ReferentialCriteria, VaePathView } from './candidate-progress.evolve';

/**
 * Read through the view `candidate_progress`, which points at the live
 * generation's table (`candidate_progress_g<n>`); the projection writes the
 * generation tables, never the view.
 */
@Entity({ name: 'candidate_progress', synchronize: false })
export class CandidateProgressEntity {
  @PrimaryColumn({ type: 'text', name: 'candidate_id' })
  candidateId!: string;

  @Column({ type: 'boolean' })
  certified!: boolean;

  /** The query's answer, as `progressView` computed it. */
  @Column({ type: 'json' })
  blocks!: BlockProgressView[];

  /** The decision letters issued, as `progressView` computed them (appeal deadlines included). */
  @Column({ type: 'json' })
  letters!: LetterProgressView[];

  /** The VAE paths, as `progressView` computed them; null for a candidate who filed no VAE application. */
  @Column({ type: 'json', nullable: true })
  vae!: VaePathView[] | null;

  @Column({ type: 'bigint', name: 'last_position' })
  lastPosition!: string;
}

@Entity({ name: 'progress_referentials', synchronize: false })
export class ProgressReferentialEntity {
  @PrimaryColumn({ type: 'text', name: 'referential_id' })
  referentialId!: string;

  @Column({ type: 'jsonb' })
  state!: ReferentialCriteria;

  @Column({ type: 'bigint', name: 'last_position' })
  lastPosition!: string;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SealedText } from '@app/domain/shared/free-text';
import type { JuryMember, Revises } from '@app/domain/jury/jury';
import type { BlockProgressView } from '../candidate-progress/candidate-progress.evolve';

/** Read through views on the live generation's tables (see back-office.projection.ts). */
@Entity({ name: 'back_office_sessions', synchronize: false })
export class BackOfficeSessionEntity {
  @PrimaryColumn({ type: 'text', name: 'session_id' })
  sessionId!: string;

  @Column({ type: 'text', name: 'referential_id' })
  referentialId!: string;

  @Column({ type: 'text', name: 'certification_code', nullable: true })
  certificationCode!: string | null;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text', name: 'starts_on' })
  startsOn!: string;

  @Column({ type: 'text', name: 'ends_on' })
  endsOn!: string;

  @Column({ type: 'text', array: true })
  assessors!: string[];

  @Column({ type: 'text', array: true, name: 'jury_members' })
  juryMembers!: string[];

  @Column({ type: 'integer' })
  candidates!: number;

  @Column({ type: 'integer' })
  juries!: number;
}

@Entity({ name: 'deliberation_sheet', synchronize: false })
export class DeliberationSheetEntity {
  @PrimaryColumn({ type: 'text', name: 'session_id' })
  sessionId!: string;

  @PrimaryColumn({ type: 'text', name: 'candidate_id' })
  candidateId!: string;

  /** Ciphertext, as in the log: erasure (the key destroyed) reaches it without a rebuild. */
  @Column({ type: 'json', nullable: true })
  identity!: SealedText | null;

  @Column({ type: 'boolean' })
  erased!: boolean;

  @Column({ type: 'json' })
  blocks!: BlockProgressView[];

  @Column({ type: 'json' })
  neutralisations!: Array<{ block: string; criterion: string }>;

  @Column({ type: 'text', array: true })
  accommodations!: string[];

  @Column({ type: 'integer', name: 'pending_opinions' })
  pendingOpinions!: number;

  @Column({ type: 'boolean' })
  certified!: boolean;

  @Column({ type: 'text', array: true })
  tokens!: string[];
}

@Entity({ name: 'back_office_juries', synchronize: false })
export class BackOfficeJuryEntity {
  @PrimaryColumn({ type: 'text', name: 'jury_id' })
  juryId!: string;

  @Column({ type: 'text', name: 'session_id' })
  sessionId!: string;

  @Column({ type: 'text', name: 'referential_id' })
  referentialId!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'jsonb' })
  members!: JuryMember[];

  @Column({ type: 'text', array: true, name: 'member_ids' })
  memberIds!: string[];

  @Column({ type: 'jsonb', nullable: true })
  revises!: Revises | null;

  @Column({ type: 'jsonb' })
  decisions!: { total: number; validated: number; notValidated: number; deferred: number };

  @Column({ type: 'bigint', name: 'convened_position' })
  convenedPosition!: string;
}

import type { DataSource } from 'typeorm';
import { candidateStream } from '@app/domain/candidate/candidate';
import { referentialStream } from '@app/domain/referential/referential-state';
import { checkpointOf, compareCheckpoints, EventStore, LogCut, StoredEvent } from '@app/event-store/event-store';
import { CandidateProgressEntity } from './candidate-progress.entity';
import { CandidateProgressView, latestAppealDeadline, progressView } from './candidate-progress.evolve';
import { foldProgress } from './candidate-progress.projection';

export interface AsOf {
  /** Events with a global position at most this. */
  position?: number;
  /** Events recorded at or before this ISO timestamp. */
  asOf?: string;
}

/** The candidate progress read model: live from its table, or as it stood at a past point by folding the log. */
export class CandidateProgressQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
  ) {}

  /** Null when the read model has no row for this candidate (unknown, or not projected yet). */
  async live(candidateId: string): Promise<CandidateProgressView | null> {
    const row = await this.dataSource.getRepository(CandidateProgressEntity).findOne({ where: { candidateId }, select: { candidateId: true, certified: true, blocks: true, letters: true, vae: true } });
    return row ? { candidateId: row.candidateId, certified: row.certified, blocks: row.blocks, appealDeadline: latestAppealDeadline(row.letters), letters: row.letters, ...(row.vae ? { vae: row.vae } : {}) } : null;
  }

  /**
   * Time travel: the candidate's stream, the jury events about them and the
   * referentials they enrolled under, up to the bound, folded in log order
   * with the live projection's evolve. Every committed event up to the bound
   * counts (not only those past the gap-safe horizon, which another
   * session's open transaction may hold back). Null when the candidate was
   * not registered at that point.
   */
  async at(candidateId: string, bound: AsOf): Promise<CandidateProgressView | null> {
    const cut: LogCut = { position: bound.position, recordedAt: bound.asOf };
    // Two reads, each on its own index (the stream's primary key; events_jury_by_candidate):
    // one query with an OR across them scans the whole log.
    const [stream] = await this.store.readStreams([{ streamId: candidateStream(candidateId) }], { cut, upcast: true });
    const neutralised = await this.store.readJuryEventsAbout(candidateId, { types: ['CriterionNeutralised', 'VaeInterviewHeld'], cut, upcast: true });
    const own = [...stream, ...neutralised];
    const referentialIds = [...new Set(own.filter((e) => e.type === 'CandidateEnrolled').map((e) => String(e.data.referentialId)))];
    const referentials = referentialIds.length
      ? (await this.store.readStreams(referentialIds.map((id) => ({ streamId: referentialStream(id) })), { types: ['ReferentialDrafted'], cut, upcast: true })).flat()
      : [];
    const events = [...referentials, ...own].sort(compareCheckpointsOf);
    const slice = foldProgress(events);
    const state = slice.candidates.get(candidateId);
    return state?.registered ? progressView(state, slice.referentials) : null;
  }
}

/** Log order (gap-safe): the order the live projection applied them in. */
const compareCheckpointsOf = (a: StoredEvent, b: StoredEvent) => compareCheckpoints(checkpointOf(a), checkpointOf(b));

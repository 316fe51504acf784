import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { upcast } from '@app/domain/shared/upcasters';
import { CandidateProgressEntity } from './candidate-progress.entity';
import { CandidateProgressView, progressView } from './candidate-progress.evolve';
import { foldProgress } from './candidate-progress.projection';

export interface AsOf {
  /** Events with a global position at most this. */
  position?: number;
  /** Events recorded at or before this ISO timestamp. */
  asOf?: string;
}

interface LogRow {
  type: string;
  data: any;
  schemaVersion: number;
  transactionId: string;
  globalPosition: number;
}

/** The candidate progress read model: live from its table, or as it stood at a past point by folding the log. */
export class CandidateProgressQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pool: Pool,
  ) {}

  /** Null when the read model has no row for this candidate (unknown, or not projected yet). */
  async live(candidateId: string): Promise<CandidateProgressView | null> {
    const row = await this.dataSource.getRepository(CandidateProgressEntity).findOne({ where: { candidateId }, select: { candidateId: true, certified: true, blocks: true } });
    return row ? { candidateId: row.candidateId, certified: row.certified, blocks: row.blocks } : null;
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
    // Two reads, each on its own index (the stream's primary key; events_jury_by_candidate,
    // whose predicate the jury-stream condition matches): one query with an OR across them
    // scans the whole log.
    const streamParams: unknown[] = [`candidate-${candidateId}`];
    const neutralisedParams: unknown[] = [candidateId];
    const own = [
      ...(await this.read(`stream_id = $1${this.limits(bound, streamParams)}`, streamParams)),
      ...(await this.read(`stream_id LIKE 'jury-%' AND data->>'candidateId' = $1 AND type = 'CriterionNeutralised'${this.limits(bound, neutralisedParams)}`, neutralisedParams)),
    ];
    const referentialIds = [...new Set(own.filter((e) => e.type === 'CandidateEnrolled').map((e) => String(e.data.referentialId)))];
    let referentials: LogRow[] = [];
    if (referentialIds.length) {
      const p: unknown[] = [referentialIds.map((id) => `referential-${id}`)];
      referentials = await this.read(`stream_id = ANY($1::text[]) AND type = 'ReferentialDrafted'${this.limits(bound, p)}`, p);
    }
    const events = [...referentials, ...own].sort(
      (a, b) => (BigInt(a.transactionId) < BigInt(b.transactionId) ? -1 : BigInt(a.transactionId) > BigInt(b.transactionId) ? 1 : a.globalPosition - b.globalPosition),
    );
    const slice = foldProgress(events);
    const state = slice.candidates.get(candidateId);
    return state?.registered ? progressView(state, slice.referentials) : null;
  }

  private limits(bound: AsOf, params: unknown[]): string {
    let sql = '';
    if (bound.position !== undefined) {
      params.push(bound.position);
      sql += ` AND global_position <= $${params.length}`;
    }
    if (bound.asOf !== undefined) {
      params.push(bound.asOf);
      sql += ` AND recorded_at <= $${params.length}::timestamptz`;
    }
    return sql;
  }

  private async read(where: string, params: unknown[]): Promise<LogRow[]> {
    const { rows } = await this.pool.query(
      `SELECT type, data, schema_version, transaction_id::text AS transaction_id, global_position FROM events
        WHERE ${where}
        ORDER BY events.transaction_id, events.global_position`,
      params,
    );
    return rows.map((r) => ({
      type: r.type,
      data: upcast(r.type, r.schema_version, r.data),
      schemaVersion: r.schema_version,
      transactionId: r.transaction_id,
      globalPosition: Number(r.global_position),
    }));
  }
}

import type { DataSource } from 'typeorm';
import type { SealedText } from '@app/domain/shared/free-text';
import { BackOfficeJuryEntity, BackOfficeSessionEntity, DeliberationSheetEntity } from './back-office.entity';

/** Whose work a list covers: everything, or the sessions a user assesses or judges, and the juries they sit on. */
export interface ListScope {
  all: boolean;
  userId: string;
  assessor: boolean;
  jury: boolean;
}

export interface SessionFilter {
  referentialId?: string;
  /** Sessions that end on or after this day (YYYY-MM-DD). */
  from?: string;
  /** Sessions that start on or before this day. */
  to?: string;
}

/**
 * The line of a sheet the sort needs: whether the candidate is erased, and
 * the GCM tag of the sealed identity (it changes with every sealing), so a
 * reader can tell whether what it opened earlier is still the identity.
 */
export interface SheetKey {
  candidateId: string;
  erased: boolean;
  identityTag: string | null;
}

/**
 * The back office's lists, read with keyset pagination: each method reads
 * `limit + 1` rows strictly after `after` (the sort key of the last item
 * given), in a total order.
 */
export class BackOfficeQuery {
  constructor(private readonly dataSource: DataSource) {}

  /** Sessions by start day, then id. */
  sessions(filter: SessionFilter, scope: ListScope, after: [string, string] | null, limit: number): Promise<BackOfficeSessionEntity[]> {
    const q = this.dataSource.getRepository(BackOfficeSessionEntity).createQueryBuilder('s');
    if (filter.referentialId) q.andWhere('s.referential_id = :referentialId', { referentialId: filter.referentialId });
    if (filter.from) q.andWhere('s.ends_on >= :from', { from: filter.from });
    if (filter.to) q.andWhere('s.starts_on <= :to', { to: filter.to });
    if (!scope.all) {
      const mine = [scope.assessor ? ':user = ANY(s.assessors)' : null, scope.jury ? ':user = ANY(s.jury_members)' : null].filter(Boolean);
      q.andWhere(mine.length ? `(${mine.join(' OR ')})` : 'false', { user: scope.userId });
    }
    if (after) q.andWhere('(s.starts_on, s.session_id) > (:startsOn, :sessionId)', { startsOn: after[0], sessionId: after[1] });
    return q.orderBy('s.starts_on', 'ASC').addOrderBy('s.session_id', 'ASC').limit(limit + 1).getMany();
  }

  session(sessionId: string): Promise<BackOfficeSessionEntity | null> {
    return this.dataSource.getRepository(BackOfficeSessionEntity).findOne({ where: { sessionId } });
  }

  /** Every line of a session's sheet that matches the filter token, with only what sorting needs (no ciphertext: a few bytes per line). */
  async sheetKeys(sessionId: string, token: string | null): Promise<SheetKey[]> {
    const rows: Array<{ candidate_id: string; erased: boolean; tag: string | null }> = await this.dataSource.query(
      `SELECT candidate_id, erased, identity->>'tag' AS tag FROM deliberation_sheet WHERE session_id = $1${token ? ' AND $2 = ANY(tokens)' : ''}`,
      token ? [sessionId, token] : [sessionId],
    );
    return rows.map((r) => ({ candidateId: r.candidate_id, erased: r.erased, identityTag: r.tag }));
  }

  /** The sealed identities of these candidates of a session's sheet. */
  async sheetIdentities(sessionId: string, candidateIds: string[]): Promise<Array<{ candidateId: string; identity: SealedText | null }>> {
    if (!candidateIds.length) return [];
    const rows: Array<{ candidate_id: string; identity: SealedText | null }> = await this.dataSource.query(
      `SELECT candidate_id, identity FROM deliberation_sheet WHERE session_id = $1 AND candidate_id = ANY($2::text[])`,
      [sessionId, candidateIds],
    );
    return rows.map((r) => ({ candidateId: r.candidate_id, identity: r.identity }));
  }

  /** The full lines of these candidates in a session's sheet (any order). */
  sheetLines(sessionId: string, candidateIds: string[]): Promise<DeliberationSheetEntity[]> {
    if (!candidateIds.length) return Promise.resolve([]);
    return this.dataSource
      .getRepository(DeliberationSheetEntity)
      .createQueryBuilder('c')
      .where('c.session_id = :sessionId AND c.candidate_id = ANY(:ids)', { sessionId, ids: candidateIds })
      .getMany();
  }

  /** Juries in the order they were convened. */
  juries(filter: { sessionId?: string }, scope: ListScope, after: number | null, limit: number): Promise<BackOfficeJuryEntity[]> {
    const q = this.dataSource.getRepository(BackOfficeJuryEntity).createQueryBuilder('j');
    if (filter.sessionId) q.andWhere('j.session_id = :sessionId', { sessionId: filter.sessionId });
    if (!scope.all) q.andWhere(scope.jury ? ':user = ANY(j.member_ids)' : 'false', { user: scope.userId });
    if (after !== null) q.andWhere('j.convened_position > :after', { after });
    return q.orderBy('j.convened_position', 'ASC').limit(limit + 1).getMany();
  }
}

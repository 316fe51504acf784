import type { DataSource } from 'typeorm';
import { BlindIndexKey, blindIndexOf, SEARCHABLE_IDENTITY_FIELDS, SearchableIdentityField } from '@app/platform/personal-data/blind-index';
import type { Sealed } from '@app/platform/personal-data/vault';
import { SEARCH_COLUMNS } from './candidate-search.projection';

export interface CandidateSearchRow {
  candidateId: string;
  /** As the log holds it: the read route opens it for the reader. */
  identity: Sealed;
  sessions: string[];
  /** From the progress read model; false while it has not projected the candidate. */
  certified: boolean;
}

export type SearchCriteria = Partial<Record<SearchableIdentityField, string>>;

/**
 * Candidates whose identity fields equal every given value once normalised:
 * the values are turned into their index values with the same key, and only
 * those are compared. Ordered by candidate id; `after` is the last id of the
 * previous page.
 */
export class CandidateSearchQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly key: BlindIndexKey,
  ) {}

  async search(criteria: SearchCriteria, after: string | null, limit: number): Promise<CandidateSearchRow[]> {
    const params: unknown[] = [this.key.id];
    const where = ['s.key_id = $1'];
    for (const field of SEARCHABLE_IDENTITY_FIELDS) {
      const value = criteria[field];
      if (value === undefined) continue;
      params.push(blindIndexOf(this.key, field, value));
      where.push(`s.${SEARCH_COLUMNS[field]} = $${params.length}`);
    }
    if (after !== null) {
      params.push(after);
      where.push(`s.candidate_id > $${params.length}`);
    }
    params.push(limit);
    const rows: Array<{ candidate_id: string; identity: Sealed; sessions: string[]; certified: boolean | null }> = await this.dataSource.query(
      `SELECT s.candidate_id, s.identity, s.sessions, p.certified
         FROM candidate_search s LEFT JOIN candidate_progress p ON p.candidate_id = s.candidate_id
        WHERE ${where.join(' AND ')}
        ORDER BY s.candidate_id
        LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ candidateId: r.candidate_id, identity: r.identity, sessions: r.sessions, certified: r.certified === true }));
  }
}

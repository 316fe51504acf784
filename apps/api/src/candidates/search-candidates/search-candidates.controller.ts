import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Role } from '@app/domain/shared/decider';
import { invalid, unavailable } from '@app/domain/shared/errors';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { normaliseForIndex, SEARCHABLE_IDENTITY_FIELDS } from '@app/platform/personal-data/blind-index';
import { IdentityView } from '@app/platform/personal-data/identity-view';
import { WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { CANDIDATE_PROGRESS } from '@app/projections/candidate-progress/candidate-progress.projection';
import { CANDIDATE_SEARCH } from '@app/projections/candidate-search/candidate-search.projection';
import { CandidateSearchQuery, SearchCriteria } from '@app/projections/candidate-search/candidate-search.query';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { decodeCursor, Page, pageLimit, pageOf } from '../../http/pagination';
import { awaitMinPosition } from '../../http/min-position';
import { Refusals } from '../../http/refusals';
import { SearchCandidatesQuery } from './search-candidates.query';

export interface CandidateSearchItem {
  candidateId: string;
  identity: IdentityView;
  certified: boolean;
  /** The sessions the candidate is enrolled in, by id. */
  sessions: string[];
}

/**
 * Back-office search: admins and referents find a candidate by identity
 * fields without the API decrypting every file. The criteria are compared
 * through the blind index (HMAC of the normalised value); only the matches'
 * identities are opened, as WhoSeesWhat shows them to the reader.
 */
@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class SearchCandidatesController {
  constructor(
    private readonly search: CandidateSearchQuery,
    private readonly runtime: ProjectionRuntime,
    private readonly who: WhoSeesWhat,
  ) {}

  @Get()
  @Roles('admin', 'referent')
  @ApiOperation({
    summary: 'Find candidates by identity fields (admin, referent)',
    description:
      'Candidates whose given fields all equal the values given, ignoring case, accents and extra spaces (`familyName=martin` finds "Martin", `givenName=ELODIE` finds "Élodie"); at least one field. ' +
      'Answers `{ items: [{ candidateId, identity, certified, sessions }], next }` in candidate id order; erased candidates are not found.',
  })
  @ApiHeader({ name: 'X-Min-Position', required: false, description: 'wait (up to 5 s) until the search index has processed this log position (the `position` a command returned)' })
  @ApiResponse({ status: 200, description: '{ items: [{ candidateId, identity, certified, sessions: [sessionId] }], next: cursor | null }' })
  @ApiResponse({ status: 400, description: 'no search field, an unknown query field, a bad limit or cursor' })
  @ApiResponse({ status: 403, description: 'roles other than admin and referent' })
  @Refusals('PROJECTION_LAGGING')
  async find(
    @Query() query: SearchCandidatesQuery,
    @Headers('x-min-position') minPosition: string | undefined,
    @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] },
  ): Promise<Page<CandidateSearchItem>> {
    const criteria: SearchCriteria = {};
    for (const field of SEARCHABLE_IDENTITY_FIELDS) {
      const value = query[field];
      if (value === undefined) continue;
      if (normaliseForIndex(value) === '') throw invalid(`${field} must not be blank`, [{ path: field, message: 'blank' }]);
      criteria[field] = value;
    }
    if (Object.keys(criteria).length === 0) throw invalid(`give at least one of ${SEARCHABLE_IDENTITY_FIELDS.join(', ')}`);
    const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : null;
    const limit = pageLimit(query);
    await this.waitFor(minPosition);
    const rows = await this.search.search(criteria, after, limit + 1);
    const reader = { id: principal.id, roles: principal.grantedRoles };
    const page = pageOf(rows, limit, (r) => [r.candidateId]);
    const items: CandidateSearchItem[] = [];
    for (const row of page.items) {
      const view = await this.who.view(reader, row.candidateId, row.sessions);
      items.push({ candidateId: row.candidateId, identity: await this.who.identity(row.candidateId, row.identity, view), certified: row.certified, sessions: row.sessions });
    }
    return { items, next: page.next };
  }

  /** Both read models the answer comes from: the index, and progress for `certified`. */
  private waitFor(header: string | undefined): Promise<void> {
    let lagging = '';
    return awaitMinPosition(
      header,
      async (position, timeoutMs) => {
        for (const name of [CANDIDATE_SEARCH, CANDIDATE_PROGRESS]) {
          lagging = name;
          if (!(await this.runtime.waitFor(name, position, timeoutMs))) return false;
        }
        return true;
      },
      (position) => unavailable('PROJECTION_LAGGING', `the ${lagging} read model has not reached position ${position} yet; retry shortly`),
    );
  }
}

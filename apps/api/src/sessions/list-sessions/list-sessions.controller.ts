import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Role } from '@app/domain/shared/decider';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { BackOfficeQuery } from '@app/projections/back-office/back-office.query';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { decodeCursor, Page, pageLimit, pageOf, PageQuery } from '../../http/pagination';
import { awaitLists, listScope, MIN_POSITION_HEADER_DOC } from '../back-office-lists';
import { Refusals } from '../../http/refusals';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ListSessionsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only sessions on this referential version' })
  @IsOptional()
  @Matches(UUID, { message: 'referentialId must be a uuid' })
  referentialId?: string;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD: sessions that end on or after this day' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'YYYY-MM-DD: sessions that start on or before this day' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

export interface SessionListItem {
  id: string;
  referentialId: string;
  certificationCode: string | null;
  title: string;
  startsOn: string;
  endsOn: string;
  /** Candidates enrolled. */
  candidates: number;
  /** Juries convened (revision juries included). */
  juries: number;
}

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class ListSessionsController {
  constructor(
    private readonly lists: BackOfficeQuery,
    private readonly runtime: ProjectionRuntime,
  ) {}

  @Get()
  @Roles('admin', 'regulator', 'assessor', 'jury')
  @ApiOperation({
    summary: 'Sessions, by start day (paged)',
    description: 'Admins and regulators: every session; assessors: the sessions they are assigned to; jury members: the sessions of their juries.',
  })
  @ApiHeader(MIN_POSITION_HEADER_DOC)
  @ApiResponse({ status: 200, description: '{ items: [{ id, referentialId, certificationCode, title, startsOn, endsOn, candidates, juries }], next: cursor | null }' })
  @ApiResponse({ status: 400, description: 'a filter, limit or cursor that is not valid' })
  @Refusals('PROJECTION_LAGGING')
  async list(
    @Query() query: ListSessionsQuery,
    @Headers('x-min-position') minPosition: string | undefined,
    @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] },
  ): Promise<Page<SessionListItem>> {
    await awaitLists(this.runtime, minPosition);
    const limit = pageLimit(query);
    const after = query.cursor ? (decodeCursor(query.cursor, 2) as [string, string]) : null;
    const filter = { referentialId: query.referentialId?.toLowerCase(), from: query.from, to: query.to };
    const rows = await this.lists.sessions(filter, listScope(principal), after, limit);
    const page = pageOf(rows, limit, (s) => [s.startsOn, s.sessionId]);
    return {
      items: page.items.map((s) => ({
        id: s.sessionId,
        referentialId: s.referentialId,
        certificationCode: s.certificationCode,
        title: s.title,
        startsOn: s.startsOn,
        endsOn: s.endsOn,
        candidates: s.candidates,
        juries: s.juries,
      })),
      next: page.next,
    };
  }
}

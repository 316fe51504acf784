import { Controller, Get, Headers, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Role } from '@app/domain/shared/decider';
import { invalid } from '@app/domain/shared/errors';
import type { JuryMember, JuryStatus, Revises } from '@app/domain/jury/jury';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { BackOfficeQuery } from '@app/projections/back-office/back-office.query';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { decodeCursor, Page, pageLimit, pageOf, PageQuery } from '../../http/pagination';
import { awaitLists, listScope, MIN_POSITION_HEADER_DOC } from '../../sessions/back-office-lists';
import { Refusals } from '../../http/refusals';

export class ListJuriesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'only the juries of this session' })
  @IsOptional()
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'sessionId must be a uuid' })
  sessionId?: string;
}

export interface JuryListItem {
  id: string;
  sessionId: string;
  referentialId: string;
  status: Exclude<JuryStatus, 'none'>;
  members: JuryMember[];
  revises: Revises | null;
  /** Block decisions in force in this deliberation (the latest per candidate and block). */
  decisions: { total: number; validated: number; notValidated: number; deferred: number };
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class ListJuriesController {
  constructor(
    private readonly lists: BackOfficeQuery,
    private readonly runtime: ProjectionRuntime,
  ) {}

  @Get()
  @Roles('admin', 'regulator', 'jury')
  @ApiOperation({ summary: 'Juries in the order they were convened (paged)', description: 'Admins and regulators: every jury; jury members: the juries they sit on.' })
  @ApiHeader(MIN_POSITION_HEADER_DOC)
  @ApiResponse({ status: 200, description: '{ items: [{ id, sessionId, referentialId, status, members, revises, decisions: { total, validated, notValidated, deferred } }], next: cursor | null }' })
  @ApiResponse({ status: 400, description: 'a filter, limit or cursor that is not valid' })
  @Refusals('PROJECTION_LAGGING')
  async list(
    @Query() query: ListJuriesQuery,
    @Headers('x-min-position') minPosition: string | undefined,
    @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] },
  ): Promise<Page<JuryListItem>> {
    await awaitLists(this.runtime, minPosition);
    const limit = pageLimit(query);
    const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : null;
    if (after !== null && !/^\d{1,15}$/.test(after)) throw invalid('cursor is not a cursor this API gave');
    const rows = await this.lists.juries({ sessionId: query.sessionId?.toLowerCase() }, listScope(principal), after === null ? null : Number(after), limit);
    const page = pageOf(rows, limit, (j) => [String(j.convenedPosition)]);
    return {
      items: page.items.map((j) => ({
        id: j.juryId,
        sessionId: j.sessionId,
        referentialId: j.referentialId,
        status: j.status as JuryListItem['status'],
        members: j.members,
        revises: j.revises,
        decisions: j.decisions,
      })),
      next: page.next,
    };
  }
}

import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, IntersectionType, ApiOperation, ApiProduces, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Role } from '@app/domain/shared/decider';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { Page, pageLimit, PageQuery } from '../../http/pagination';
import { awaitLists, MIN_POSITION_HEADER_DOC } from '../back-office-lists';
import { IdParam } from '../../http/id-param';
import { DeliberationSheetReader, SheetItem } from './deliberation-sheet.reader';
import { sheetCsv } from './sheet-csv';
import { Refusals } from '../../http/refusals';
import { PROPOSALS } from '@app/domain/candidate/proposal';

const DECISIONS = ['none', 'validated', 'not-validated', 'deferred'];

export class SheetFilterQuery {
  @ApiPropertyOptional({ description: 'only candidates enrolled in this block (proposal and decision then apply to it)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'block must be a block code' })
  block?: string;

  @ApiPropertyOptional({ enum: PROPOSALS, description: 'a block (the `block` one, or any) with this proposal' })
  @IsOptional()
  @IsIn(PROPOSALS)
  proposal?: string;

  @ApiPropertyOptional({ enum: DECISIONS, description: 'a block (the `block` one, or any) with this decision in force; `none`: not decided yet' })
  @IsOptional()
  @IsIn(DECISIONS)
  decision?: string;
}

/** The sheet's filters and the page. */
export class SheetPageQuery extends IntersectionType(PageQuery, SheetFilterQuery) {}

const SCOPE = 'Admins and regulators: every session; assessors: the sessions they are assigned to; jury members: the sessions of their juries. Regulators read pseudonyms only.';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class DeliberationSheetController {
  constructor(
    private readonly sheet: DeliberationSheetReader,
    private readonly runtime: ProjectionRuntime,
  ) {}

  @Get(':id/candidates')
  @Roles('admin', 'regulator', 'assessor', 'jury')
  @ApiOperation({
    summary: "The session's deliberation sheet: one item per enrolled candidate (paged)",
    description: `Per candidate: identity as the reader may see it, blocks with proposal (not-evaluated, with notEvaluated saying why), attempt number, decision in force and criteria counts (as progress), neutralisations, accommodation types applied, pending referent opinions, certified. Ordered by family name then given name, by pseudonym for regulators. ${SCOPE}`,
  })
  @ApiHeader(MIN_POSITION_HEADER_DOC)
  @ApiResponse({ status: 200, description: '{ items: [{ candidateId, identity, blocks: [{ code, proposal, notEvaluated, attempt, decision, criteria, vae? }], neutralisations, accommodations, pendingOpinions, certified }], next } — `vae` on a block enrolled on a VAE file, as in progress (docs/paths.md "VAE")' })
  @ApiResponse({ status: 400, description: 'a filter, limit or cursor that is not valid' })
  @ApiResponse({ status: 403, description: "the session is outside the reader's work" })
  @ApiResponse({ status: 404, description: 'unknown session' })
  @Refusals('PROJECTION_LAGGING')
  async page(
    @Param('id', new IdParam('session')) id: string,
    @Query() query: SheetPageQuery,
    @Headers('x-min-position') minPosition: string | undefined,
    @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] },
  ): Promise<Page<SheetItem>> {
    const view = await this.sheet.viewOf({ id: principal.id, roles: principal.grantedRoles }, id);
    await awaitLists(this.runtime, minPosition);
    return this.sheet.page(view, id, query, pageLimit(query), query.cursor);
  }

  @Get(':id/candidates.csv')
  @Roles('admin', 'regulator', 'assessor', 'jury')
  @ApiOperation({
    summary: 'The deliberation sheet as CSV for a spreadsheet (the whole sheet, filters apply)',
    description: `UTF-8 with BOM, \`;\` separated, French headers, one row per candidate and block, in the sheet's order; a block enrolled on a VAE file reads "sur dossier (VAE)" as its proposal, the state of its path in the last column. ${SCOPE}`,
  })
  @ApiProduces('text/csv')
  @ApiHeader(MIN_POSITION_HEADER_DOC)
  @ApiOkResponse({ description: 'the sheet, text/csv; charset=utf-8', content: { 'text/csv': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 400, description: 'a filter that is not valid' })
  @ApiResponse({ status: 403, description: "the session is outside the reader's work" })
  @ApiResponse({ status: 404, description: 'unknown session' })
  @Refusals('PROJECTION_LAGGING')
  async csv(
    @Param('id', new IdParam('session')) id: string,
    @Query() query: SheetFilterQuery,
    @Headers('x-min-position') minPosition: string | undefined,
    @CurrentPrincipal() principal: Principal & { grantedRoles: Role[] },
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    const view = await this.sheet.viewOf({ id: principal.id, roles: principal.grantedRoles }, id);
    await awaitLists(this.runtime, minPosition);
    const items = await this.sheet.all(view, id, query);
    void res.header('Content-Type', 'text/csv; charset=utf-8');
    void res.header('Content-Disposition', `attachment; filename="feuille-de-deliberation-${id}.csv"`);
    return sheetCsv(items, view.identity === 'clear');
  }
}

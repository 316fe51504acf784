import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StatusLine } from '@app/domain/exports/accrochage-status';
import { invalid } from '@app/domain/shared/errors';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { AccrochageExporter, ReportImport, warningText } from './accrochage-exporter';
import { requireEmptyBody } from '../../http/empty-body';
import { Refusals } from '../../http/refusals';
import { decodeCursor, Page, PAGE_LIMIT_MAX, pageLimit, pageOf, PageQuery } from '../../http/pagination';
import { IdParam } from '../../http/id-param';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export class AccrochageQuery {
  @ApiPropertyOptional({ description: 'first award date of the period (YYYY-MM-DD, inclusive)', example: '2025-01-01' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'last award date of the period (YYYY-MM-DD, inclusive); default today', example: '2025-03-31' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'send again awards declared earlier that the CDC has not answered yet (accepted ones never)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  includeExported?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'build the flux without recording anything as sent' })
  @IsOptional()
  @IsIn(['true', 'false'])
  preview?: string;
}

/** Status pages are 100 lines unless asked otherwise. */
const STATUS_PAGE_DEFAULT = 100;

export class AccrochageStatusQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'first award date (YYYY-MM-DD, inclusive)', example: '2025-01-01' })
  @IsOptional()
  @Matches(DATE, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'last award date (YYYY-MM-DD, inclusive)', example: '2025-03-31' })
  @IsOptional()
  @Matches(DATE, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}
// Validated as every list's limit; only the default differs, and the docs say so.
ApiPropertyOptional({ description: `page size, 1 to ${PAGE_LIMIT_MAX} (default ${STATUS_PAGE_DEFAULT})` })(AccrochageStatusQuery.prototype, 'limit');

export const ACCROCHAGE_EXPORTER = 'ACCROCHAGE_EXPORTER';
export const CDC_WARNING_DAYS = 'CDC_WARNING_DAYS';

class AccrochageXml {
  @ApiProperty({ description: 'the CDC accrochage flux (XML)' })
  flux!: string;
}

class ReportImportAnswer {
  @ApiProperty({ description: 'the report id (derived from its content: the same report imported twice has the same id)' }) id!: string;
  @ApiProperty({ nullable: true, type: Number }) position!: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'the flux the report answers, when it names one this certifier sent' }) fluxId!: string | null;
  @ApiProperty() alreadyImported!: boolean;
  @ApiProperty({ type: [String], description: 'award event ids (idTechnique) accepted' }) accepted!: string[];
  @ApiProperty({ description: '[{ awardEventId, reason }]: rejected, sent again by the next export' }) rejected!: Array<{ awardEventId: string; reason: string | null }>;
  @ApiProperty({ type: [String], description: 'idTechnique values this certifier never sent' }) unmatched!: string[];
  @ApiProperty({ type: [String], description: 'idTechnique values whose outcome the report does not state readably' }) unreadable!: string[];
}

@ApiTags('exports')
@Controller('v1/exports/accrochage')
export class AccrochageController {
  constructor(
    @Inject(ACCROCHAGE_EXPORTER) private readonly exporter: AccrochageExporter,
    @Inject(CDC_WARNING_DAYS) private readonly warningDays: number,
  ) {}

  @Get()
  @Roles('admin')
  @ApiOperation({
    summary: 'CDC accrochage flux of the sealed awards of a period not declared yet, or the pending withdrawals',
    description:
      'Awards not declared yet include those the CDC rejected. One flux per call: creations first; when none remain and the certifier schema (CDC_XSD_FILE) provides the action element, the deletions of withdrawn awards. ' +
      'Recorded as sent (AccrochageFluxSent) only after it validates against CDC_XSD_FILE when set; a failing flux is refused, naming the element. ' +
      'Headers: X-Accrochage-Flux-Id, X-Accrochage-Action, X-Accrochage-Declared, X-Accrochage-Resent, X-Accrochage-Withdrawals, X-Accrochage-Manual-Withdrawals, X-Accrochage-Not-Exportable, ' +
      'X-Accrochage-Not-Sealed, X-Accrochage-Awaiting-Approval (awards of sealed records the jury president has not approved yet: left out until then), X-Accrochage-Near-Deadline, and `Warning: 199` when awards approach (or passed) the three-month deadline, wait for the president’s approval, cannot be exported, or must be withdrawn by hand. ' +
      'Identity is decrypted for this legal purpose only.',
  })
  @ApiProduces('application/xml')
  @ApiResponse({ status: 200, description: 'the flux', type: AccrochageXml, content: { 'application/xml': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 204, description: 'nothing to declare (headers still report)' })
  @Refusals('CDC_CONFIGURATION_INVALID', 'CDC_NOT_CONFIGURED', 'ACCROCHAGE_SCHEMA_INVALID')
  async export(@Query() query: AccrochageQuery, @Meta() meta: CommandMeta, @Res() res: FastifyReply): Promise<void> {
    if (query.from && query.to && query.from > query.to) throw invalid('from must not be after to');
    const { xml, report } = await this.exporter.export(
      { from: query.from, to: query.to, includeExported: query.includeExported === 'true', preview: query.preview === 'true' },
      meta.actor,
    );
    void res.header('X-Accrochage-Declared', String(report.declared.length));
    void res.header('X-Accrochage-Resent', String(report.resent.length));
    void res.header('X-Accrochage-Withdrawals', String(report.withdrawals.length));
    void res.header('X-Accrochage-Manual-Withdrawals', String(report.manualWithdrawals.length));
    void res.header('X-Accrochage-Not-Exportable', String(report.notExportable.length));
    void res.header('X-Accrochage-Not-Sealed', String(report.notSealed));
    void res.header('X-Accrochage-Awaiting-Approval', String(report.awaitingApproval));
    void res.header('X-Accrochage-Near-Deadline', String(report.nearDeadline.length));
    const warning = warningText(report, this.warningDays);
    if (warning) void res.header('Warning', `199 - "${warning.replace(/["\\]/g, '')}"`);
    if (!xml) {
      void res.code(204).send();
      return;
    }
    void res.header('X-Accrochage-Flux-Id', report.fluxId!);
    void res.header('X-Accrochage-Action', report.action!);
    void res.header('Content-Disposition', `attachment; filename="accrochage-${report.fluxId}.xml"`);
    void res.code(200).type('application/xml; charset=utf-8').send(xml);
  }

  @Post('reports')
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: "Import the CDC's processing report of a flux (the XML as received)",
    description:
      'Body: the report XML as received (Content-Type application/xml, text/xml, text/plain or application/octet-stream), or JSON { "xml": "…" }. Each passage (keyed by idTechnique = award event id) becomes accepted or rejected with its reason ' +
      '(AccrochageReportImported); rejected awards are sent again by the next export, accepted ones never. The same report imported twice records nothing new.',
  })
  @ApiConsumes('application/xml', 'text/xml')
  @ApiBody({ schema: { type: 'string', example: '<compteRendu><idFlux>…</idFlux><passage><idTechnique>…</idTechnique><statut>REJETE</statut><motif>…</motif></passage></compteRendu>' } })
  @ApiResponse({ status: 201, type: ReportImportAnswer })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: not XML, or it names no passage' })
  @Refusals('REPORT_MATCHES_NO_DECLARATION')
  async importReport(@Req() req: FastifyRequest, @Body() body: unknown, @Meta() meta: CommandMeta): Promise<Omit<ReportImport, 'reportId'> & { id: string }> {
    const type = req.headers['content-type'] ?? '';
    // As received (application/xml, text/xml, text/plain, octet-stream), or wrapped in JSON { "xml": "…" } by tools that only speak JSON.
    const wrapped = /json/.test(type) && body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    if (wrapped && Object.keys(wrapped).some((k) => k !== 'xml')) throw invalid('the JSON form of a report is { "xml": "<the report as received>" }, nothing else');
    const xml = typeof body === 'string' ? body : typeof wrapped?.xml === 'string' ? wrapped.xml : undefined;
    if (xml === undefined) throw invalid('send the processing report as received, with Content-Type application/xml (or JSON { "xml": "…" })');
    const { reportId, ...rest } = await this.exporter.importReport(xml, meta.actor);
    return { id: reportId, ...rest };
  }

  @Post('withdrawals/:awardEventId/done-by-hand')
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Record that a withdrawn award was withdrawn by hand on the CDC portal',
    description:
      'For schema versions without deletions: the export lists such awards as manualWithdrawals until this is recorded (AccrochageWithdrawnByHand). ' +
      '404 for an unknown award.',
  })
  @Refusals('NO_WITHDRAWAL_PENDING')
  @ApiBody({ schema: { type: 'object', additionalProperties: false }, required: false })
  async withdrawnByHand(@Param('awardEventId', new IdParam('awardEventId', 'invalid')) awardEventId: string, @Body() body: unknown, @Meta() meta: CommandMeta) {
    requireEmptyBody(body);
    return this.exporter.withdrawnByHand(awardEventId, meta.actor);
  }

  @Get('status')
  @Roles('admin', 'regulator')
  @ApiOperation({
    summary: 'Where each award stands at the CDC, with the days left before the three-month deadline',
    description:
      'Items by award date: { awardEventId, candidateId, certificationCode, awardedOn, status: not-sealed | pending | declared | accepted | rejected, reason, fluxId, lastSentAt, deadline, daysLeft, withdrawn, withdrawal }. ' +
      'Candidates appear by id only (no identity); regulators do not see the CDC’s rejection reasons (free text that may name the holder).',
  })
  async status(@Query() query: AccrochageStatusQuery, @Meta() meta: CommandMeta): Promise<Page<StatusLine>> {
    if (query.from && query.to && query.from > query.to) throw invalid('from must not be after to');
    const lines = await this.exporter.status({ from: query.from, to: query.to }, meta.actor.role === 'admin');
    const limit = pageLimit(query, STATUS_PAGE_DEFAULT);
    // Lines come in (awardedOn, awardEventId) order: the page starts after the cursor's line, stable when awards are added before it.
    const after = query.cursor ? decodeCursor(query.cursor, 2) : null;
    const start = after ? lines.findIndex((l) => l.awardedOn > after[0] || (l.awardedOn === after[0] && l.awardEventId > after[1])) : 0;
    const rows = start === -1 ? [] : lines.slice(start, start + limit + 1);
    return pageOf(rows, limit, (l) => [l.awardedOn, l.awardEventId]);
  }
}

import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import { invalid } from '@app/domain/shared/errors';
import { Roles } from '@app/platform/auth/roles';
import { AccrochageExporter, warningText } from './accrochage-exporter';

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

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'resend awards an earlier flux already declared' })
  @IsOptional()
  @IsIn(['true', 'false'])
  includeExported?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'build the flux without recording the awards as exported' })
  @IsOptional()
  @IsIn(['true', 'false'])
  preview?: string;
}

export const ACCROCHAGE_EXPORTER = 'ACCROCHAGE_EXPORTER';
export const CDC_WARNING_DAYS = 'CDC_WARNING_DAYS';

class AccrochageXml {
  @ApiProperty({ description: 'the CDC accrochage flux (XML)' })
  flux!: string;
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
    summary: 'CDC accrochage flux of the certifications awarded in a period',
    description:
      'Declares each award once: the awards recorded here are left out of later exports unless includeExported=true. ' +
      'Headers: X-Accrochage-Flux-Id, X-Accrochage-Declared, X-Accrochage-Not-Exportable, X-Accrochage-Near-Deadline, and ' +
      '`Warning: 199` when awards approach (or passed) the three-month deadline or cannot be exported (erased identity, missing CDC fields). ' +
      'Identity is decrypted for this legal purpose only.',
  })
  @ApiProduces('application/xml')
  @ApiResponse({ status: 200, description: 'the flux', type: AccrochageXml, content: { 'application/xml': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 204, description: 'nothing new to declare in the period (headers still report)' })
  @ApiResponse({ status: 422, description: 'CDC_NOT_CONFIGURED: CDC_EMITTER_ID / CDC_CONTRACT_ID unset' })
  async export(@Query() query: AccrochageQuery, @Res() res: Response): Promise<void> {
    if (query.from && query.to && query.from > query.to) throw invalid('from must not be after to');
    const { xml, report } = await this.exporter.export({
      from: query.from,
      to: query.to,
      includeExported: query.includeExported === 'true',
      preview: query.preview === 'true',
    });
    res.setHeader('X-Accrochage-Declared', String(report.declared.length));
    res.setHeader('X-Accrochage-Not-Exportable', String(report.notExportable.length));
    res.setHeader('X-Accrochage-Near-Deadline', String(report.nearDeadline.length));
    const warning = warningText(report, this.warningDays);
    if (warning) res.setHeader('Warning', `199 - "${warning.replace(/["\\]/g, '')}"`);
    if (!xml) {
      res.status(204).end();
      return;
    }
    res.setHeader('X-Accrochage-Flux-Id', report.fluxId!);
    res.setHeader('Content-Disposition', `attachment; filename="accrochage-${report.fluxId}.xml"`);
    res.status(200).type('application/xml; charset=utf-8').send(xml);
  }
}

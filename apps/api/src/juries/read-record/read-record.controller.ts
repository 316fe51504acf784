import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '@app/platform/auth/roles';
import { Principal } from '@app/platform/auth/token-verifier';
import { JuryRecordReader, JuryRecordView } from './jury-record-reader';
import { parseCut } from '../../http/time-travel';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { renderRecordPdf } from './record-pdf';
import { IdParam } from '../../http/id-param';

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class ReadRecordController {
  private readonly place = loadOperationsConfig().record.place;

  constructor(private readonly reader: JuryRecordReader) {}

  @Get(':id/record')
  @Roles('admin', 'jury', 'regulator')
  @ApiOperation({
    summary: 'The deliberation record (procès-verbal), live or as it stood at asOf / atPosition',
    description: 'A jury user reads only the records of juries they sit on (403). Same log, same bytes. A live read (no asOf / atPosition) answers `ETag: "<jury stream version>"`, the version to send as If-Match with the next jury command.',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO 8601 timestamp' })
  @ApiQuery({ name: 'atPosition', required: false, description: 'global log position' })
  async record(
    @Param('id', new IdParam('jury')) id: string,
    @Query('asOf') asOf: unknown,
    @Query('atPosition') atPosition: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<JuryRecordView> {
    const cut = parseCut(asOf, atPosition);
    const { record, version } = await this.reader.readWithVersion(id, cut, principal);
    // A record cut in the past is not the state a command would be checked against: no version to send back.
    if (cut.asOf === undefined && cut.atPosition === undefined) void res.header('ETag', `"${version}"`);
    return record;
  }

  @Get(':id/record.pdf')
  @Roles('admin', 'jury', 'regulator')
  @ApiProduces('application/pdf')
  @ApiOkResponse({ description: 'the procès-verbal', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } })
  @ApiOperation({ summary: 'The procès-verbal de délibération as a PDF (French)', description: 'The seal hash and the signature key fingerprint are printed on every page.' })
  @ApiQuery({ name: 'asOf', required: false })
  @ApiQuery({ name: 'atPosition', required: false })
  async pdf(@Param('id', new IdParam('jury')) id: string, @Query('asOf') asOf: unknown, @Query('atPosition') atPosition: unknown, @CurrentPrincipal() principal: Principal): Promise<StreamableFile> {
    const record: JuryRecordView = await this.reader.read(id, parseCut(asOf, atPosition), principal);
    const pdf = await renderRecordPdf(record, { place: this.place });
    return new StreamableFile(pdf, { type: 'application/pdf', disposition: `inline; filename="proces-verbal-${id}.pdf"`, length: pdf.length });
  }
}

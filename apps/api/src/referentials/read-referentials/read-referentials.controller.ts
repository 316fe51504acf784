import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { ReferentialReader, ReferentialSummary, ReferentialView } from './referential-reader';
import { IdParam } from '../../http/id-param';

@ApiTags('referentials')
@ApiBearerAuth()
@Controller('v1/referentials')
export class ReadReferentialsController {
  constructor(private readonly reader: ReferentialReader) {}

  @Get()
  @Roles('admin', 'assessor', 'referent', 'jury', 'regulator')
  @ApiOperation({ summary: 'Every referential version: id, code, title, version, status' })
  list(): Promise<ReferentialSummary[]> {
    return this.reader.list();
  }

  @Get(':id')
  @Roles('admin', 'assessor', 'referent', 'jury', 'regulator')
  @ApiOperation({ summary: 'A referential version: the document with its status and version', description: 'Status: draft, published, retired; version: per certification code; streamVersion: of its stream.' })
  get(@Param('id', new IdParam('referential')) id: string): Promise<ReferentialView> {
    return this.reader.get(id);
  }
}

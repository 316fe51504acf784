import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { ReferentialIdPipe } from '../referential-id.pipe';
import { ReferentialReader, ReferentialSummary, ReferentialView } from './referential-reader';

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
  get(@Param('id', ReferentialIdPipe) id: string): Promise<ReferentialView> {
    return this.reader.get(id);
  }
}

import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { ProjectionStatus } from '@app/projections/projections.module';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('v1/projections')
export class ProjectionsController {
  constructor(private readonly projections: ProjectionStatus) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'Each projection: generation, position, lag, failure and rebuild in progress', description: 'Also what the runner of this process does.' })
  async list() {
    return this.projections.status();
  }
}

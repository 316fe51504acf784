import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { requireEmptyBody } from '../../http/empty-body';
import { PublishReferentialCommand } from './publish-referential.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

@ApiTags('referentials')
@ApiBearerAuth()
@Controller('v1/referentials')
export class PublishReferentialController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/publish')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Publish a draft referential (ReferentialPublished)' })
  @Refusals('REFERENTIAL_ALREADY_PUBLISHED', 'REFERENTIAL_RETIRED')
  @ApiBody({ schema: { type: 'object', additionalProperties: false }, required: false })
  publish(@Param('id', new IdParam('referential')) id: string, @Body() body: unknown, @Meta() meta: CommandMeta): Promise<CommandResult> {
    requireEmptyBody(body);
    return this.commands.execute(new PublishReferentialCommand(id, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { requireEmptyBody } from '../../http/empty-body';
import { OpenDeliberationCommand } from './open-deliberation.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class OpenDeliberationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/open')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({ summary: 'The president opens the deliberation (DeliberationOpened)', description: '403 non-member or not the president' })
  @Refusals('DELIBERATION_ALREADY_OPEN', 'DELIBERATION_CLOSED')
  @ApiBody({ schema: { type: 'object', additionalProperties: false }, required: false })
  open(@Param('id', new IdParam('jury')) id: string, @Body() body: unknown, @Meta() meta: CommandMeta): Promise<CommandResult> {
    requireEmptyBody(body);
    return this.commands.execute(new OpenDeliberationCommand(id, meta));
  }
}

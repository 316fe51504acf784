import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { JuryIdPipe, requireEmptyBody } from '../jury-http';
import { CloseDeliberationCommand } from './close-deliberation.handler';

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class CloseDeliberationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/close')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'The president closes and seals the deliberation (DeliberationClosed)',
    description: 'Answers sealHash, signature, keyFingerprint. 403 non-member or not the president; 409 DELIBERATION_NOT_OPEN, DELIBERATION_CLOSED',
  })
  @ApiBody({ schema: { type: 'object', additionalProperties: false }, required: false })
  close(@Param('id', JuryIdPipe) id: string, @Body() body: unknown, @Meta() meta: CommandMeta): Promise<CommandResult> {
    requireEmptyBody(body);
    return this.commands.execute(new CloseDeliberationCommand(id, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { requireEmptyBody } from '../../http/empty-body';
import { CloseDeliberationCommand } from './close-deliberation.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class CloseDeliberationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/close')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'The president closes and seals the deliberation; awards and withdrawals come with the seal',
    description:
      'DeliberationClosed, then in the same append one CertificationAwarded per candidate whose blocks of the certification are all validated and in force (this session and sealed earlier ones), dated the closing day and covered by the seal; for a revision jury, one CertificationWithdrawn per award it undoes. Answers sealHash, signature, keyFingerprint, and `awarded`, `withdrawn` (candidate ids) and `deferred` ([{ candidateId, block }] left deferred). 403 non-member or not the president.',
  })
  @Refusals('DELIBERATION_NOT_OPEN', 'DELIBERATION_CLOSED')
  @ApiBody({ schema: { type: 'object', additionalProperties: false }, required: false })
  close(@Param('id', new IdParam('jury')) id: string, @Body() body: unknown, @Meta() meta: CommandMeta): Promise<CommandResult> {
    requireEmptyBody(body);
    return this.commands.execute(new CloseDeliberationCommand(id, meta));
  }
}

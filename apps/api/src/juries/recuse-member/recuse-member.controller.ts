import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { RecuseMemberCommand } from './recuse-member.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class RecuseMemberDto {
  @ApiProperty()
  @IsUUID()
  candidateId!: string;

  @FreeTextField({ minLength: 1, description: 'the conflict of interest, as it will appear in the record' })
  reason!: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class RecuseMemberController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/recusals')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'The calling member recuses themself for a candidate (MemberRecused)',
    description: 'Any member of the jury, for themself (the member is the token’s subject). 403 non-member',
  })
  @Refusals('ALREADY_RECUSED', 'DELIBERATION_CLOSED', 'CANDIDATE_NOT_IN_SESSION')
  recuse(@Param('id', new IdParam('jury')) id: string, @Body() body: RecuseMemberDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new RecuseMemberCommand(id, body.candidateId.toLowerCase(), body.reason, meta));
  }
}

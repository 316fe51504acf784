import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { HoldVaeInterviewCommand } from './hold-vae-interview.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class HoldVaeInterviewDto {
  @ApiProperty()
  @IsUUID()
  candidateId!: string;

  @ApiProperty({ example: '2026-06-10', description: 'the day the interview was held (not in the future)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'heldOn must be a date YYYY-MM-DD' })
  heldOn!: string;

  @FreeTextField({ optional: true, description: 'the jury’s notes of the interview; sealed (personal data)' })
  notes?: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class HoldVaeInterviewController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/vae-interviews')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'A jury member records the VAE interview held with a candidate on a VAE file (VaeInterviewHeld)',
    description: 'Any member of the jury (403 otherwise, or recused for the candidate: 422), before the closing, once per application. Beyond API.md (docs/paths.md "VAE").',
  })
  @Refusals('VAE_STEP_OUT_OF_ORDER', 'CANDIDATE_NOT_IN_SESSION', 'MEMBER_RECUSED', 'DELIBERATION_CLOSED')
  hold(@Param('id', new IdParam('jury')) id: string, @Body() body: HoldVaeInterviewDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new HoldVaeInterviewCommand(id, body.candidateId.toLowerCase(), body.heldOn, body.notes, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Matches } from 'class-validator';
import { BLOCK_DECISIONS, BlockDecision } from '@app/domain/jury/jury';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { DecideBlockCommand } from './decide-block.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class DecideBlockDto {
  @ApiProperty()
  @IsUUID()
  candidateId!: string;

  @ApiProperty({ example: 'BC01' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'block must be a block code such as BC01' })
  block!: string;

  @ApiProperty({ enum: BLOCK_DECISIONS })
  @IsIn(BLOCK_DECISIONS as string[])
  decision!: BlockDecision;

  @FreeTextField({ optional: true, description: 'required when the decision departs from the computed proposal (always for deferred)' })
  motivation?: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class DecideBlockController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/decisions')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'The president records the jury’s decision on a block (BlockDecided)',
    description:
      'Writes BlockDecided in the jury’s record and BlockDecisionRecorded in the candidate’s file, atomically; a deferred block may be decided again in the same deliberation. The certification is awarded at the closing, not here. A block enrolled on a VAE file is decided on the file and the interview: no scores, a motivation always, the interview held first (except to defer). Answers also `proposal` and `certificationAwarded` (always false). 403 non-member or not the president.',
  })
  @Refusals('DELIBERATION_NOT_OPEN', 'DELIBERATION_CLOSED', 'MOTIVATION_REQUIRED', 'SCORES_INCOMPLETE', 'BLOCK_NOT_EVALUATED', 'BLOCK_ALREADY_DECIDED', 'CANDIDATE_NOT_IN_SESSION', 'BLOCK_NOT_IN_ENROLMENT', 'MEMBER_RECUSED', 'VAE_BLOCK_NOT_IN_FILE', 'VAE_INTERVIEW_NOT_HELD', 'NOT_DECIDED_BY_REVISED_JURY', 'DECISION_ALREADY_REVISED', 'REVISION_NOT_IN_FAVOUR')
  decide(@Param('id', new IdParam('jury')) id: string, @Body() body: DecideBlockDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new DecideBlockCommand(id, body.candidateId.toLowerCase(), body.block, body.decision, body.motivation, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { CriterionResult } from '@app/domain/candidate/proposal';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { ScoreCriterionCommand } from './score-criterion.handler';
import { IdParam, UUID } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class ScoreCriterionDto {
  @ApiProperty({ format: 'uuid' })
  @IsString()
  @Matches(UUID, { message: 'sessionId must be a UUID' })
  sessionId!: string;

  @ApiProperty({ example: 'CE1.1', maxLength: 40 })
  @IsString()
  @Length(1, 40)
  criterion!: string;

  @ApiProperty({ enum: ['acquired', 'not-acquired'] })
  @IsIn(['acquired', 'not-acquired'])
  result!: CriterionResult;

  @FreeTextField({ optional: true })
  comment?: string;

  @FreeTextField({ optional: true, description: 'required to change a criterion already scored' })
  correctionReason?: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class ScoreCriterionController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/scores')
  @Roles('assessor')
  @CommandRoute()
  @ApiOperation({
    summary:
      'Score a criterion (CriterionScored) or correct it (CriterionScoreCorrected)', description: 'Assessor of the session (403 otherwise).',
  })
  @Refusals('CRITERION_NOT_IN_ENROLMENT', 'NOT_ENROLLED_IN_SESSION', 'CORRECTION_REASON_REQUIRED', 'NO_SCORE_TO_CORRECT', 'BLOCK_ALREADY_DECIDED', 'BLOCK_ALREADY_VALIDATED', 'VAE_BLOCK_ON_FILE')
  score(@Param('id', new IdParam('candidate')) id: string, @Body() body: ScoreCriterionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(
      new ScoreCriterionCommand(
        id,
        {
          sessionId: body.sessionId.toLowerCase(),
          criterion: body.criterion,
          result: body.result,
          ...(body.comment != null ? { comment: body.comment } : {}),
          ...(body.correctionReason != null ? { correctionReason: body.correctionReason } : {}),
        },
        meta,
      ),
    );
  }
}

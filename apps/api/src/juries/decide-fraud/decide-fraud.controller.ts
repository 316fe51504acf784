import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { FRAUD_OUTCOMES, FraudOutcome } from '@app/domain/candidate/candidate-events';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';
import { DecideFraudCommand } from './decide-fraud.handler';

export class DecideFraudDto {
  @ApiProperty()
  @IsUUID()
  candidateId!: string;

  @ApiProperty({ format: 'uuid', description: 'the report (POST /v1/candidates/{id}/fraud-reports) of this jury’s session' })
  @IsUUID()
  reportId!: string;

  @ApiProperty({ enum: FRAUD_OUTCOMES, description: '`evaluation-annulled`: the blocks reported are not evaluated in this session (an attempt all the same); `ban`: annulled too, and no enrolment before `banUntil`' })
  @IsIn(FRAUD_OUTCOMES as string[])
  outcome!: FraudOutcome;

  @ApiPropertyOptional({ example: '2027-06-30', description: 'for a ban only: the first day the candidate may enrol again (after today)' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'banUntil must be a date YYYY-MM-DD' })
  banUntil?: string;

  @FreeTextField({ description: 'required: why the jury decides so (sealed under the candidate’s key)' })
  motivation!: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class DecideFraudController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/fraud-decisions')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'The president records the jury’s decision on a reported fraud (FraudDecided)',
    description:
      'Writes FraudDecided in the jury’s record and FraudDecisionRecorded in the candidate’s file, atomically, while the deliberation is open; an annulment comes before the blocks concerned are decided. 403 non-member or not the president.',
  })
  @Refusals('DELIBERATION_NOT_OPEN', 'DELIBERATION_CLOSED', 'CANDIDATE_NOT_IN_SESSION', 'MEMBER_RECUSED', 'FRAUD_REPORT_NOT_FOUND', 'FRAUD_ALREADY_DECIDED', 'BAN_END_REQUIRED', 'BLOCK_ALREADY_DECIDED', 'MOTIVATION_REQUIRED')
  decide(@Param('id', new IdParam('jury')) id: string, @Body() body: DecideFraudDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(
      new DecideFraudCommand(id, { candidateId: body.candidateId.toLowerCase(), reportId: body.reportId.toLowerCase(), outcome: body.outcome, banUntil: body.banUntil ?? null, motivation: body.motivation }, meta),
    );
  }
}

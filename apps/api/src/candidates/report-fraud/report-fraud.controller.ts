import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches } from 'class-validator';
import { MAX_BLOCKS } from '@app/domain/candidate/candidate-decider';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { IdParam, UUID } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';
import { ReportFraudCommand } from './report-fraud.handler';

export class ReportFraudDto {
  @ApiProperty({ format: 'uuid', description: 'the session of the evaluation (the candidate is enrolled in it; an assessor must be assigned to it)' })
  @IsString()
  @Matches(UUID, { message: 'sessionId must be a UUID' })
  sessionId!: string;

  @ApiProperty({ type: [String], example: ['BC02'], description: 'the blocks whose evaluation is suspected, enrolled in that session and not decided yet' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BLOCKS)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { each: true, message: 'each block must be a block code' })
  blocks!: string[];

  @FreeTextField({ description: 'what was seen: sealed under the candidate’s key; regulators never read it' })
  description!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class ReportFraudController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/fraud-reports')
  @Roles('assessor', 'admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'Report a suspected fraud in an evaluation (FraudReported)',
    description: 'An assessor of the session (403 otherwise) or an admin. The jury of the session decides it (POST /v1/juries/{id}/fraud-decisions). Answers also `reportId`.',
  })
  @Refusals('NOT_ENROLLED_IN_SESSION', 'BLOCK_NOT_IN_ENROLMENT', 'BLOCK_ALREADY_DECIDED', 'DESCRIPTION_REQUIRED')
  report(@Param('id', new IdParam('candidate')) id: string, @Body() body: ReportFraudDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new ReportFraudCommand(id, { sessionId: body.sessionId.toLowerCase(), blocks: body.blocks, description: body.description }, meta));
  }
}

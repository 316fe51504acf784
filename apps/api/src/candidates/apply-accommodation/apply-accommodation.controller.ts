import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { ApplyAccommodationCommand } from './apply-accommodation.handler';
import { IdParam, UUID } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { EVALUATION_MAX } from '@app/domain/candidate/candidate-decider';
import { Refusals } from '../../http/refusals';

export class ApplyAccommodationDto {
  @ApiProperty({ format: 'uuid', description: 'a session the candidate is enrolled in' })
  @IsString()
  @Matches(UUID, { message: 'sessionId must be a UUID' })
  sessionId!: string;

  @ApiProperty({ maxLength: EVALUATION_MAX, example: 'M1', description: 'the evaluation (e.g. a modality code) in which it was applied' })
  @IsString()
  @Length(1, EVALUATION_MAX)
  evaluation!: string;

  @FreeTextField({ optional: true, description: 'not sealed: no health details here' })
  note?: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class ApplyAccommodationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/accommodations/:requestId/applications')
  @Roles('admin', 'assessor')
  @CommandRoute()
  @ApiOperation({
    summary: 'Record a granted accommodation as applied in an evaluation (AccommodationApplied)', description: 'Assessor of the session or admin.',
  })
  @Refusals('ACCOMMODATION_NOT_GRANTED', 'NOT_ENROLLED_IN_SESSION', 'ACCOMMODATION_ALREADY_APPLIED')
  apply(
    @Param('id', new IdParam('candidate')) id: string,
    @Param('requestId', new IdParam('accommodation request')) requestId: string,
    @Body() body: ApplyAccommodationDto,
    @Meta() meta: CommandMeta,
  ): Promise<CommandResult> {
    const note = body.note ?? undefined;
    return this.commands.execute(new ApplyAccommodationCommand(id, requestId, { sessionId: body.sessionId.toLowerCase(), evaluation: body.evaluation, ...(note !== undefined ? { note } : {}) }, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { IdParam, UUID } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';
import { RecordAbsenceCommand } from './record-absence.handler';

const CODE = /^[A-Za-z0-9._-]{1,40}$/;

export class RecordAbsenceDto {
  @ApiProperty({ format: 'uuid', description: 'the session of the evaluation missed (the candidate is enrolled in it)' })
  @IsString()
  @Matches(UUID, { message: 'sessionId must be a UUID' })
  sessionId!: string;

  @ApiPropertyOptional({ example: 'M3', description: 'the referential modality missed, of a block the candidate is enrolled for; give either modality or block' })
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: 'modality must be a modality code' })
  modality?: string;

  @ApiPropertyOptional({ example: 'BC02', description: 'only for a block whose referential lists no modalities: the whole block was missed' })
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: 'block must be a block code' })
  block?: string;

  @ApiProperty({ description: 'a justified absence does not count as an attempt: the candidate is enrolled again for the block in a later session as if for the first time' })
  @IsBoolean()
  justified!: boolean;

  @FreeTextField({ optional: true, description: 'why (e.g. a medical certificate): sealed under the candidate’s key, a health text (admin and referent read it)' })
  reason?: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class RecordAbsenceController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/absences')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'Record that the candidate missed an evaluation of a session (CandidateAbsent)',
    description:
      'Admin. The block of the modality is then not evaluated in that session (proposal `not-evaluated`, not "not acquired"): the jury may record it not validated or deferred, never validated. Recorded before the jury decides the block.',
  })
  @Refusals('NOT_ENROLLED_IN_SESSION', 'BLOCK_NOT_IN_ENROLMENT', 'UNKNOWN_MODALITY', 'UNKNOWN_BLOCK', 'BLOCK_HAS_MODALITIES', 'BLOCK_ALREADY_DECIDED', 'ABSENCE_ALREADY_RECORDED')
  record(@Param('id', new IdParam('candidate')) id: string, @Body() body: RecordAbsenceDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(
      new RecordAbsenceCommand(
        id,
        {
          sessionId: body.sessionId.toLowerCase(),
          modality: body.modality ?? null,
          block: body.block ?? null,
          justified: body.justified,
          ...(body.reason !== undefined ? { reason: body.reason } : {}),
        },
        meta,
      ),
    );
  }
}

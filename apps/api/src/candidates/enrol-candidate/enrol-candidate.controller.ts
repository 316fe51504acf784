import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, Length, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { EnrolCandidateCommand } from './enrol-candidate.handler';
import { IdParam, UUID } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

export class EnrolCandidateDto {
  @ApiProperty({ format: 'uuid' })
  @IsString()
  @Matches(UUID, { message: 'sessionId must be a UUID' })
  sessionId!: string;

  @ApiProperty({ type: [String], example: ['BC01', 'BC02'], description: "block codes of the session's referential" })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 40, { each: true })
  blocks!: string[];
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class EnrolCandidateController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/enrolments')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Enrol in a session for some or all blocks (CandidateEnrolled)' })
  @Refusals('UNKNOWN_BLOCK', 'BLOCK_ALREADY_VALIDATED', 'ALREADY_ENROLLED', 'VAE_STEP_OUT_OF_ORDER', 'VAE_NOT_ADMISSIBLE', 'VAE_BLOCK_NOT_IN_FILE')
  enrol(@Param('id', new IdParam('candidate')) id: string, @Body() body: EnrolCandidateDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new EnrolCandidateCommand(id, body.sessionId.toLowerCase(), body.blocks, meta));
  }
}

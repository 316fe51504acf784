import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { REASON_MAX_LENGTH } from '@app/domain/personal-data/erasure';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { EraseCandidatePersonalDataCommand } from './erase-personal-data.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

export class EraseCandidatePersonalDataBody {
  @ApiProperty({ description: 'Why (the request, its reference). Kept in clear in the log: no personal data here.', maxLength: REASON_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(REASON_MAX_LENGTH)
  reason!: string;

  @ApiPropertyOptional({ description: 'Erase before the end of the retention period (RETENTION_YEARS after the file\'s last event); recorded in the event.' })
  @IsOptional()
  @IsBoolean()
  overrideRetention?: boolean;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class EraseCandidatePersonalDataController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/erasure')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'Erase a candidate\'s personal data (CandidatePersonalDataErased)', description: 'Writes CandidatePersonalDataErased, then destroys the candidate\'s data key. Before the end of the retention period only with overrideRetention.',
  })
  @Refusals('RETENTION_PERIOD_NOT_OVER', 'PERSONAL_DATA_ALREADY_ERASED')
  erase(@Param('id', new IdParam('candidate')) id: string, @Body() body: EraseCandidatePersonalDataBody, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new EraseCandidatePersonalDataCommand(id, body.reason, body.overrideRetention === true, meta));
  }
}

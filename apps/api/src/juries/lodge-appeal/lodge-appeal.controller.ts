import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { LodgeAppealCommand } from './lodge-appeal.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class LodgeAppealDto {
  @ApiProperty({ description: 'the closed jury whose decision is appealed' })
  @IsUUID()
  juryId!: string;

  @FreeTextField({ minLength: 1 })
  reason!: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/candidates')
export class LodgeAppealController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/appeals')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'Record a candidate’s appeal (recours) against a sealed deliberation (AppealLodged); answers appealId',
    description: 'A revision jury (POST /v1/juries with revises.reason = appeal) answers it. 404 unknown candidate or jury',
  })
  @Refusals('JURY_NOT_CLOSED', 'NOT_DECIDED_BY_JURY')
  lodge(@Param('id', new IdParam('candidate')) id: string, @Body() body: LodgeAppealDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new LodgeAppealCommand(id, body.juryId.toLowerCase(), body.reason, meta));
  }
}

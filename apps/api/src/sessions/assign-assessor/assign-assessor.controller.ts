import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { AssignAssessorCommand } from './assign-assessor.handler';
import { IdParam } from '../../http/id-param';
import { USER_ID_MAX } from '@app/domain/session/session-decider';
import { Refusals } from '../../http/refusals';

export class AssignAssessorDto {
  @ApiProperty({ maxLength: USER_ID_MAX, description: "the assessor's user id (the `sub` of their token)" })
  @IsString()
  @Length(1, USER_ID_MAX)
  userId!: string;
}

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class AssignAssessorController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/assessors')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Assign an assessor to the session (AssessorAssigned)' })
  @Refusals('ASSESSOR_ALREADY_ASSIGNED')
  assign(@Param('id', new IdParam('session')) id: string, @Body() body: AssignAssessorDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new AssignAssessorCommand(id, body.userId, meta));
  }
}

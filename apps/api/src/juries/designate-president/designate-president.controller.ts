import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { DesignatePresidentCommand } from './designate-president.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

export class DesignatePresidentDto {
  @ApiProperty({ description: 'the member who presides from now on (the `sub` of their token)' })
  @IsString()
  @Length(1, 200)
  userId!: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class DesignatePresidentController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/president')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'The admin designates a substitute president among the members (PresidentDesignated)',
    description:
      'Only while the deliberation is open. For a president recused for a candidate (or unable to sit): the designated member presides from then on (decisions, close and seal); the former president stays a member. Recorded in the record and covered by the seal. Answers also `president`.',
  })
  @Refusals('DELIBERATION_NOT_OPEN', 'DELIBERATION_CLOSED', 'NOT_A_MEMBER', 'ALREADY_PRESIDENT')
  designate(@Param('id', new IdParam('jury')) id: string, @Body() body: DesignatePresidentDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new DesignatePresidentCommand(id, body.userId, meta));
  }
}

import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { OpenSessionCommand } from './open-session.handler';
import { UUID } from '../../http/id-param';
import { TITLE_MAX } from '@app/domain/session/session-decider';
import { Refusals } from '../../http/refusals';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class OpenSessionDto {
  @ApiProperty({ format: 'uuid', description: 'a published referential version' })
  @IsString()
  @Matches(UUID, { message: 'referentialId must be a UUID' })
  referentialId!: string;

  @ApiProperty({ maxLength: TITLE_MAX, example: 'Session de juin 2026' })
  @IsString()
  @Length(1, TITLE_MAX)
  title!: string;

  @ApiProperty({ format: 'date', example: '2026-06-01' })
  @IsString()
  @Matches(DATE, { message: 'startsOn must be a date YYYY-MM-DD' })
  startsOn!: string;

  @ApiProperty({ format: 'date', example: '2026-06-30' })
  @IsString()
  @Matches(DATE, { message: 'endsOn must be a date YYYY-MM-DD' })
  endsOn!: string;
}

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('v1/sessions')
export class OpenSessionController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Open an exam session on a published referential (SessionOpened)', description: '404 unknown referential' })
  @Refusals('REFERENTIAL_NOT_PUBLISHED', 'SESSION_DATES_INVERTED')
  open(@Body() body: OpenSessionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new OpenSessionCommand(body, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { MAX_REASON_LENGTH } from '@app/domain/referential/referential-decider';
import { RetireReferentialCommand } from './retire-referential.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

export class RetireReferentialBody {
  @ApiProperty({ description: 'why this version is retired (recorded in the log)', maxLength: MAX_REASON_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_REASON_LENGTH)
  reason!: string;
}

@ApiTags('referentials')
@ApiBearerAuth()
@Controller('v1/referentials')
export class RetireReferentialController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/retire')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Retire a referential version (ReferentialRetired)', description: 'No new session may use it.' })
  @Refusals('REFERENTIAL_ALREADY_RETIRED')
  retire(@Param('id', new IdParam('referential')) id: string, @Body() body: RetireReferentialBody, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new RetireReferentialCommand(id, body.reason, meta));
  }
}

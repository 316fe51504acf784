import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { GiveReferentOpinionCommand } from './give-referent-opinion.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class GiveReferentOpinionDto {
  @ApiProperty()
  @IsBoolean()
  favourable!: boolean;

  @FreeTextField({ description: 'required; sealed (health data)' })
  motivation!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class GiveReferentOpinionController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/accommodations/:requestId/opinion')
  @Roles('referent')
  @CommandRoute()
  @ApiOperation({ summary: "The referent's motivated opinion on an accommodation request (ReferentOpinionGiven)" })
  @Refusals('MOTIVATION_REQUIRED', 'OPINION_ALREADY_GIVEN', 'ACCOMMODATION_ALREADY_DECIDED')
  give(
    @Param('id', new IdParam('candidate')) id: string,
    @Param('requestId', new IdParam('accommodation request')) requestId: string,
    @Body() body: GiveReferentOpinionDto,
    @Meta() meta: CommandMeta,
  ): Promise<CommandResult> {
    return this.commands.execute(new GiveReferentOpinionCommand(id, requestId, body.favourable, body.motivation, meta));
  }
}

import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { DecideAccommodationCommand } from './decide-accommodation.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class DecideAccommodationDto {
  @ApiProperty()
  @IsBoolean()
  granted!: boolean;

  @FreeTextField({ description: 'required' })
  reason!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class DecideAccommodationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/accommodations/:requestId/decision')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Grant or refuse an accommodation request (AccommodationGranted / AccommodationRefused)' })
  @Refusals('REFERENT_OPINION_REQUIRED', 'REASON_REQUIRED', 'ACCOMMODATION_ALREADY_DECIDED')
  decide(
    @Param('id', new IdParam('candidate')) id: string,
    @Param('requestId', new IdParam('accommodation request')) requestId: string,
    @Body() body: DecideAccommodationDto,
    @Meta() meta: CommandMeta,
  ): Promise<CommandResult> {
    return this.commands.execute(new DecideAccommodationCommand(id, requestId, body.granted, body.reason, meta));
  }
}

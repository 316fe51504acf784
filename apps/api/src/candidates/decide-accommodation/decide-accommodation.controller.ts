import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { CandidateIdParam } from '../candidate-loading';
import { RequestIdParam } from '../request-id';
import { DecideAccommodationCommand } from './decide-accommodation.handler';

export class DecideAccommodationDto {
  @ApiProperty()
  @IsBoolean()
  granted!: boolean;

  @ApiProperty({ maxLength: 2000, description: 'required' })
  @IsString()
  @MaxLength(2000)
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
  @ApiOperation({ summary: 'Grant or refuse an accommodation request (AccommodationGranted / AccommodationRefused)', description: '422 REFERENT_OPINION_REQUIRED, REASON_REQUIRED; 409 ACCOMMODATION_ALREADY_DECIDED.' })
  decide(
    @Param('id', CandidateIdParam()) id: string,
    @Param('requestId', RequestIdParam()) requestId: string,
    @Body() body: DecideAccommodationDto,
    @Meta() meta: CommandMeta,
  ): Promise<CommandResult> {
    return this.commands.execute(new DecideAccommodationCommand(id, requestId, body.granted, body.reason, meta));
  }
}

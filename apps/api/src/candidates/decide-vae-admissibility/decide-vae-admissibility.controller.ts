import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { DecideVaeAdmissibilityCommand } from './decide-vae-admissibility.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class DecideVaeAdmissibilityDto {
  @ApiProperty({ description: 'admissible (recevable) or not; a refusal ends the path of that application' })
  @IsBoolean()
  admissible!: boolean;

  @FreeTextField({ description: 'required; sealed (personal data)' })
  motivation!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class DecideVaeAdmissibilityController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/vae/admissibility')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'Admissibility (recevabilité) of the VAE application in progress (VaeAdmissibilityDecided)',
    description: 'Once per application. Not admissible: no file, no enrolment on that application (a new application may be filed). Beyond API.md (docs/paths.md "VAE").',
  })
  @Refusals('VAE_STEP_OUT_OF_ORDER', 'MOTIVATION_REQUIRED')
  decide(@Param('id', new IdParam('candidate')) id: string, @Body() body: DecideVaeAdmissibilityDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new DecideVaeAdmissibilityCommand(id, body.admissible, body.motivation, meta));
  }
}

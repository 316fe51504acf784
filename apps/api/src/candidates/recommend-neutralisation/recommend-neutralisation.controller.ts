import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, Length } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { RecommendNeutralisationCommand } from './recommend-neutralisation.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class RecommendNeutralisationDto {
  @ApiProperty({ type: [String], example: ['CE34.2'], description: "criteria of the candidate's enrolled blocks" })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 40, { each: true })
  criteria!: string[];

  @FreeTextField({ description: 'required; sealed (health data)' })
  motivation!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class RecommendNeutralisationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/neutralisation-opinions')
  @Roles('referent')
  @CommandRoute()
  @ApiOperation({ summary: "The referent's opinion recommending neutralisation (NeutralisationRecommended)", description: "Answers opinionId." })
  @Refusals('MOTIVATION_REQUIRED', 'CRITERION_NOT_IN_ENROLMENT')
  recommend(@Param('id', new IdParam('candidate')) id: string, @Body() body: RecommendNeutralisationDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new RecommendNeutralisationCommand(id, body.criteria, body.motivation, meta));
  }
}

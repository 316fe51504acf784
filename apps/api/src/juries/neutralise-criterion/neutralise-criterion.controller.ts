import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, IsUUID, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { NeutraliseCriterionCommand } from './neutralise-criterion.handler';
import { IdParam } from '../../http/id-param';
import { Refusals } from '../../http/refusals';

export class NeutraliseCriterionDto {
  @ApiProperty()
  @IsUUID()
  candidateId!: string;

  @ApiProperty({ example: 'CE34.2' })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { message: 'criterion must be a criterion code such as CE34.2' })
  criterion!: string;

  @ApiProperty({ description: 'the referent’s NeutralisationRecommended naming this criterion for this candidate' })
  @IsUUID()
  opinionId!: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class NeutraliseCriterionController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/neutralisations')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'The president neutralises a criterion for a candidate (CriterionNeutralised)',
    description:
      '403 non-member or not the president.',
  })
  @Refusals('DELIBERATION_NOT_OPEN', 'DELIBERATION_CLOSED', 'CRITERION_IS_CORE', 'NO_REFERENT_OPINION', 'CRITERION_NOT_IN_ENROLMENT', 'CANDIDATE_NOT_IN_SESSION', 'CRITERION_ALREADY_NEUTRALISED', 'BLOCK_ALREADY_DECIDED', 'MEMBER_RECUSED')
  neutralise(@Param('id', new IdParam('jury')) id: string, @Body() body: NeutraliseCriterionDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new NeutraliseCriterionCommand(id, body.candidateId.toLowerCase(), body.criterion, body.opinionId.toLowerCase(), meta));
  }
}

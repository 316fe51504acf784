import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, IsUUID, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { FileVaeApplicationCommand } from './file-vae-application.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class FileVaeApplicationDto {
  @ApiProperty({ description: 'the published referential version (certification) applied for' })
  @IsUUID()
  referentialId!: string;

  @ApiProperty({ type: [String], example: ['BC01', 'BC02'], description: 'the blocks the application seeks' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { each: true, message: 'each block must be a block code such as BC01' })
  blocks!: string[];

  @FreeTextField({ optional: true, description: 'a summary of the experience; sealed (personal data)' })
  summary?: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class FileVaeApplicationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/vae/application')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'A VAE application (VaeApplicationFiled)',
    description:
      'Opens the VAE path of a candidate registered on the vae access route (the application does not change the route): the certification applied for and the blocks sought. A new application follows only one declared not admissible. Answers also `applicationId`. Beyond API.md (docs/paths.md "VAE").',
  })
  @Refusals('NOT_VAE_ROUTE', 'VAE_STEP_OUT_OF_ORDER', 'REFERENTIAL_NOT_PUBLISHED', 'UNKNOWN_BLOCK', 'BLOCK_ALREADY_VALIDATED')
  file(@Param('id', new IdParam('candidate')) id: string, @Body() body: FileVaeApplicationDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new FileVaeApplicationCommand(id, body.referentialId.toLowerCase(), body.blocks, body.summary, meta));
  }
}

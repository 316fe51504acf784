import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsString, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { SubmitVaeFileCommand } from './submit-vae-file.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class SubmitVaeFileDto {
  @ApiProperty({ type: [String], example: ['BC01', 'BC02'], description: 'the blocks the file (dossier de validation) covers, among those the application seeks' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9._-]{1,40}$/, { each: true, message: 'each block must be a block code such as BC01' })
  blocks!: string[];

  @FreeTextField({ description: 'required: the reference or description of the file; sealed (personal data)' })
  description!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class SubmitVaeFileController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/vae/file')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'The VAE file (dossier de validation) of the admissible application (VaeFileSubmitted)',
    description: 'Once per application, after it was declared admissible. The candidate is then enrolled on the file, for the blocks it covers. Beyond API.md (docs/paths.md "VAE").',
  })
  @Refusals('VAE_STEP_OUT_OF_ORDER', 'VAE_NOT_ADMISSIBLE', 'VAE_BLOCK_NOT_IN_APPLICATION')
  submit(@Param('id', new IdParam('candidate')) id: string, @Body() body: SubmitVaeFileDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new SubmitVaeFileCommand(id, body.blocks, body.description, meta));
  }
}

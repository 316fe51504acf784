import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { DraftReferentialCommand } from './draft-referential.handler';
import { Refusals } from '../../http/refusals';

@ApiTags('referentials')
@ApiBearerAuth()
@Controller('v1/referentials')
export class DraftReferentialController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * The body is the referential document itself, free-form JSON checked by the
   * domain validator (same faults and paths as the CLI import), so it is taken
   * raw: a class-validator DTO would be a second, diverging definition.
   */
  @Post()
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Draft a referential version (ReferentialDrafted)', description: 'A 400 lists every fault of the document with its JSON path in `details`.' })
  @Refusals('VALIDATION_FAILED')
  @ApiBody({ description: 'a referential document (see docs/api.md "Referential document")', schema: { type: 'object' } })
  draft(@Body() document: unknown, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new DraftReferentialCommand(document, meta));
  }
}

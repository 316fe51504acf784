import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { ApproveRecordCommand } from './approve-record.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class ApproveRecordDto {
  @FreeTextField({ optional: true, description: 'the member’s observation on the record, printed in the procès-verbal (regulators read “[withheld]”)' })
  comment?: string;

  @ApiPropertyOptional({ description: 'the seal hash the member read and approves (the record’s `sealHash`); 409 SEAL_MISMATCH when it is not the record’s', pattern: '^[0-9a-f]{64}$' })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'sealHash must be a lowercase hex SHA-256' })
  sealHash?: string;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class ApproveRecordController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/approvals')
  @Roles('jury')
  @CommandRoute()
  @ApiOperation({
    summary: 'A member approves the sealed record (RecordApproved, naming the seal hash)',
    description:
      'After the closing, each member of the jury (the token’s subject; a member recused for some candidates too) approves the sealed record once. ' +
      'The president’s approval makes the record final: until then (RECORD_APPROVAL_REQUIRED, default true) the CDC export leaves its awards out and no credential stands on it. ' +
      'Answers also `memberId`, `sealHash`, `president` and `approvedAt`. 403 non-member.',
  })
  @Refusals('DELIBERATION_NOT_CLOSED', 'ALREADY_APPROVED', 'SEAL_MISMATCH')
  approve(@Param('id', new IdParam('jury')) id: string, @Body() body: ApproveRecordDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new ApproveRecordCommand(id, body?.comment, body?.sealHash, meta));
  }
}

import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { REVISION_REASONS, RevisionReason } from '@app/domain/jury/jury';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { ConveneJuryCommand } from './convene-jury.handler';
import { Refusals } from '../../http/refusals';

export class JuryMemberDto {
  @ApiProperty({ description: 'the member’s user id (the `sub` of their token)' })
  @IsString()
  @Length(1, 200)
  userId!: string;

  @ApiProperty()
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty()
  @IsBoolean()
  president!: boolean;

  @ApiProperty({ description: 'a professional of the field (at least one per jury)' })
  @IsBoolean()
  professional!: boolean;
}

export class RevisesDto {
  @ApiProperty({ description: 'the closed jury whose decisions this one may revise' })
  @IsUUID()
  juryId!: string;

  @ApiProperty({ enum: REVISION_REASONS })
  @IsIn(REVISION_REASONS as string[])
  reason!: RevisionReason;

  @ApiPropertyOptional({ description: 'required when reason is appeal: the AppealLodged it answers' })
  @IsOptional()
  @IsUUID()
  appealId?: string;
}

export class ConveneJuryDto {
  @ApiProperty()
  @IsUUID()
  sessionId!: string;

  @ApiProperty({ type: [JuryMemberDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => JuryMemberDto)
  members!: JuryMemberDto[];

  @ApiPropertyOptional({ type: RevisesDto, description: 'convenes a revision deliberation of a sealed one' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RevisesDto)
  revises?: RevisesDto;
}

@ApiTags('juries')
@ApiBearerAuth()
@Controller('v1/juries')
export class ConveneJuryController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({
    summary: 'Convene a jury for a session (JuryConvened); with `revises`, a revision jury of a closed one',
    description: '404 unknown session or revised jury',
  })
  @Refusals('PRESIDENT_REQUIRED', 'PROFESSIONAL_REQUIRED', 'DUPLICATE_MEMBER', 'REVISED_JURY_NOT_CLOSED', 'REVISION_SESSION_MISMATCH', 'APPEAL_NOT_FOUND')
  convene(@Body() body: ConveneJuryDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    const members = body.members.map((m) => ({ userId: m.userId, name: m.name, president: m.president, professional: m.professional }));
    const revises = body.revises
      ? { juryId: body.revises.juryId.toLowerCase(), reason: body.revises.reason, ...(body.revises.appealId ? { appealId: body.revises.appealId.toLowerCase() } : {}) }
      : undefined;
    return this.commands.execute(new ConveneJuryCommand(body.sessionId.toLowerCase(), members, revises, meta));
  }
}

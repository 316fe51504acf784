import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { ACCOMMODATION_TYPES, AccommodationType } from '@app/domain/candidate/candidate';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { RequestAccommodationCommand } from './request-accommodation.handler';
import { IdParam } from '../../http/id-param';
import { FreeTextField } from '../../http/text-fields';
import { Refusals } from '../../http/refusals';

export class AccommodationDto {
  @ApiProperty({ enum: ACCOMMODATION_TYPES })
  @IsIn(ACCOMMODATION_TYPES)
  type!: AccommodationType;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, description: 'extra-time only: the extra time in percent; more than 33 needs a favourable referent opinion before it is granted' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  extraTimePercent?: number;

  @FreeTextField({ optional: true, description: 'required for type other; sealed (health data)' })
  details?: string;
}

export class RequestAccommodationDto {
  @ApiProperty({ type: [AccommodationDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => AccommodationDto)
  accommodations!: AccommodationDto[];

  @FreeTextField({ description: 'sealed (health data)' })
  justification!: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class RequestAccommodationController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/accommodations')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Request accommodations (AccommodationRequested)', description: 'Answers requestId.' })
  @Refusals('DETAILS_REQUIRED', 'JUSTIFICATION_REQUIRED')
  request(@Param('id', new IdParam('candidate')) id: string, @Body() body: RequestAccommodationDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    const accommodations = body.accommodations.map((a) => ({ type: a.type, extraTimePercent: a.extraTimePercent ?? undefined, details: a.details ?? undefined }));
    return this.commands.execute(new RequestAccommodationCommand(id, accommodations, body.justification, meta));
  }
}

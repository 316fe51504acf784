import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ACCESS_ROUTES, AccessRoute } from '@app/domain/candidate/candidate';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { RegisterCandidateCommand } from './register-candidate.handler';

export class RegisterCandidateDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @MaxLength(100)
  givenName!: string;

  @ApiProperty({ minLength: 1, maxLength: 100 })
  @IsString()
  @MaxLength(100)
  familyName!: string;

  @ApiProperty({ format: 'date', example: '1998-04-02', description: 'a real date in the past, after 1900' })
  @IsString()
  @MaxLength(10)
  birthDate!: string;

  @ApiProperty({ format: 'email', maxLength: 254 })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ enum: ACCESS_ROUTES })
  @IsIn(ACCESS_ROUTES)
  accessRoute!: AccessRoute;

  @ApiPropertyOptional({ enum: ['M', 'F'], description: 'needed to declare an award to the CDC (accrochage)' })
  @IsOptional()
  @IsIn(['M', 'F'])
  sex?: 'M' | 'F';

  @ApiPropertyOptional({ example: '75056', description: 'INSEE code of the birth commune (99xxx abroad); needed to declare an award to the CDC' })
  @IsOptional()
  @IsString()
  @Matches(/^(\d{5}|2[ABab]\d{3})$/, { message: 'birthPlaceCode must be an INSEE commune code' })
  birthPlaceCode?: string;
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class RegisterCandidateController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Register a candidate (CandidateRegistered)', description: 'The identity is sealed under the candidate\'s data key. Answers id.' })
  register(@Body() body: RegisterCandidateDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    const { accessRoute, ...identity } = body;
    return this.commands.execute(new RegisterCandidateCommand(identity, accessRoute, meta));
  }
}

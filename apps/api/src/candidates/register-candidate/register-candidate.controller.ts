import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ACCESS_ROUTES, AccessRoute } from '@app/domain/candidate/candidate';
import { ACCESS_MODALITIES, AccessModality, VAE_ROUTES, VaeRoute } from '@app/domain/exports/accrochage';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { RegisterCandidateCommand } from './register-candidate.handler';
import { CDC_TEXT_MAX, EMAIL_MAX, NAME_MAX } from '@app/domain/candidate/candidate-decider';

export class RegisterCandidateDto {
  @ApiProperty({ minLength: 1, maxLength: NAME_MAX })
  @IsString()
  @MaxLength(NAME_MAX)
  givenName!: string;

  @ApiProperty({ minLength: 1, maxLength: NAME_MAX })
  @IsString()
  @MaxLength(NAME_MAX)
  familyName!: string;

  @ApiProperty({ format: 'date', example: '1998-04-02', description: 'a real date in the past, after 1900' })
  @IsString()
  @MaxLength(10)
  birthDate!: string;

  @ApiProperty({ format: 'email', maxLength: EMAIL_MAX })
  @IsString()
  @MaxLength(EMAIL_MAX)
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

  @ApiPropertyOptional({ maxLength: CDC_TEXT_MAX, example: 'Martin', description: "nom d'usage, when the candidate has one (familyName is the birth name); declared to the CDC as nomUsage" })
  @IsOptional()
  @IsString()
  @MaxLength(CDC_TEXT_MAX)
  usageName?: string;

  @ApiPropertyOptional({ example: 'ESP', description: 'country of birth for a birth abroad, as the CDC schema of the certifier takes it (ISO 3166 letters, or the INSEE 99xxx code); codePaysNaissance' })
  @IsOptional()
  @IsString()
  @Matches(/^([A-Za-z]{2,3}|\d{3}|99\d{3})$/, { message: 'birthCountryCode must be an ISO 3166 country code (2 or 3 letters), a 3-digit code or an INSEE 99xxx code' })
  birthCountryCode?: string;

  @ApiPropertyOptional({ example: '69003', description: 'beyond API.md: postal code of the birth commune, declared when the INSEE code is not known (codePostalNaissance)' })
  @IsOptional()
  @IsString()
  @MaxLength(9)
  birthPostalCode?: string;

  @ApiPropertyOptional({ maxLength: CDC_TEXT_MAX, example: 'Lyon', description: 'beyond API.md: name of the birth commune (libelleCommuneNaissance)' })
  @IsOptional()
  @IsString()
  @MaxLength(CDC_TEXT_MAX)
  birthPlaceName?: string;

  @ApiPropertyOptional({ maxLength: CDC_TEXT_MAX, example: 'Espagne', description: 'beyond API.md: name of the birth country (libellePaysNaissance)' })
  @IsOptional()
  @IsString()
  @MaxLength(CDC_TEXT_MAX)
  birthCountryName?: string;

  @ApiPropertyOptional({
    enum: ACCESS_MODALITIES,
    description:
      'beyond API.md: refines accessRoute for the CDC. professionalisation-contract (with continuing-education) → FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION; equivalence → EQUIVALENCE',
  })
  @IsOptional()
  @IsIn(ACCESS_MODALITIES)
  accessModality?: AccessModality;

  @ApiPropertyOptional({ enum: VAE_ROUTES, description: 'beyond API.md, with accessRoute vae: vae-leave (congé VAE) → CONGES_VAE; classic (the default) → VAE_CLASSIQUE' })
  @IsOptional()
  @IsIn(VAE_ROUTES)
  vaeRoute?: VaeRoute;
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

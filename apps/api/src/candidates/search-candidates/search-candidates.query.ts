import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../../http/pagination';

/** `GET /v1/candidates`: identity fields compared exactly, ignoring case, accents and extra spaces; at least one. */
export class SearchCandidatesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'family (birth) name, e.g. "martin" finds "Martin"' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  familyName?: string;

  @ApiPropertyOptional({ description: 'given name, e.g. "ELODIE" finds "Élodie"' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  givenName?: string;

  @ApiPropertyOptional({ description: 'birth date as registered (YYYY-MM-DD)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  birthDate?: string;

  @ApiPropertyOptional({ description: 'email address' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  email?: string;
}

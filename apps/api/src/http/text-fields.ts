import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MinLength, MaxLength } from 'class-validator';
import { TEXT_MAX_LENGTH } from '@app/domain/shared/free-text';

/**
 * A free text about a candidate (motivation, reason, comment, note): a
 * string of at most TEXT_MAX_LENGTH characters, the bound the domain checks
 * again once the text is trimmed (libs/domain/src/shared/free-text.ts).
 * Whether it is required, and how long a motivation must be, is the
 * decider's rule (422), not the body's shape.
 */
export function FreeTextField(options: { description?: string; optional?: boolean; minLength?: number } = {}): PropertyDecorator {
  const doc = { maxLength: TEXT_MAX_LENGTH, ...(options.minLength ? { minLength: options.minLength } : {}), ...(options.description ? { description: options.description } : {}) };
  return applyDecorators(
    ...(options.optional ? [ApiPropertyOptional(doc), IsOptional()] : [ApiProperty(doc)]),
    IsString(),
    ...(options.minLength ? [MinLength(options.minLength)] : []),
    MaxLength(TEXT_MAX_LENGTH),
  );
}

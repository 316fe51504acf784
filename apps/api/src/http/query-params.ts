import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** An optional integer query parameter within [min, max] (query strings are text: converted first). */
export function OptionalIntParam(min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  return applyDecorators(IsOptional(), Type(() => Number), IsInt(), Min(min), Max(max));
}

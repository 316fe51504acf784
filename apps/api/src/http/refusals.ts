import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { describeCodes, ErrorCode, statusOf } from '@app/domain/shared/error-codes';

/**
 * The error codes a route answers beyond the ones every route may (401, 403,
 * 429, 503…), documented from the catalogue (libs/domain/src/shared/error-codes.ts):
 * one response per status, each code with its meaning. A route cites codes
 * here instead of retyping them in its description, so a misspelt one fails
 * to compile and the docs say what the answer says.
 */
export function Refusals(...codes: ErrorCode[]): MethodDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  return applyDecorators(...[...byStatus].sort(([a], [b]) => a - b).map(([status, of]) => ApiResponse({ status, description: describeCodes(...of) })));
}

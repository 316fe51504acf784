import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { invalid } from '@app/domain/shared/errors';

/** The most items a list answers at once (docs/api.md, "Lists"). */
export const PAGE_LIMIT_MAX = 200;
export const PAGE_LIMIT_DEFAULT = 50;

/** `?limit=&cursor=`, shared by every list; list queries extend it with their filters. */
export class PageQuery {
  @ApiPropertyOptional({ description: `page size, 1 to ${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT})` })
  @IsOptional()
  @Matches(/^([1-9]\d?|1\d\d|200)$/, { message: `limit must be 1 to ${PAGE_LIMIT_MAX}` })
  limit?: string;

  @ApiPropertyOptional({ description: 'opaque cursor: the `next` of the previous page' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor is not a cursor this API gave' })
  cursor?: string;
}

/** One page of a list: `next` is null on the last page. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export function pageLimit(query: { limit?: string }, fallback = PAGE_LIMIT_DEFAULT): number {
  return query.limit ? Number(query.limit) : fallback;
}

/**
 * A cursor is the sort key of the last item given, so the next page starts
 * strictly after it: items written meanwhile before it are not repeated, none
 * after it is lost. Opaque to clients (base64url of a JSON array of strings).
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The sort key a cursor carries, or 400 when it is not one this API gave for a key of that length. */
export function decodeCursor(cursor: string, length: number): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((part) => typeof part === 'string')) throw invalid('cursor is not a cursor this API gave');
  return key as string[];
}

/**
 * The page from rows read with `LIMIT limit + 1` in the key's order: the
 * extra row only says whether another page follows.
 */
export function pageOf<T>(rows: T[], limit: number, keyOf: (item: T) => readonly string[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

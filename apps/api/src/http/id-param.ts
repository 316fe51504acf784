import { Injectable, PipeTransform } from '@nestjs/common';
import { invalid, notFound } from '@app/domain/shared/errors';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A path id, a UUID (lower-cased). Anything else cannot name a `what`, so it
 * is answered like any unknown id (404) before it reaches the database;
 * `'invalid'` answers 400 instead, for the routes whose contract says so.
 * `@Param('id', new IdParam('candidate'))`.
 */
@Injectable()
export class IdParam implements PipeTransform<string, string> {
  constructor(
    private readonly what: string,
    private readonly otherwise: 'not-found' | 'invalid' = 'not-found',
  ) {}

  transform(value: string): string {
    if (typeof value === 'string' && UUID.test(value)) return value.toLowerCase();
    if (this.otherwise === 'invalid') throw invalid(`${this.what} must be a UUID`);
    throw notFound(this.what, String(value).slice(0, 100));
  }
}

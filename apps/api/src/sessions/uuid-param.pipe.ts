import { Injectable, PipeTransform } from '@nestjs/common';
import { notFound } from '@app/domain/shared/errors';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Path ids are UUIDs; anything else cannot name a session, candidate or
 * request, so it is answered 404 like any unknown id, before it reaches the
 * database. `new UuidParam('session')` names what was looked for.
 */
@Injectable()
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw notFound(this.what, String(value).slice(0, 100));
    return value.toLowerCase();
  }
}

import { Injectable, PipeTransform } from '@nestjs/common';
import { notFound } from '@app/domain/shared/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Referential ids are UUIDs; anything else cannot name a referential, so it is
 * answered 404 like any unknown id, before it reaches the database.
 */
@Injectable()
export class ReferentialIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw notFound('referential', String(value).slice(0, 100));
    return value.toLowerCase();
  }
}

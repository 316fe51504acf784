import { PipeTransform } from '@nestjs/common';
import { notFound } from '@app/domain/shared/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Candidate ids are uuids: anything else is an unknown candidate (404), and never reaches the database. */
export class CandidateIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw notFound('candidate', String(value).slice(0, 100));
    return value.toLowerCase();
  }
}

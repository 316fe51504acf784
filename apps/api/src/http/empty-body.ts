import { invalid } from '@app/domain/shared/errors';

/**
 * Routes whose body is `{}` (docs/api.md): the command is its path. An empty
 * class-validator DTO cannot say so (forbidUnknownValues refuses a class
 * without rules), hence this check: no body or an empty object; anything else
 * is a 400 naming the fields, refused rather than ignored.
 */
export function requireEmptyBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('the body must be an empty JSON object {}', [{ path: '$', message: 'must be an empty object' }]);
  const keys = Object.keys(body);
  if (keys.length > 0) {
    throw invalid(`unknown field(s): ${keys.map((k) => `$.${k}`).join(', ')} (the body must be {})`, keys.map((k) => ({ path: `$.${k}`, message: 'unknown field' })));
  }
}

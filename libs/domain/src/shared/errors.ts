import { CodeOfKind, ErrorCode, ErrorKind } from './error-codes';

export type { ErrorCode, ErrorKind } from './error-codes';

/** A faulty value of a request: every 400 VALIDATION_FAILED lists them in `details`. */
export interface ValidationFault {
  /** Where, e.g. `title`, `accommodations[0].type`, `$.blocks[0].competences[2].criteria[1].core`. */
  path: string;
  message: string;
}

/**
 * Every refusal the domain can give, with a stable code from the catalogue
 * (error-codes.ts). The HTTP layer maps the kind to a status (docs/api.md
 * "Errors"); clients rely on the code.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const rule = (code: CodeOfKind<'rule'>, message: string, details?: unknown) => new DomainError('rule', code, message, details);
export const conflict = (code: CodeOfKind<'conflict'>, message: string, details?: unknown) => new DomainError('conflict', code, message, details);
export const notFound = (what: string, id: string) => new DomainError('not-found', 'NOT_FOUND', `${what} ${id} not found`);
export const forbidden = (message: string, code: CodeOfKind<'forbidden'> = 'FORBIDDEN') => new DomainError('forbidden', code, message);
export const invalid = (message: string, details?: readonly ValidationFault[], code: CodeOfKind<'validation'> = 'VALIDATION_FAILED') => new DomainError('validation', code, message, details);
export const unavailable = (code: CodeOfKind<'unavailable'>, message: string) => new DomainError('unavailable', code, message);

/** Exhaustive switches end here: adding a case without handling it fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

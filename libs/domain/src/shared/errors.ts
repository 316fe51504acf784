/**
 * Every refusal the domain can give, with a stable code. The HTTP layer maps
 * the kind to a status (docs/api.md "Errors"); clients rely on the code.
 */
export type ErrorKind =
  | 'validation' // 400
  | 'forbidden' // 403
  | 'not-found' // 404
  | 'conflict' // 409
  | 'precondition' // 412
  | 'rule'; // 422

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const rule = (code: string, message: string, details?: unknown) => new DomainError('rule', code, message, details);
export const conflict = (code: string, message: string, details?: unknown) => new DomainError('conflict', code, message, details);
export const notFound = (what: string, id: string) => new DomainError('not-found', 'NOT_FOUND', `${what} ${id} not found`);
export const forbidden = (message: string, code = 'FORBIDDEN') => new DomainError('forbidden', code, message);
export const invalid = (message: string, details?: unknown, code = 'VALIDATION_FAILED') => new DomainError('validation', code, message, details);

/** Exhaustive switches end here: adding a case without handling it fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

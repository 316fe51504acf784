import { DomainError } from '@app/domain/shared/errors';
import { nonNegativeInteger } from './time-travel';

/** How long `X-Min-Position` may hold a request (docs/api.md: up to 5 s). */
export const MIN_POSITION_WAIT_MS = 5000;

/**
 * Read-your-writes (docs/api.md): a query sent with `X-Min-Position` (the
 * `position` a command answered) waits until `reached` says the reader has
 * processed it, up to 5 s; then it is `lagging` (a 503 with Retry-After).
 * Without the header it does not wait. 400 when the header is not a position.
 */
export async function awaitMinPosition(
  header: string | undefined,
  reached: (position: number, timeoutMs: number) => Promise<boolean>,
  lagging: (position: number) => DomainError,
): Promise<void> {
  if (header === undefined) return;
  const position = nonNegativeInteger(header, 'X-Min-Position');
  if (!(await reached(position, MIN_POSITION_WAIT_MS))) throw lagging(position);
}

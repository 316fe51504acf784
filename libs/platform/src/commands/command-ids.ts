import { createHash, randomUUID } from 'node:crypto';
import { CommandMeta } from './command-meta';

/**
 * The ids one command produces: its events' ids and the ids its decision asks
 * for (`context.newId`: a new session, jury, referential…). Under an
 * Idempotency-Key they are derived from the actor and the key, so a retry of
 * the same command decides the same ids and writes nothing twice; otherwise
 * they are random.
 */
export class CommandIds {
  constructor(private readonly meta: Pick<CommandMeta, 'actor' | 'idempotencyKey'>) {}

  get deterministic(): boolean {
    return !!this.meta.idempotencyKey;
  }

  /** The id of the command's `index`-th event in `streamId`. */
  eventId(streamId: string, index: number): string {
    return this.deterministic ? this.derive(streamId, index) : randomUUID();
  }

  /** A fresh `newId` for one attempt's decision: the n-th id asked for is the same on every attempt. */
  newIdSource(): () => string {
    if (!this.deterministic) return () => randomUUID();
    let n = 0;
    return () => this.derive('id', n++);
  }

  private derive(scope: string, index: number): string {
    return deterministicUuid(`${this.meta.actor.id}\u0000${this.meta.idempotencyKey}\u0000${scope}\u0000${index}`);
  }
}

/** A version-4-shaped uuid from a SHA-256 of `seed`. */
export function deterministicUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The least interval of a follower of the log (a subscription, the ledger
 * sealer): under a steady flow of appends it takes at most one batch per
 * interval, in fewer and larger transactions. The first batch after a quiet
 * spell, the one after a full batch (catching up) and one a reader is waiting
 * for (`hurry`) go at once. Only batches that held events count: an empty
 * read (a poll) does not start an interval.
 */
export class LeastInterval {
  private lastBatch = Number.NEGATIVE_INFINITY;
  private catchingUp = false;
  private hurried = false;
  private endWait: (() => void) | null = null;

  constructor(private readonly ms: number) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('a least interval must be a non-negative number of milliseconds');
  }

  /** Resolves when the next batch may be read: at once, once the interval has passed, or on `hurry`/`interrupt`. */
  async wait(): Promise<void> {
    const gap = this.catchingUp || this.hurried ? 0 : this.lastBatch + this.ms - performance.now();
    this.catchingUp = false;
    if (gap < 1) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, gap);
      this.endWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.endWait = null;
  }

  /** A batch with events was taken at `at`; `full` when more may be waiting (the next is read at once). */
  batched(full: boolean, at = performance.now()): void {
    this.lastBatch = at;
    // A hurried reader waits for this batch (or for a later one: it asks again).
    this.hurried = false;
    this.catchingUp = full;
  }

  /** A reader waits for what the next batch writes: it is read now. */
  hurry(): void {
    this.hurried = true;
    this.endWait?.();
  }

  /** Ends the current wait (the follower stops). */
  interrupt(): void {
    this.endWait?.();
  }
}

/** The first look after a wake-up that found nothing visible yet, and the longest gap between two such looks (nextChase). */
export const CHASE_FIRST_MS = 10;
export const CHASE_MAX_MS = 320;

/**
 * When a follower of the log (a subscription, the ledger sealer) is woken for
 * events it cannot see yet (a transaction running elsewhere holds the gap-safe
 * horizon back), it looks again soon rather than at its poll: 10 ms after the
 * wake-up, then after twice the previous gap. Past 320 ms it stops (0: wait for
 * the poll), or with `keepLooking` goes on every 320 ms. The caller looks only
 * while events lie past what it has.
 */
export function nextChase(woken: boolean, previousMs: number, keepLooking = false): number {
  const next = woken ? CHASE_FIRST_MS : previousMs * 2;
  if (next <= CHASE_MAX_MS) return next;
  return keepLooking ? CHASE_MAX_MS : 0;
}

import type { Pool } from 'pg';
import { AppendResult, ConcurrencyError, ExpectedVersion, NewEvent, StreamWrite } from '@app/event-store/event-store';
import { PostgresEventStore, PostgresEventStoreOptions } from '@app/event-store/postgres-event-store';
import { Metrics } from './metrics';

/**
 * The PostgreSQL event store, measured: append latency and concurrency
 * conflicts. A subclass rather than a wrapper, so that code relying on the
 * concrete store (`onAppend`, `instanceof`) keeps working unchanged.
 */
export class InstrumentedEventStore extends PostgresEventStore {
  constructor(
    pool: Pool,
    options: PostgresEventStoreOptions,
    private readonly metrics: Metrics,
  ) {
    super(pool, options);
  }

  override async append(streamId: string, events: NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    return this.measure('append', events.length, () => super.append(streamId, events, options));
  }

  override async appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    const count = writes.reduce((n, w) => n + (w.events?.length ?? 0), 0);
    return this.measure('appendMany', count, () => super.appendMany(writes));
  }

  private async measure<T>(operation: string, events: number, run: () => Promise<T>): Promise<T> {
    const end = this.metrics.appendDuration.startTimer({ operation });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      this.metrics.appendedEvents.inc(events);
      return result;
    } catch (error) {
      const conflict = error instanceof ConcurrencyError;
      end({ outcome: conflict ? 'conflict' : 'error' });
      if (conflict) this.metrics.concurrencyConflicts.inc({ operation });
      throw error;
    }
  }
}

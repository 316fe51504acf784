import type { Pool } from 'pg';
import { AppendResult, ConcurrencyError } from '@app/event-store/event-store';
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
    super(pool, withGroupSizes(options, metrics));
  }

  // Every argument is passed on as it came: the measurement never changes what is appended.
  override async append(...args: Parameters<PostgresEventStore['append']>): Promise<AppendResult> {
    return this.measure('append', args[1]?.length ?? 0, () => super.append(...args));
  }

  override async appendMany(...args: Parameters<PostgresEventStore['appendMany']>): Promise<AppendResult[]> {
    const count = (args[0] ?? []).reduce((n, w) => n + (w.events?.length ?? 0), 0);
    return this.measure('appendMany', count, () => super.appendMany(...args));
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

/** The group sizes observed by the metrics, besides whatever the caller listens with. */
function withGroupSizes(options: PostgresEventStoreOptions, metrics: Metrics): PostgresEventStoreOptions {
  if (options.groupCommit === false || options.groupCommit?.enabled === false) return options;
  const group = options.groupCommit ?? {};
  return {
    ...options,
    groupCommit: {
      ...group,
      onGroup: (appends) => {
        metrics.appendGroupSize.observe(appends);
        group.onGroup?.(appends);
      },
    },
  };
}

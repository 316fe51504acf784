import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS = 'METRICS';

/**
 * One Prometheus registry per application instance (not prom-client's global
 * one): several apps in one test process, or the API and a CLI job, never
 * clash on metric names.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly appendDuration: Histogram<'operation' | 'outcome'>;
  readonly appendedEvents: Counter;
  readonly appendGroupSize: Histogram;
  readonly concurrencyConflicts: Counter<'operation'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.appendDuration = new Histogram({
      name: 'event_store_append_duration_seconds',
      help: 'Event store append latency (one round trip per append) by operation and outcome (ok, conflict, error)',
      labelNames: ['operation', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.appendedEvents = new Counter({ name: 'event_store_appended_events_total', help: 'Events appended by this process', registers });
    this.appendGroupSize = new Histogram({
      name: 'event_store_append_group_size',
      help: 'Appends written together by one statement (group commit; 1 = an append written alone)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers,
    });
    this.concurrencyConflicts = new Counter({
      name: 'event_store_concurrency_conflicts_total',
      help: 'Appends refused because the stream moved since it was read (the command runner retries them)',
      labelNames: ['operation'],
      registers,
    });
  }

  /** A gauge whose value is read at scrape time (projection lag, ledger lag...). */
  gauge<L extends string>(name: string, help: string, labelNames: L[], collect: (gauge: Gauge<L>) => Promise<void> | void): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      // Several API workers read the same log and checkpoints: their /metrics are aggregated with max, not summed.
      aggregator: 'max',
      async collect() {
        try {
          await collect(this);
        } catch {
          // A source that fails (database away) leaves the gauge as last seen rather than failing the scrape.
        }
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

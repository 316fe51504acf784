import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Metrics, METRICS } from '@app/platform/observability/metrics';
import { OperationsConfig } from '@app/platform/operations.config';
import { Lifecycle, ObservabilityController, OPERATIONS_CONFIG } from './observability.controller';
import { StatusSources } from './status-sources';

/** Gauges read at scrape time from whatever status services this process has. */
@Injectable()
class StatusGauges implements OnModuleInit {
  constructor(
    @Inject(METRICS) private readonly metrics: Metrics,
    private readonly sources: StatusSources,
  ) {}

  onModuleInit(): void {
    const m = this.metrics;
    m.gauge('event_store_head_position', 'Highest global position visible to gap-safe readers', [], async (g) => g.set(await this.sources.headPosition()));
    m.gauge('projection_position', 'Global position each projection has processed', ['projection'], async (g) => {
      for (const p of (await this.sources.projections()) ?? []) g.set({ projection: p.name }, p.position);
    });
    m.gauge('projection_lag_events', 'Events between the log head and each projection', ['projection'], async (g) => {
      for (const p of (await this.sources.projections()) ?? []) g.set({ projection: p.name }, p.lag);
    });
    m.gauge('ledger_lag_events', 'Events visible in the log but not sealed into the hash chain yet', [], async (g) => {
      const l = await this.sources.ledger();
      if (l) g.set(l.lag);
    });
    m.gauge('ledger_sealed_events', 'Ledger size: sequence number of the last sealed event', [], async (g) => {
      const l = await this.sources.ledger();
      if (l) g.set(l.sealedSeq);
    });
    m.gauge('ledger_checkpoint_age_seconds', 'Age of the last signed ledger checkpoint', [], async (g) => {
      const l = await this.sources.ledger();
      if (l && l.checkpointAgeSeconds !== null) g.set(l.checkpointAgeSeconds);
    });
  }
}

/** /health/ready, /metrics, and the lifecycle flag readiness reads. */
@Module({})
export class ObservabilityModule {
  static forRoot(config: OperationsConfig): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [ObservabilityController],
      providers: [{ provide: OPERATIONS_CONFIG, useValue: config }, StatusSources, StatusGauges, Lifecycle],
      exports: [OPERATIONS_CONFIG, StatusSources],
    };
  }
}

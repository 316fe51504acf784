import { BeforeApplicationShutdown, Controller, Get, HttpStatus, Inject, Injectable, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Database } from '@app/event-store/database';
import { Public } from '@app/platform/auth/roles';
import { Metrics, METRICS } from '@app/platform/observability/metrics';
import { OperationsConfig } from '@app/platform/operations.config';
import { DATABASE } from '@app/platform/persistence.module';
import { StatusSources } from './status-sources';

export const OPERATIONS_CONFIG = 'OPERATIONS_CONFIG';

/** Turns readiness off as soon as shutdown starts, so load balancers stop sending new requests while in-flight ones finish. */
@Injectable()
export class Lifecycle implements BeforeApplicationShutdown {
  shuttingDown = false;
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}

@ApiTags('operations')
@Public()
@Controller()
export class ObservabilityController {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(OPERATIONS_CONFIG) private readonly config: OperationsConfig,
    private readonly sources: StatusSources,
    private readonly lifecycle: Lifecycle,
  ) {}

  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: the database answers and the projections are caught up', description: 'Caught up means within READINESS_MAX_PROJECTION_LAG events of the log head.' })
  @ApiResponse({ status: 200, description: 'ready' })
  @ApiResponse({ status: 503, description: 'not ready (database away, projections behind or failed, or shutting down)' })
  async ready(@Res() res: FastifyReply): Promise<void> {
    const checks: Record<string, unknown> = {};
    let ok = !this.lifecycle.shuttingDown;
    if (this.lifecycle.shuttingDown) checks.lifecycle = { status: 'shutting-down' };
    const started = Date.now();
    try {
      await withTimeout(this.db.pool.query('SELECT 1'), 2000);
      checks.database = { status: 'up', kind: this.db.kind, latencyMs: Date.now() - started };
    } catch (error) {
      ok = false;
      checks.database = { status: 'down', kind: this.db.kind, error: (error as Error).message };
    }
    if (checks.database && (checks.database as { status: string }).status === 'up') {
      try {
        const projections = await withTimeout(this.sources.projections(), 2000);
        if (projections) {
          const behind = projections.filter((p) => p.failed || p.lag > this.config.readinessMaxProjectionLag);
          if (behind.length) ok = false;
          checks.projections = { status: behind.length ? 'behind' : 'up', maxLag: this.config.readinessMaxProjectionLag, projections };
        }
      } catch (error) {
        ok = false;
        checks.projections = { status: 'unknown', error: (error as Error).message };
      }
    }
    void res.code(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).send({ status: ok ? 'ready' : 'unavailable', checks });
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'metrics in the Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } })
  async scrape(@Res() res: FastifyReply): Promise<void> {
    const text = await this.metrics.text();
    void res.header('Content-Type', this.metrics.contentType).send(text);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

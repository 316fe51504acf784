import { Controller, Get, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Database } from '@app/event-store/database';
import { DATABASE } from '@app/platform/persistence.module';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/platform/auth/roles';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** 200 when the database answers a query within two seconds, 503 otherwise. */
  @Get()
  @ApiOperation({ summary: 'Liveness: 200 when the database answers within two seconds, 503 otherwise' })
  @ApiResponse({ status: 200, description: 'the database answers', schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  @ApiResponse({ status: 503, description: 'the database does not answer', schema: { type: 'object', properties: { status: { type: 'string', example: 'unavailable' } } } })
  async health(@Res() res: FastifyReply): Promise<void> {
    const started = Date.now();
    try {
      await withTimeout(this.db.pool.query('SELECT 1'), 2000);
      void res.code(HttpStatus.OK).send({ status: 'ok', database: { kind: this.db.kind, latencyMs: Date.now() - started } });
    } catch (error) {
      // Anyone may call /health: the driver's error (addresses, users, internals) goes to the log only.
      new Logger('Health').warn(`database health check failed: ${(error as Error).message}`);
      void res.code(HttpStatus.SERVICE_UNAVAILABLE).send({ status: 'unavailable', database: { kind: this.db.kind, error: 'the database does not answer' } });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e) => { clearTimeout(timer); reject(e); },
    );
  });
}

import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { conflict, invalid, unavailable } from '@app/domain/shared/errors';
import { LedgerRangeError, openExport } from '@app/event-store/ledger/ledger-reader';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { LedgerIntegrityError, SigningKeyNotInForceError } from '@app/event-store/ledger/sealer';
import { Roles } from '@app/platform/auth/roles';
import { OptionalIntParam } from '../../http/query-params';
import { awaitMinPosition } from '../../http/min-position';
import { Refusals } from '../../http/refusals';

export class ExportQuery {
  @ApiPropertyOptional({ description: 'first ledger sequence number of the bundle (an increment after an earlier export); default 1', minimum: 1 })
  @OptionalIntParam(1)
  from?: number;
}

@ApiTags('audit')
@Controller('v1/audit')
export class ExportController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('export')
  @Roles('regulator', 'admin')
  @ApiOperation({
    summary: 'The ledger as a verifiable bundle (cert-ledger-bundle/1, newline-delimited JSON)',
    description:
      'Seals what is committed, signs a checkpoint at the head, then streams: a header (origin, public key, from, previousHead), ' +
      'every event with its seq, leaf and chain hash, and the signed checkpoints right after the event they cover; the last line is ' +
      'the checkpoint covering the whole bundle. Verify it offline with `npm run -s verify -- bundle.ndjson` (see docs/auditors.md).',
  })
  @ApiProduces('application/x-ndjson')
  @ApiHeader({ name: 'X-Min-Position', required: false, description: 'wait (up to 5 s) until the event at this log position is sealed (the `position` a command returned)' })
  @ApiResponse({ status: 200, description: 'the bundle; headers X-Ledger-From, X-Ledger-Size', content: { 'application/x-ndjson': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 400, description: 'from is not an integer >= 1, or lies beyond the end of the ledger' })
  @Refusals('LEDGER_INTEGRITY', 'LEDGER_LAGGING', 'LEDGER_KEY_NOT_IN_FORCE')
  async export(@Query() query: ExportQuery, @Res() res: FastifyReply, @Headers('x-min-position') minPosition?: string): Promise<void> {
    const from = query.from ?? 1;
    await waitSealed(this.ledger, minPosition);
    const checkpoint = await this.ledger.checkpointNow().catch(integrityConflict);
    const bundle = await openExport(this.ledger.pool, this.ledger.key, from, checkpoint).catch((error) => {
      throw error instanceof LedgerRangeError ? invalid(error.message) : error;
    });
    const body = await streamOf(bundle.chunks);
    void res
      .code(200)
      .header('Content-Type', 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="ledger-${from}-${checkpoint.size}.ndjson"`)
      .header('Cache-Control', 'no-store')
      .header('X-Ledger-From', String(from))
      .header('X-Ledger-Size', String(checkpoint.size))
      .send(body);
  }
}

/** X-Min-Position on the audit routes: wait until the ledger has sealed that position (docs/api.md). */
export function waitSealed(ledger: LedgerService, header: string | undefined): Promise<void> {
  return awaitMinPosition(
    header,
    (position, timeoutMs) => ledger.waitForPosition(position, timeoutMs).catch(integrityConflict),
    (position) => unavailable('LEDGER_LAGGING', `the ledger has not sealed position ${position} yet; retry shortly`),
  );
}

/** A halted sealer is a 409 LEDGER_INTEGRITY for the audit routes that seal on demand. */
export function integrityConflict(error: unknown): never {
  if (error instanceof LedgerIntegrityError) throw conflict('LEDGER_INTEGRITY', `${error.message}; run GET /v1/audit/verify`);
  // The message names fingerprints (public), never a key; the operator's fix is a restart (docs/operations.md).
  if (error instanceof SigningKeyNotInForceError) throw unavailable('LEDGER_KEY_NOT_IN_FORCE', error.message);
  throw error;
}

/**
 * The bundle as a byte stream, page by page: the HTTP layer pulls the next page
 * only when the socket has drained, so memory stays flat for any ledger size,
 * and a client that goes away stops the reading (the generator is returned).
 * The first page is read before anything is sent, so a failure there is still
 * an error body; a failure after the first byte can no longer become one: the
 * connection is cut, and the truncated bundle fails verification ("tail not
 * covered by a signed checkpoint") rather than passing for complete.
 */
async function streamOf(chunks: AsyncGenerator<string, void, undefined>): Promise<Readable> {
  let first: IteratorResult<string, void>;
  try {
    first = await chunks.next();
  } catch (error) {
    await chunks.return(undefined);
    throw error;
  }
  async function* all(): AsyncGenerator<string, void, undefined> {
    try {
      if (first.done) return;
      yield first.value;
      yield* chunks;
    } finally {
      await chunks.return(undefined);
    }
  }
  return Readable.from(all(), { objectMode: false });
}

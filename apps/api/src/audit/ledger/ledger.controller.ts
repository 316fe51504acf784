import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { LedgerEntry, listCheckpoints, listEntries } from '@app/event-store/ledger/ledger-reader';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { Roles } from '@app/platform/auth/roles';
import { OptionalIntParam } from '../../http/query-params';
import { waitSealed } from '../export/export.controller';

export class LedgerEventsQuery {
  @ApiPropertyOptional({ description: 'answer entries with seq > after (keyset paging: pass the last seq you received)', default: 0 })
  @OptionalIntParam(0)
  after?: number;

  @ApiPropertyOptional({ description: 'at most this many entries', default: 100, maximum: 1000 })
  @OptionalIntParam(1, 1000)
  limit?: number;
}

export class CheckpointsQuery {
  @ApiPropertyOptional({ description: 'at most this many checkpoints, latest first', default: 20, maximum: 1000 })
  @OptionalIntParam(1, 1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'only checkpoints with size < before (paging back)' })
  @OptionalIntParam(0)
  before?: number;
}

export class PublicKeyQuery {
  @ApiPropertyOptional({ enum: ['json', 'pem'], description: 'pem: the key alone (application/x-pem-file), for `verify --key`' })
  @IsOptional()
  @IsIn(['json', 'pem'])
  format?: 'json' | 'pem';
}

class LedgerEntryDto {
  @ApiProperty({ description: 'ledger sequence number (contiguous from 1)' })
  seq!: number;
  @ApiProperty({ description: 'global log position of the event' })
  position!: number;
  @ApiProperty({ description: 'SHA-256 of the RFC 8785 canonical JSON of the event (hex)' })
  leaf!: string;
  @ApiProperty({ description: 'h(seq) = SHA-256(h(seq-1) || leaf) (hex)' })
  chain!: string;
  @ApiProperty({ description: 'the hashed event: eventId, streamId, version, type, schemaVersion, data (personal data as ciphertext), metadata' })
  event!: LedgerEntry['event'];
}

export class CheckpointDto {
  @ApiProperty() origin!: string;
  @ApiProperty({ description: 'number of events covered' }) size!: number;
  @ApiProperty({ description: 'chain hash at size' }) head!: string;
  @ApiProperty() time!: string;
  @ApiProperty({ description: 'base64 Ed25519 signature over canonicalize({origin, size, head, time})' }) signature!: string;
  @ApiProperty() keyFingerprint!: string;
}

class PublicKeyDto {
  @ApiProperty({ description: 'SPKI PEM of the Ed25519 key that signs checkpoints' }) publicKey!: string;
  @ApiProperty({ description: "'sha256:' + hex SHA-256 of the DER SPKI key" }) keyFingerprint!: string;
  @ApiProperty() origin!: string;
  @ApiProperty({ example: 'Ed25519' }) algorithm!: string;
}

@ApiTags('audit')
@Controller('v1/audit')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('events')
  @Roles('regulator', 'admin')
  @ApiOperation({ summary: 'Sealed events in ledger order, with their leaf and chain hashes' })
  @ApiOkResponse({ type: [LedgerEntryDto] })
  @ApiHeader({ name: 'X-Min-Position', required: false, description: 'wait (up to 5 s) until the event at this log position is sealed' })
  async events(@Query() query: LedgerEventsQuery, @Headers('x-min-position') minPosition?: string): Promise<LedgerEntry[]> {
    await waitSealed(this.ledger, minPosition);
    return listEntries(this.ledger.pool, query.after ?? 0, query.limit ?? 100);
  }

  @Get('checkpoints')
  @Roles('regulator', 'admin')
  @ApiOperation({ summary: 'The latest signed checkpoints, latest first' })
  @ApiOkResponse({ type: [CheckpointDto] })
  checkpoints(@Query() query: CheckpointsQuery) {
    return listCheckpoints(this.ledger.pool, query.limit ?? 20, query.before);
  }

  @Get('public-key')
  @Roles('regulator', 'admin', 'jury')
  @ApiOperation({ summary: 'The public key that signs ledger checkpoints and sealed records', description: 'Pin it when verifying a bundle.' })
  @ApiOkResponse({ type: PublicKeyDto })
  publicKey(@Query() query: PublicKeyQuery, @Res({ passthrough: true }) res: FastifyReply): PublicKeyDto | string {
    const { publicKeyPem, keyFingerprint, origin } = this.ledger.key;
    if (query.format === 'pem') {
      void res.header('Content-Type', 'application/x-pem-file');
      return publicKeyPem;
    }
    return { publicKey: publicKeyPem, keyFingerprint, origin, algorithm: 'Ed25519' };
  }

  @Get('status')
  @Roles('regulator', 'admin')
  @ApiOperation({ summary: 'Sealer status: ledger size, lag behind the log head, last checkpoint and its age' })
  status() {
    return this.ledger.status();
  }
}

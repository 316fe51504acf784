import { Body, Controller, Get, HttpCode, Inject, Param, PipeTransform, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { invalid, notFound } from '@app/domain/shared/errors';
import { fold } from '@app/domain/shared/decider';
import { witnessSpec, witnessStream } from '@app/domain/witness/witness';
import type { EventStore } from '@app/event-store/event-store';
import { checkpointAt, leavesBetween, listCheckpoints } from '@app/event-store/ledger/ledger-reader';
import { GENESIS } from '@app/proof/canonical';
import { checkpointBody, pemFromRaw, WITNESS_NAME } from '@app/proof/witness';
import { Roles } from '@app/platform/auth/roles';
import { CommandMeta, Meta } from '@app/platform/commands/command-meta';
import { CommandResult } from '@app/platform/commands/command-runner';
import { CommandRoute } from '@app/platform/commands/idempotency';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { OptionalIntParam } from '../../http/query-params';
import { integrityConflict } from '../export/export.controller';
import { CheckpointDto } from '../ledger/ledger.controller';
import { Refusals } from '../../http/refusals';
import { CosignCheckpointCommand, RegisterWitnessCommand } from './witness.handlers';

/** Leaves per consistency-proof page: 64 hex characters and punctuation, about 67 bytes each (670 kB a page). */
export const CONSISTENCY_PAGE = 10_000;

export class RegisterWitnessDto {
  @ApiProperty({ example: 'regulator.example', description: 'the name in the witness’s cosignature lines: 1 to 64 of letters, digits, ".", "_", "-"' })
  @IsString()
  @Matches(WITNESS_NAME, { message: 'name must be 1 to 64 of letters, digits, ".", "_", "-", starting with a letter or digit' })
  name!: string;

  @ApiProperty({ description: 'the witness’s Ed25519 public key: SPKI PEM, or base64 of its 32 raw bytes' })
  @IsString()
  @Length(40, 400)
  publicKey!: string;
}

export class CosignDto {
  @ApiProperty({ example: 'regulator.example', description: 'a registered witness' })
  @IsString()
  @Matches(WITNESS_NAME, { message: 'witness must be a witness name' })
  witness!: string;

  @ApiProperty({ description: 'base64 of keyId (4 bytes) || timestamp (8, big-endian Unix seconds) || Ed25519 signature (64) over the cosigned message (C2SP cosignature/v1; docs/auditors.md)' })
  @IsString()
  @Matches(/^[A-Za-z0-9+/]{102}==$/, { message: 'signature must be base64 of 76 bytes' })
  @Length(104, 104)
  signature!: string;

  @ApiPropertyOptional({ description: 'the size of the last checkpoint this witness cosigned before, which it checked this one extends' })
  @IsOptional()
  @IsInt()
  @Min(0)
  previousSize?: number;
}

export class ConsistencyQuery {
  @ApiProperty({ description: 'size of the older checkpoint (0: the empty ledger)' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from!: number;

  @ApiProperty({ description: 'size of the newer checkpoint' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  to!: number;

  @ApiPropertyOptional({ description: 'continuation: the seq of the first leaf wanted (the `next` of the previous page); default from + 1' })
  @OptionalIntParam(1)
  start?: number;
}

/** A checkpoint size in the path: an integer >= 0. */
class SizeParam implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^\d{1,15}$/.test(value)) throw invalid('the checkpoint size must be an integer >= 0', [{ path: 'seq', message: 'not an integer' }]);
    return Number(value);
  }
}

class LatestCheckpointDto extends CheckpointDto {
  @ApiProperty({ description: 'the checkpoint size: the {seq} to cosign' }) seq!: number;
  @ApiProperty({ description: 'the C2SP checkpoint body a witness cosigns: origin, size, base64 head, one per line' }) body!: string;
}

class WitnessDto {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'base64 of the 32 raw bytes' }) publicKey!: string;
  @ApiProperty() publicKeyPem!: string;
  @ApiProperty() keyFingerprint!: string;
  @ApiProperty() registeredAt!: string;
}

class ConsistencyDto {
  @ApiProperty({ description: '{ size, head } of the older checkpoint' }) from!: { size: number; head: string };
  @ApiProperty({ description: '{ size, head } of the newer checkpoint' }) to!: { size: number; head: string };
  @ApiProperty({ description: 'seq of the first leaf of this page' }) start!: number;
  @ApiProperty({ description: 'leaf hashes of seq start.. (hex), at most 10,000; fold them from from.head (or the head reached so far)' }) leaves!: string[];
  @ApiProperty({ nullable: true, type: Number, description: 'pass as start for the next page; null on the last page' }) next!: number | null;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class WitnessController {
  constructor(
    private readonly commands: CommandBus,
    private readonly ledger: LedgerService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('checkpoints/latest')
  @Roles('regulator', 'admin')
  @ApiOperation({ summary: 'The latest signed checkpoint, to cosign', description: 'JSON equivalent of a C2SP signed note: `body` is the checkpoint body a witness cosigns (docs/auditors.md "Witnesses").' })
  @ApiOkResponse({ type: LatestCheckpointDto })
  @Refusals('LEDGER_INTEGRITY')
  async latest(): Promise<LatestCheckpointDto> {
    const [stored] = await listCheckpoints(this.ledger.pool, 1);
    // None yet (a new ledger): sign one now, as an export would.
    const cp = stored ?? { ...(await this.ledger.checkpointNow().catch(integrityConflict)), keyFingerprint: this.ledger.key.keyFingerprint };
    return { seq: cp.size, ...cp, body: checkpointBody(cp) };
  }

  @Get('consistency')
  @Roles('regulator', 'admin')
  @ApiOperation({
    summary: 'Proof that the checkpoint of size `to` extends the one of size `from`',
    description: `The leaf hashes of seq from+1..to, ${CONSISTENCY_PAGE} at most per page: fold h = SHA-256(h || leaf) from the older head and compare with the newer one. About 67 bytes per event.`,
  })
  @ApiOkResponse({ type: ConsistencyDto })
  @Refusals('VALIDATION_FAILED', 'NOT_FOUND')
  async consistency(@Query() query: ConsistencyQuery): Promise<ConsistencyDto> {
    const { from, to } = query;
    if (from > to) throw invalid(`from (${from}) must not exceed to (${to})`, [{ path: 'from', message: 'greater than to' }]);
    const start = query.start ?? from + 1;
    if (start < from + 1 || start > to + 1) throw invalid(`start must lie in ${from + 1}..${to + 1}`, [{ path: 'start', message: 'out of range' }]);
    const older = from === 0 ? { size: 0, head: GENESIS } : await checkpointAt(this.ledger.pool, from);
    if (!older) throw notFound('checkpoint of size', String(from));
    const newer = await checkpointAt(this.ledger.pool, to);
    if (!newer) throw notFound('checkpoint of size', String(to));
    const leaves = start <= to ? await leavesBetween(this.ledger.pool, start, to, CONSISTENCY_PAGE) : [];
    const end = start + leaves.length - 1;
    return { from: { size: older.size, head: older.head }, to: { size: newer.size, head: newer.head }, start, leaves, next: end < to ? end + 1 : null };
  }

  @Post('witnesses')
  @Roles('admin')
  @CommandRoute()
  @ApiOperation({ summary: 'Register a witness key (WitnessRegistered, in the log and the export)' })
  @Refusals('WITNESS_ALREADY_REGISTERED')
  register(@Body() body: RegisterWitnessDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new RegisterWitnessCommand(body.name, body.publicKey, meta));
  }

  @Get('witnesses')
  @Roles('regulator', 'admin')
  @ApiOperation({ summary: 'The registered witnesses and their keys' })
  @ApiOkResponse({ type: [WitnessDto] })
  async witnesses(): Promise<WitnessDto[]> {
    const names = await this.store.streamIdsOf('witness');
    const streams = await this.store.readStreams(names.map((name) => ({ streamId: witnessStream(name) })));
    return streams.map((events) => fold(witnessSpec, events)).flatMap((w) =>
      w.name !== null && w.publicKey !== null
        ? [{ name: w.name, publicKey: w.publicKey, publicKeyPem: pemFromRaw(Buffer.from(w.publicKey, 'base64')), keyFingerprint: w.keyFingerprint!, registeredAt: w.registeredAt! }]
        : [],
    );
  }

  @Post('checkpoints/:seq/cosignatures')
  @HttpCode(201)
  @Roles('regulator')
  @CommandRoute()
  @ApiParam({ name: 'seq', description: 'the checkpoint size (the `seq` of GET /v1/audit/checkpoints/latest)' })
  @ApiOperation({ summary: 'Record a witness cosignature of a checkpoint (CheckpointCosigned)', description: 'The same signature again records nothing.' })
  @Refusals('NOT_FOUND', 'WITNESS_NOT_REGISTERED', 'COSIGNATURE_INVALID', 'PREVIOUS_NOT_COSIGNED')
  cosign(@Param('seq', new SizeParam()) size: number, @Body() body: CosignDto, @Meta() meta: CommandMeta): Promise<CommandResult> {
    return this.commands.execute(new CosignCheckpointCommand(size, body.witness, body.signature, body.previousSize ?? null, meta));
  }
}

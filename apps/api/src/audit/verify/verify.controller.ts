import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { verifyStoredLedger } from '@app/event-store/ledger/ledger-reader';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { Roles } from '@app/platform/auth/roles';

class VerifyAnswer {
  @ApiProperty({ description: 'true when every check passed' })
  ok!: boolean;
  @ApiProperty({ description: 'ledger seq up to which everything verified (= number of sealed events verified)' })
  verifiedUpTo!: number;
  @ApiProperty({ description: 'global log position of the event at verifiedUpTo (0 when none)' })
  verifiedUpToPosition!: number;
  @ApiProperty({ description: 'signed checkpoints whose head and signature verified' })
  checkpoints!: number;
  @ApiProperty({ description: 'committed events not sealed yet, whose stored hash was checked too' })
  unsealedChecked!: number;
  @ApiPropertyOptional({ description: 'global position of the first event found altered or missing (null when the fault is not one event, e.g. a sequence gap)' })
  firstBadPosition?: number | null;
  @ApiPropertyOptional({ description: 'ledger seq of the first fault' })
  firstBadSeq?: number;
  @ApiPropertyOptional({ description: 'what is wrong' })
  reason?: string;
}

@ApiTags('audit')
@Controller('v1/audit')
export class VerifyController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('verify')
  @Roles('regulator', 'admin')
  @ApiOperation({
    summary: 'Re-verify the stored log against the ledger',
    description:
      'Hashes every stored event again from its columns and compares it with the hash recorded at append and the sealed leaf, ' +
      'recomputes the chain, checks the sequence is contiguous and every checkpoint head and signature (by the key in force at its size: ' +
      'after a key rotation, the key the rotation announced; a checkpoint signed by a key no rotation announced is reported); committed events not sealed ' +
      'yet are checked against their append-time hash. Finds a change made directly in the database (e.g. by a superuser who ' +
      'disabled the immutability trigger). Reads the whole ledger: for audits, not for polling.',
  })
  @ApiOkResponse({ type: VerifyAnswer })
  async verify(): Promise<VerifyAnswer> {
    const result = await verifyStoredLedger(this.ledger.pool, this.ledger.key);
    return result;
  }
}

import { verifyStoredLedger } from '@app/event-store/ledger/ledger-reader';
import { CommandInput, noPositionals, progress } from '../command';
import { withLedger } from './audit-export.command';

export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  return withLedger(async (ledger) => {
    const size = await ledger.sealedUpTo();
    const bar = progress('verifying ledger entries', size);
    const result = await verifyStoredLedger(ledger.pool, ledger.key, (seq) => bar.update(seq));
    bar.done(result.verifiedUpTo);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.ok) {
      process.stderr.write(`FAILED at seq ${result.firstBadSeq}${result.firstBadPosition !== null ? ` (position ${result.firstBadPosition})` : ''}: ${result.reason}\n`);
      return 1;
    }
    return 0;
  });
}

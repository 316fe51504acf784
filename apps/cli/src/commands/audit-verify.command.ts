import { verifyStoredLedger } from '@app/event-store/ledger/ledger-reader';
import { CliCommand, parseArgs, progress, UsageError } from '../command';
import { withLedger } from './audit-export.command';

export const auditVerifyCommand: CliCommand = {
  name: 'audit verify',
  summary: 're-verify the stored log against the ledger in the database (as GET /v1/audit/verify); exit 1 on a fault',
  usage: 'audit verify',
  async run(args) {
    const { flags, positional } = parseArgs(args);
    if (positional.length || Object.keys(flags).length) throw new UsageError('audit verify takes no arguments');
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
  },
};

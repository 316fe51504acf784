import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { openExport } from '@app/event-store/ledger/ledger-reader';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { CommandInput, progress, stringFlag, UsageError } from '../command';
import { withHeadlessApp } from '../headless-app';

export async function run(input: CommandInput): Promise<number> {
  if (input.positionals.length !== 1) throw new UsageError('give exactly one output file');
  const file = input.positionals[0];
  const fromFlag = stringFlag(input, 'from');
  const from = fromFlag !== undefined ? Number(fromFlag) : 1;
  if (!Number.isSafeInteger(from) || from < 1) throw new UsageError('--from must be an integer >= 1');
  return withLedger(async (ledger) => {
    const checkpoint = await ledger.checkpointNow();
    if (from > checkpoint.size + 1) throw new UsageError(`--from ${from} is beyond the end of the ledger (${checkpoint.size} events)`);
    const bundle = await openExport(ledger.pool, ledger.key, from, checkpoint);
    const bar = progress('exporting events', bundle.total);
    // Written aside and renamed at the end: a failed export never leaves a plausible half bundle behind.
    const partial = `${file}.partial`;
    const out = createWriteStream(partial);
    let written = 0;
    try {
      for await (const chunk of bundle.chunks) {
        if (!out.write(chunk)) await once(out, 'drain');
        written += countEvents(chunk);
        bar.update(written);
      }
      out.end();
      await once(out, 'finish');
    } catch (error) {
      out.destroy();
      rmSync(partial, { force: true });
      throw error;
    }
    bar.done(written);
    renameSync(partial, file);
    process.stderr.write(
      `wrote ${file}: ${written ? `${written} events (seq ${from}..${checkpoint.size})` : 'no new event'}, ledger size ${checkpoint.size}, head ${checkpoint.head}, signed by ${ledger.key.keyFingerprint}\n` +
        `verify it with: npm run -s verify -- ${file}${from > 1 ? ' --previous <the earlier bundle>' : ''}\n`,
    );
    return 0;
  });
}

function countEvents(chunk: string): number {
  let n = 0;
  for (let i = chunk.indexOf('{"kind":"event"'); i !== -1; i = chunk.indexOf('{"kind":"event"', i + 1)) n++;
  return n;
}

/** The ledger service of a headless application, for one job (the sealer seals on demand for it). */
export function withLedger(job: (ledger: LedgerService) => Promise<number>): Promise<number> {
  return withHeadlessApp((app) => job(app.get(LedgerService, { strict: false })));
}

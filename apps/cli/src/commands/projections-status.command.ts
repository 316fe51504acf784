import { loadConfig } from '@app/platform/config';
import { openProjectionRuntime } from '@app/projections/engine/open-runtime';
import { CommandInput, noPositionals } from '../command';
import { stderrLogger } from './projections-rebuild.command';

export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  const { runtime, db } = await openProjectionRuntime(loadConfig(), { logger: stderrLogger });
  try {
    const status = await runtime.status();
    if (input.values.json) {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    for (const p of status) {
      const rebuilding = p.rebuilding ? `, rebuilding g${p.rebuilding.generation} at ${p.rebuilding.position}` : '';
      process.stdout.write(`${p.name.padEnd(24)} ${p.status.padEnd(7)} g${p.generation ?? '-'} v${p.codeVersion} position ${p.position} / head ${p.head} (lag ${p.lag})${rebuilding}${p.error ? `\n  error: ${p.error}` : ''}\n`);
    }
    return status.some((p) => p.status === 'failed') ? 1 : 0;
  } finally {
    await db.close();
  }
}

import { loadConfig } from '@app/platform/config';
import { openProjectionRuntime } from '@app/projections/engine/open-runtime';
import { CliCommand, parseArgs } from '../command';
import { stderrLogger } from './projections-rebuild.command';

export const projectionsStatusCommand: CliCommand = {
  name: 'projections status',
  summary: 'each projection: live generation, position reached, log head, lag, failure, rebuild in progress',
  usage: 'projections status [--json]',
  async run(args) {
    const { flags } = parseArgs(args, ['json']);
    const { runtime, db } = await openProjectionRuntime(loadConfig(), { logger: stderrLogger });
    try {
      const status = await runtime.status();
      if (flags.json) {
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
  },
};

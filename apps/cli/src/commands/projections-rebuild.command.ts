import { loadConfig } from '@app/platform/config';
import { openProjectionRuntime } from '@app/projections/engine/open-runtime';
import { integer } from '@app/platform/config';
import { projectionsFor } from '@app/projections/projections';
import { CommandInput, progress, stringFlag, UsageError } from '../command';

export const stderrLogger = {
  log: (m: string) => process.stderr.write(`${m}\n`),
  warn: (m: string) => process.stderr.write(`warning: ${m}\n`),
  error: (m: string) => process.stderr.write(`error: ${m}\n`),
};

export async function run(input: CommandInput): Promise<number> {
  const positional = input.positionals;
  const batchFlag = stringFlag(input, 'batch-size');
  const name = positional[0];
  if (!name || positional.length > 1) throw new UsageError('name one projection');
  const config = loadConfig();
  const projections = projectionsFor(config);
  if (!projections.some((p) => p.name === name)) throw new UsageError(`unknown projection ${name} (known: ${projections.map((p) => p.name).join(', ')})`);
  // Events read and applied per transaction while rebuilding (the runtime's rebuild default when absent).
  const batchSize = batchFlag ? integer({ B: batchFlag }, 'B', 5_000, 1, 50_000) : undefined;
  const { runtime, db } = await openProjectionRuntime(config, { logger: stderrLogger });
  try {
    let bar: ReturnType<typeof progress> | null = null;
    let last = 0;
    const started = Date.now();
    const result = await runtime.rebuild(name, {
      batchSize,
      onProgress: (done, total) => {
        bar ??= progress(`rebuilding ${name}`, total);
        bar.update(done);
        last = done;
      },
    });
    (bar as ReturnType<typeof progress> | null)?.done(last);
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`${name}: generation ${result.generation} is live, ${result.events} events in ${seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    await db.close();
  }
}

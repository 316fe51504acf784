import { readFileSync } from 'node:fs';
import { CommandInput, UsageError } from '../command';

export async function run(input: CommandInput): Promise<number> {
  const positional = input.positionals;
  if (positional.length !== 1) throw new UsageError('give the report file, as received from the CDC');
  let xml: string;
  try {
    xml = readFileSync(positional[0], 'utf8');
  } catch {
    throw new UsageError(`cannot read ${positional[0]}`);
  }
  const { withCliExporter } = await import('../../../api/src/exports/accrochage/accrochage-cli');
  return withCliExporter({}, async (exporter) => {
    const imported = await exporter.importReport(xml);
    process.stdout.write(`${JSON.stringify(imported, null, 2)}\n`);
    if (imported.rejected.length) process.stderr.write(`${imported.rejected.length} passage(s) rejected: corrected, they go out again with the next export\n`);
    return 0;
  });
}

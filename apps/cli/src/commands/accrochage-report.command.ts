import { readFileSync } from 'node:fs';
import { CliCommand, parseArgs, UsageError } from '../command';

export const accrochageReportCommand: CliCommand = {
  name: 'accrochage report',
  summary: "import the CDC's processing report of a flux (accepted and rejected passages); JSON summary on stdout",
  usage: 'accrochage report FILE',
  async run(args) {
    const { positional } = parseArgs(args);
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
  },
};

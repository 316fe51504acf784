import { existsSync } from 'node:fs';
import { CliCommand, parseArgs, UsageError } from '../command';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const accrochageExportCommand: CliCommand = {
  name: 'accrochage export',
  summary: 'print the CDC accrochage XML flux (sealed awards not declared yet or rejected, else pending withdrawals); JSON report on stderr',
  usage: 'accrochage export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--include-exported] [--preview] [--xsd FILE] > flux.xml',
  async run(args) {
    const { flags, positional } = parseArgs(args, ['include-exported', 'preview']);
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
    const from = flags.from?.[0];
    const to = flags.to?.[0];
    const xsd = flags.xsd?.[0];
    for (const [name, v] of [['--from', from], ['--to', to]] as const) if (v !== undefined && !DATE.test(v)) throw new UsageError(`${name} must be a date YYYY-MM-DD`);
    if (from && to && from > to) throw new UsageError('--from must not be after --to');
    if (xsd !== undefined && !existsSync(xsd)) throw new UsageError(`--xsd: no file at ${xsd}`);
    // Loaded on use, so that `help` does not pay for the exporter and its modules.
    const { withCliExporter } = await import('../../../api/src/exports/accrochage/accrochage-cli');
    const { warningText } = await import('../../../api/src/exports/accrochage/accrochage-exporter');
    return withCliExporter({ xsdFile: xsd }, async (exporter, warningDays) => {
      const { xml, report } = await exporter.export({ from, to, includeExported: flags['include-exported']?.[0] === 'true', preview: flags.preview?.[0] === 'true' });
      if (xml) process.stdout.write(xml);
      process.stderr.write(`${JSON.stringify({ ...report, warning: warningText(report, warningDays) }, null, 2)}\n`);
      if (!xml) process.stderr.write('nothing new to declare in this period\n');
      return 0;
    });
  },
};

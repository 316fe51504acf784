import { existsSync } from 'node:fs';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { ConfigError } from '@app/platform/config';
import { CommandInput, noPositionals, stringFlag, UsageError } from '../command';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  const from = stringFlag(input, 'from');
  const to = stringFlag(input, 'to');
  const xsd = stringFlag(input, 'xsd');
  for (const [name, v] of [['--from', from], ['--to', to]] as const) if (v !== undefined && !DATE.test(v)) throw new UsageError(`${name} must be a date YYYY-MM-DD`);
  if (from && to && from > to) throw new UsageError('--from must not be after --to');
  if (xsd !== undefined && !existsSync(xsd)) throw new UsageError(`--xsd: no file at ${xsd}`);
  // A configuration error, found before the database is opened (the API answers 422 CDC_NOT_CONFIGURED for the same).
  const { emitterId, certifierId, contractId } = loadOperationsConfig().cdc;
  if (!emitterId || !certifierId || !contractId) {
    throw new ConfigError('the accrochage export needs CDC_EMITTER_ID, CDC_CERTIFIER_ID (defaults to the emitter) and CDC_CONTRACT_ID');
  }
  const { withCliExporter } = await import('../../../api/src/exports/accrochage/accrochage-cli');
  const { warningText } = await import('../../../api/src/exports/accrochage/accrochage-exporter');
  return withCliExporter({ xsdFile: xsd }, async (exporter, warningDays) => {
    const { xml, report } = await exporter.export({ from, to, includeExported: input.values['include-exported'] === true, preview: input.values.preview === true });
    if (xml) process.stdout.write(xml);
    process.stderr.write(`${JSON.stringify({ ...report, warning: warningText(report, warningDays) }, null, 2)}\n`);
    if (!xml) process.stderr.write('nothing new to declare in this period\n');
    return 0;
  });
}

import { openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { PersonalDataVault, VAULT_MIGRATIONS } from '@app/platform/personal-data/vault';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { ConfigError, loadConfig as loadAppConfig } from '@app/platform/config';
import { CommandInput, noPositionals, stringFlag, UsageError } from '../command';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export async function run(input: CommandInput): Promise<number> {
  noPositionals(input);
  const from = stringFlag(input, 'from');
  const to = stringFlag(input, 'to');
  for (const [name, v] of [['--from', from], ['--to', to]] as const) if (v !== undefined && !DATE.test(v)) throw new UsageError(`${name} must be a date YYYY-MM-DD`);
  if (from && to && from > to) throw new UsageError('--from must not be after --to');
  const config = loadAppConfig();
  const operations = loadOperationsConfig();
  // A configuration error, found before the database is opened (the API answers 422 CDC_NOT_CONFIGURED for the same).
  const { emitterId, certifierId, contractId } = operations.cdc;
  if (!emitterId || !certifierId || !contractId) {
    throw new ConfigError('the accrochage export needs CDC_EMITTER_ID, CDC_CERTIFIER_ID (defaults to the emitter) and CDC_CONTRACT_ID');
  }
  const { ACCROCHAGE_MIGRATIONS, AccrochageExporter, warningText } = await import('../../../api/src/exports/accrochage/accrochage-exporter');
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.schema, poolSize: 2, statementTimeoutMs: config.statementTimeoutMs });
  try {
    await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
    await migrate(db.pool, VAULT_MIGRATIONS, 'vault');
    await migrate(db.pool, ACCROCHAGE_MIGRATIONS, 'accrochage');
    const vault = new PersonalDataVault(db);
    const exporter = new AccrochageExporter(db.pool, new PostgresEventStore(db.pool), (s) => vault.open(s), operations.cdc);
    const { xml, report } = await exporter.export({ from, to, includeExported: input.values['include-exported'] === true, preview: input.values.preview === true });
    if (xml) process.stdout.write(xml);
    const warning = warningText(report, operations.cdc.deadlineWarningDays);
    process.stderr.write(`${JSON.stringify({ ...report, warning }, null, 2)}\n`);
    if (!xml) process.stderr.write('nothing new to declare in this period\n');
    return 0;
  } finally {
    await db.close();
  }
}

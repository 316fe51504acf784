import { openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { loadConfig } from '@app/platform/config';
import { PersonalDataVault, VAULT_MIGRATIONS } from '@app/platform/personal-data/vault';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { CliCommand, parseArgs, UsageError } from '../command';

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export const accrochageExportCommand: CliCommand = {
  name: 'accrochage export',
  summary: 'print the CDC accrochage XML flux of the awards of a period (only those not declared yet); JSON report on stderr',
  usage: 'accrochage export [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--include-exported] [--preview] > flux.xml',
  async run(args) {
    const { flags, positional } = parseArgs(args, ['include-exported', 'preview']);
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`);
    const from = flags.from?.[0];
    const to = flags.to?.[0];
    for (const [name, v] of [['--from', from], ['--to', to]] as const) if (v !== undefined && !DATE.test(v)) throw new UsageError(`${name} must be a date YYYY-MM-DD`);
    if (from && to && from > to) throw new UsageError('--from must not be after --to');
    const config = loadConfig();
    // Loaded on use, so that `help` does not pay for the exporter and its modules.
    const { ACCROCHAGE_MIGRATIONS, AccrochageExporter, warningText } = await import('../../../api/src/exports/accrochage/accrochage-exporter');
    const operations = loadOperationsConfig();
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.schema, poolSize: 2, statementTimeoutMs: config.statementTimeoutMs });
    try {
      await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
      await migrate(db.pool, VAULT_MIGRATIONS, 'vault');
      await migrate(db.pool, ACCROCHAGE_MIGRATIONS, 'accrochage');
      const vault = new PersonalDataVault(db);
      const exporter = new AccrochageExporter(db.pool, new PostgresEventStore(db.pool), (s) => vault.open(s), operations.cdc);
      const { xml, report } = await exporter.export({ from, to, includeExported: flags['include-exported']?.[0] === 'true', preview: flags.preview?.[0] === 'true' });
      if (xml) process.stdout.write(xml);
      const warning = warningText(report, operations.cdc.deadlineWarningDays);
      process.stderr.write(`${JSON.stringify({ ...report, warning }, null, 2)}\n`);
      if (!xml) process.stderr.write('nothing new to declare in this period\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};

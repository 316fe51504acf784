import { openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { loadConfig } from '@app/platform/config';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { PersonalDataVault, VAULT_MIGRATIONS } from '@app/platform/personal-data/vault';
import { ACCROCHAGE_MIGRATIONS, AccrochageExporter } from './accrochage-exporter';
import { XsdValidator } from './xsd-validator';

/**
 * The exporter as the CLI uses it: its own small pool on the configured
 * database, the schema given by --xsd (else CDC_XSD_FILE). The CLI commands
 * stay thin; the work is the same as over HTTP.
 */
export async function withCliExporter<T>(options: { xsdFile?: string }, work: (exporter: AccrochageExporter, warningDays: number) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const operations = loadOperationsConfig();
  const xsdFile = options.xsdFile ?? operations.cdc.xsdFile;
  const validator = xsdFile ? XsdValidator.fromFile(xsdFile) : null;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.schema, poolSize: 2, statementTimeoutMs: config.statementTimeoutMs });
  try {
    await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
    await migrate(db.pool, VAULT_MIGRATIONS, 'vault');
    await migrate(db.pool, ACCROCHAGE_MIGRATIONS, 'accrochage');
    const vault = new PersonalDataVault(db);
    const exporter = new AccrochageExporter(db.pool, new PostgresEventStore(db.pool), (s) => vault.open(s), { ...operations.cdc, validator, approvalRequired: operations.record.approvalRequired }, undefined, (id, value) => vault.seal(id, value));
    return await work(exporter, operations.cdc.deadlineWarningDays);
  } finally {
    await db.close();
  }
}

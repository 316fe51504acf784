import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import type { TextBodyRoute } from '@app/platform/http/json-body';
import { Database } from '@app/event-store/database';
import { EventStore } from '@app/event-store/event-store';
import { migrate } from '@app/event-store/migrations';
import { OperationsConfig } from '@app/platform/operations.config';
import { DATABASE, EVENT_STORE } from '@app/platform/persistence.module';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { ACCROCHAGE_MIGRATIONS, AccrochageExporter } from './accrochage/accrochage-exporter';
import { ACCROCHAGE_EXPORTER, AccrochageController, CDC_WARNING_DAYS } from './accrochage/accrochage.controller';
import { XsdValidator } from './accrochage/xsd-validator';

@Injectable()
class ExportsMigrations implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database) {}
  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, ACCROCHAGE_MIGRATIONS, 'accrochage');
  }
}

/** The processing report arrives as the CDC sent it: XML, not JSON (read as text by the HTTP layer, see bootstrap). */
export const ACCROCHAGE_REPORT_BODY: TextBodyRoute = {
  method: 'POST',
  url: '/v1/exports/accrochage/reports',
  types: ['application/xml', 'text/xml', 'application/*+xml', 'text/plain', 'application/octet-stream'],
  limit: 20 * 1024 * 1024,
};

/** Outputs to outside bodies: the CDC accrochage flux, and the CDC's processing reports read back. */
@Module({})
export class ExportsModule {
  static forRoot(config: OperationsConfig): DynamicModule {
    // Read once at start: a schema that cannot be read stops the process rather than the first export.
    const validator = config.cdc.xsdFile ? XsdValidator.fromFile(config.cdc.xsdFile) : null;
    return {
      module: ExportsModule,
      controllers: [AccrochageController],
      providers: [
        ExportsMigrations,
        { provide: CDC_WARNING_DAYS, useValue: config.cdc.deadlineWarningDays },
        {
          provide: ACCROCHAGE_EXPORTER,
          useFactory: (db: Database, store: EventStore, vault: PersonalDataVault) => new AccrochageExporter(db.pool, store, (s) => vault.open(s), { ...config.cdc, validator, approvalRequired: config.record.approvalRequired }, undefined, (id, value) => vault.seal(id, value)),
          inject: [DATABASE, EVENT_STORE, PersonalDataVault],
        },
      ],
    };
  }
}

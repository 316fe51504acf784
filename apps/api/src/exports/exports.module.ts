import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Database } from '@app/event-store/database';
import { EventStore } from '@app/event-store/event-store';
import { migrate } from '@app/event-store/migrations';
import { OperationsConfig } from '@app/platform/operations.config';
import { DATABASE, EVENT_STORE } from '@app/platform/persistence.module';
import { PersonalDataVault } from '@app/platform/personal-data/vault';
import { ACCROCHAGE_MIGRATIONS, AccrochageExporter } from './accrochage/accrochage-exporter';
import { ACCROCHAGE_EXPORTER, AccrochageController, CDC_WARNING_DAYS } from './accrochage/accrochage.controller';

@Injectable()
class ExportsMigrations implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database) {}
  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, ACCROCHAGE_MIGRATIONS, 'accrochage');
  }
}

/** Outputs to outside bodies: the CDC accrochage flux. */
@Module({})
export class ExportsModule {
  static forRoot(config: OperationsConfig): DynamicModule {
    return {
      module: ExportsModule,
      controllers: [AccrochageController],
      providers: [
        ExportsMigrations,
        { provide: CDC_WARNING_DAYS, useValue: config.cdc.deadlineWarningDays },
        {
          provide: ACCROCHAGE_EXPORTER,
          useFactory: (db: Database, store: EventStore, vault: PersonalDataVault) => new AccrochageExporter(db.pool, store, (s) => vault.open(s), config.cdc),
          inject: [DATABASE, EVENT_STORE, PersonalDataVault],
        },
      ],
    };
  }
}

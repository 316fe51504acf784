import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/platform/config';
import { persistenceModules } from '@app/platform/persistence.module';
import { ProjectionsModule } from '@app/projections/projections.module';
import { LedgerModule } from '@app/platform/ledger/ledger.service';
import { loadLedgerConfig } from '@app/platform/ledger/ledger-config';
import { loadSigningKey } from '@app/platform/signing/signing-key';

/** The API's persistence and projection modules, without HTTP. */
@Module({})
export class ProjectorModule {
  static forRoot(config: AppConfig): DynamicModule {
    // The ledger sealer is a projection too: it signs with the API's key (SIGNING_KEY_PEM / SIGNING_KEY_FILE, or the same DATA_DIR).
    const ledger = LedgerModule.forRoot({ runSealer: true, config: loadLedgerConfig(process.env), signingKey: loadSigningKey(process.env, config.dataDir) });
    return { module: ProjectorModule, imports: [...persistenceModules(config), ProjectionsModule, ledger] };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { LedgerModule, LedgerService } from '@app/platform/ledger/ledger.service';
import { loadLedgerConfig } from '@app/platform/ledger/ledger.service';
import { LEDGER_STATUS } from '../observability/status-sources';
import { ExportController } from './export/export.controller';
import { LedgerController } from './ledger/ledger.controller';
import { VerifyController } from './verify/verify.controller';

/**
 * The audit ledger over HTTP: export bundle, server-side verification, the
 * sealed events, checkpoints and the public key. The sealer runs here unless
 * RUN_PROJECTIONS=false hands it to the projector process.
 */
@Module({})
export class AuditModule {
  /** LEDGER_CHECKPOINT_EVERY / LEDGER_CHECKPOINT_SECONDS come from `env`; a bad value stops the start. */
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AuditModule,
      imports: [LedgerModule.forRoot({ runSealer: 'auto', config: loadLedgerConfig(env) })],
      controllers: [ExportController, VerifyController, LedgerController],
      providers: [{ provide: LEDGER_STATUS, useExisting: LedgerService }],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { LedgerModule, LedgerService } from '@app/platform/ledger/ledger.service';
import { loadLedgerConfig } from '@app/platform/ledger/ledger-config';
import { LEDGER_STATUS } from '../observability/status-sources';
import { ExportController } from './export/export.controller';
import { LedgerController } from './ledger/ledger.controller';
import { VerifyController } from './verify/verify.controller';
import { WitnessController } from './witness/witness.controller';
import { CosignCheckpointHandler, RegisterWitnessHandler } from './witness/witness.handlers';

/**
 * The audit ledger over HTTP: export bundle, server-side verification, the
 * sealed events, checkpoints and the public key, and the witnesses who cosign
 * checkpoints (with the consistency proofs they check first). The sealer runs here unless
 * RUN_PROJECTIONS=false hands it to the projector process.
 */
@Module({})
export class AuditModule {
  /** LEDGER_CHECKPOINT_EVERY / LEDGER_CHECKPOINT_SECONDS come from `env`; a bad value stops the start. */
  static forRoot(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AuditModule,
      imports: [LedgerModule.forRoot({ runSealer: 'auto', config: loadLedgerConfig(env) })],
      // WitnessController first: its checkpoints/latest must not be taken for another route's parameter.
      controllers: [WitnessController, ExportController, VerifyController, LedgerController],
      providers: [{ provide: LEDGER_STATUS, useExisting: LedgerService }, RegisterWitnessHandler, CosignCheckpointHandler],
    };
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { AuthConfig } from '@app/platform/auth/auth.config';
import { AppConfig } from '@app/platform/config';
import { persistenceModules } from '@app/platform/persistence.module';
import { PlatformModule } from '@app/platform/platform.module';
import { SigningKey } from '@app/platform/signing/signing-key';
import { HealthController } from './health/health.controller';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { ObservabilityModule } from './observability/observability.module';
import { ExportsModule } from './exports/exports.module';
import { CredentialsModule } from './credentials/credentials.module';
import { ReferentialsModule } from './referentials/referentials.module';
import { JuriesModule } from './juries/juries.module';
import { SessionsModule } from './sessions/sessions.module';
import { CandidatesModule } from './candidates/candidates.module';
import { SearchCandidatesModule } from './candidates/search-candidates/search-candidates.module';
import { ErasureModule } from './erasure/erasure.module';
import { AuditModule } from './audit/audit.module';
import { ProgressModule } from './progress/progress.module';
import { HistoryModule } from './history/history.module';
import { BackOfficeListsModule } from './sessions/back-office-lists.module';
import { ConsoleModule } from './console/console.module';
import { ConsoleSettings, loadConsoleSettings } from './console/console.config';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, auth: AuthConfig, signingKey: SigningKey, env: NodeJS.ProcessEnv = process.env, consoleSettings: ConsoleSettings = loadConsoleSettings(env, auth)): DynamicModule {
    const operations = loadOperationsConfig(env);
    return {
      module: AppModule,
      imports: [
        ...persistenceModules(config),
        PlatformModule.forRoot(auth, signingKey),
        ReferentialsModule,
        JuriesModule,
        SessionsModule,
        CandidatesModule,
        SearchCandidatesModule,
        ErasureModule,
        ObservabilityModule.forRoot(operations),
        ExportsModule.forRoot(operations),
        CredentialsModule.forRoot(operations),
        AuditModule.forRoot(env),
        ProgressModule,
        HistoryModule,
        BackOfficeListsModule,
        ConsoleModule.forRoot(consoleSettings, auth),
      ],
      controllers: [HealthController],
    };
  }
}

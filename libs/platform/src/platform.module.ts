import { Global, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { Database } from '@app/event-store/database';
import { migrate } from '@app/event-store/migrations';
import { AuthConfig } from './auth/auth.config';
import { AuthGuard, TOKEN_VERIFIER } from './auth/auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { Clock } from './commands/clock';
import { CommandRunner } from './commands/command-runner';
import { StreamStates } from './commands/stream-states';
import { CommandGuard, IDEMPOTENCY_MIGRATIONS } from './commands/idempotency';
import { ErrorsFilter } from './http/errors.filter';
import { RateLimits } from './http/rate-limit';
import { loadSecurityConfig } from './http/security.config';
import { AppConfig } from './config';
import { APP_CONFIG, DATABASE } from './persistence.module';
import { IdentityViews } from './personal-data/identity-view';
import { PERSONAL_DATA_KEKS, PersonalDataVault, vaultKeys } from './personal-data/vault';
import { FreeTexts } from './personal-data/free-texts';
import { WhoSeesWhat } from './personal-data/who-sees-what';
import { SIGNING_KEY, SigningKey } from './signing/signing-key';

export const AUTH_CONFIG = 'AUTH_CONFIG';

@Injectable()
class PlatformMigrations implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database) {}
  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, IDEMPOTENCY_MIGRATIONS, 'platform');
  }
}

/** Authentication, errors, the command pipeline: what every HTTP module relies on. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(auth: AuthConfig, signingKey: SigningKey) {
    return {
      module: PlatformModule,
      imports: [CqrsModule.forRoot()],
      providers: [
        PlatformMigrations,
        { provide: AUTH_CONFIG, useValue: auth },
        { provide: SIGNING_KEY, useValue: signingKey },
        { provide: TOKEN_VERIFIER, useValue: new TokenVerifier(auth) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorsFilter },
        StreamStates,
        Clock,
        CommandRunner,
        CommandGuard,
        { provide: PERSONAL_DATA_KEKS, useFactory: (config: AppConfig) => vaultKeys(config), inject: [APP_CONFIG] },
        PersonalDataVault,
        IdentityViews,
        FreeTexts,
        WhoSeesWhat,
        { provide: RateLimits, useFactory: (config: AppConfig) => new RateLimits(config.security ?? loadSecurityConfig({})), inject: [APP_CONFIG] },
      ],
      exports: [AUTH_CONFIG, SIGNING_KEY, TOKEN_VERIFIER, StreamStates, Clock, CommandRunner, CommandGuard, PersonalDataVault, IdentityViews, FreeTexts, WhoSeesWhat, RateLimits, CqrsModule],
    };
  }
}

import { DynamicModule, Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { Database } from '@app/event-store/database';
import { EventStore } from '@app/event-store/event-store';
import { migrate } from '@app/event-store/migrations';
import { OperationsConfig } from '@app/platform/operations.config';
import { DATABASE, EVENT_STORE } from '@app/platform/persistence.module';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { CREDENTIAL_MIGRATIONS, CredentialIssuer } from './credential-issuer';
import { CREDENTIAL_ISSUER, CredentialsController } from './credentials.controller';
import { BlocksCertificates } from './blocks-certificate/blocks-certificate';
import { BlocksCertificateController } from './blocks-certificate/blocks-certificate.controller';

@Injectable()
class CredentialMigrations implements OnModuleInit {
  constructor(@Inject(DATABASE) private readonly db: Database) {}
  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, CREDENTIAL_MIGRATIONS, 'credentials');
  }
}

/** Open Badges 3.0 credentials, their status list and their verification; the signed certificate of blocks. */
@Module({})
export class CredentialsModule {
  static forRoot(config: OperationsConfig): DynamicModule {
    return {
      module: CredentialsModule,
      controllers: [CredentialsController, BlocksCertificateController],
      providers: [
        CredentialMigrations,
        BlocksCertificates,
        {
          provide: CREDENTIAL_ISSUER,
          useFactory: (db: Database, store: EventStore, key: SigningKey) =>
            new CredentialIssuer(db.pool, store, { privateKey: key.privateKey, issuerId: config.credentials.issuerId, publicBaseUrl: config.credentials.publicBaseUrl, approvalRequired: config.record.approvalRequired }),
          inject: [DATABASE, EVENT_STORE, SIGNING_KEY],
        },
      ],
    };
  }
}

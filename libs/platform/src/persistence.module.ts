import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import * as pg from 'pg';
import { Database, openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { AppConfig, groupCommitOptions } from './config';
import { InstrumentedEventStore } from './observability/instrumented-event-store';
import { Metrics, METRICS } from './observability/metrics';

export const APP_CONFIG = 'APP_CONFIG';
export const DATABASE = 'DATABASE';
export const EVENT_STORE = 'EVENT_STORE';

/**
 * TypeORM builds its own pg Pool from its options; handing it a pg module whose
 * Pool constructor returns the shared pool keeps one pool per process (on the
 * embedded database, one connection for everything).
 */
function sharedPoolDriver(pool: pg.Pool) {
  return {
    ...pg,
    Pool: function SharedPool() {
      return pool;
    },
  };
}

@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: Database) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close().catch((error) => new Logger('Database').warn(`close: ${(error as Error).message}`));
  }
}

/** The database, the event store and TypeORM, shared by every module of the process. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    const databaseProvider = {
      provide: DATABASE,
      useFactory: async (): Promise<Database> => {
        const logger = new Logger('Database');
        const db = await openDatabase({
          url: config.databaseUrl,
          dataDir: config.dataDir,
          schema: config.schema,
          poolSize: config.poolSize,
          statementTimeoutMs: config.statementTimeoutMs,
        });
        const applied = await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
        logger.log(`${db.kind === 'embedded' ? `embedded PostgreSQL (PGlite) in ${config.dataDir}` : 'PostgreSQL server'}, schema ${db.schema}${applied.length ? `, migrations applied: ${applied.join(', ')}` : ''}`);
        return db;
      },
    };
    const storeProvider = {
      provide: EVENT_STORE,
      useFactory: (db: Database, metrics: Metrics) => new InstrumentedEventStore(db.pool, { signal: db.signal, groupCommit: groupCommitOptions(config.eventStore), notify: db.kind === 'server' }, metrics),
      inject: [DATABASE, METRICS],
    };
    return {
      module: DatabaseModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, { provide: METRICS, useFactory: () => new Metrics() }, databaseProvider, storeProvider, DatabaseCloser],
      exports: [APP_CONFIG, DATABASE, EVENT_STORE, METRICS],
    };
  }
}

export function persistenceModules(config: AppConfig): DynamicModule[] {
  return [
    DatabaseModule.forRoot(config),
    TypeOrmModule.forRootAsync({
      useFactory: (db: Database) => ({
        type: 'postgres' as const,
        driver: sharedPoolDriver(db.pool),
        schema: db.schema,
        autoLoadEntities: true,
        synchronize: false,
        logging: false,
      }),
      inject: [DATABASE],
    }),
  ];
}

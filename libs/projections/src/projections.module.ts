import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Database } from '@app/event-store/database';
import { EventStore } from '@app/event-store/event-store';
import { AppConfig, projectionSettings, projectionsInThread } from '@app/platform/config';
import { blindIndexKey } from '@app/platform/personal-data/blind-index';
import { APP_CONFIG, DATABASE, EVENT_STORE } from '@app/platform/persistence.module';
import { CandidateProgressQuery } from './candidate-progress/candidate-progress.query';
import { ProjectionRuntime, ProjectionState } from './engine/projection-runtime';
import { ReadSideThread } from './engine/read-side-thread';
import { projectionsFor } from './projections';
import { READ_MODEL_ENTITIES } from './read-model-entities';
import { CandidateSearchQuery } from './candidate-search/candidate-search.query';

/**
 * What metrics, health and the admin route read: per projection the position
 * reached, the log head, the lag and whether it is failed. Works in every
 * process (it reads the checkpoint table), whether or not the projections run here.
 */
@Injectable()
export class ProjectionStatus {
  constructor(private readonly runtime: ProjectionRuntime) {}

  async status(): Promise<Array<ProjectionState & { failed: boolean }>> {
    return (await this.runtime.status()).map((p) => ({ ...p, failed: p.status === 'failed' }));
  }
}

@Injectable()
class ProjectionLifecycle implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Projections');
  private thread: ReadSideThread | null = null;

  constructor(
    private readonly runtime: ProjectionRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.runtime.init();
  }

  onApplicationBootstrap(): void {
    if (projectionsInThread(this.config)) {
      // The ledger sealer goes with them (LedgerService leaves it to the thread).
      this.thread = new ReadSideThread(this.runtime, this.config, this.logger);
      this.thread.start();
      this.logger.log('projections and ledger sealer running in a worker thread of this process (PROJECTIONS_THREAD)');
    } else if (this.config.runProjections) this.runtime.start();
    else if (process.env.API_WORKER_NUMBER) this.logger.log(`API worker ${process.env.API_WORKER_NUMBER}: HTTP only, the projections run in another worker or a projector`);
    else this.logger.log('RUN_PROJECTIONS=false: projections run in a separate projector process');
  }

  /** Before the database closes (that happens at application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.thread?.stop();
    await this.runtime.stop();
  }
}

/** The engine, its read models and their queries: imported by the API's query modules and by the projector. */
@Module({
  imports: [TypeOrmModule.forFeature(READ_MODEL_ENTITIES)],
  providers: [
    {
      provide: ProjectionRuntime,
      // Hand-built configs (tests) may leave the settings out: the defaults then.
      useFactory: (db: Database, store: EventStore, config: AppConfig) =>
        new ProjectionRuntime(db, store, projectionsFor(config), { ...(config.projections ?? projectionSettings({})), logger: new Logger('Projections') }),
      inject: [DATABASE, EVENT_STORE, APP_CONFIG],
    },
    {
      provide: CandidateProgressQuery,
      useFactory: (dataSource: DataSource, store: EventStore) => new CandidateProgressQuery(dataSource, store),
      inject: [DataSource, EVENT_STORE],
    },
    {
      provide: CandidateSearchQuery,
      useFactory: (dataSource: DataSource, config: AppConfig) => new CandidateSearchQuery(dataSource, blindIndexKey(config)),
      inject: [DataSource, APP_CONFIG],
    },
    ProjectionLifecycle,
    ProjectionStatus,
  ],
  exports: [ProjectionRuntime, ProjectionStatus, CandidateProgressQuery, CandidateSearchQuery],
})
export class ProjectionsModule {}

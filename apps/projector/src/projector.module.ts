import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/platform/config';
import { persistenceModules } from '@app/platform/persistence.module';
import { ProjectionsModule } from '@app/projections/projections.module';

/** The API's persistence and projection modules, without HTTP. */
@Module({})
export class ProjectorModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: ProjectorModule, imports: [...persistenceModules(config), ProjectionsModule] };
  }
}

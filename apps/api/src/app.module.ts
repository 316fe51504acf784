import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@app/platform/config';
import { persistenceModules } from '@app/platform/persistence.module';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [...persistenceModules(config)],
      controllers: [HealthController],
    };
  }
}

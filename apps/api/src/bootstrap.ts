import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@app/platform/config';
import { AppModule } from './app.module';

/** Builds the HTTP application; shared by main.ts and the end-to-end tests. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: false, logger: config.logLevel === 'silent' ? false : undefined });
  app.enableShutdownHooks();
  return app;
}

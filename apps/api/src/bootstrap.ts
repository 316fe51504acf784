import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { AppConfig } from '@app/platform/config';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { validationPipe } from '@app/platform/http/validation';
import { AppModule } from './app.module';

/** Builds the HTTP application; shared by main.ts and the end-to-end tests. */
export async function createApp(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const auth = loadAuthConfig(env, config.dataDir);
  const signingKey = loadSigningKey(env, config.dataDir);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, auth, signingKey), {
    logger: config.logLevel === 'silent' ? false : undefined,
    bodyParser: false,
  });
  if (auth.mode === 'development') {
    new Logger('Auth').warn(`no identity provider configured: trusting the DEVELOPMENT key in ${config.dataDir}/keys (never in production; see README "Security")`);
  }
  app.useBodyParser('json', { limit: '256kb', strict: true });
  app.useGlobalPipes(validationPipe());
  app.enableShutdownHooks();
  return app;
}

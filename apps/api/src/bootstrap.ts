import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { AppConfig } from '@app/platform/config';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { vaultKeys } from '@app/platform/personal-data/vault';
import { blindIndexKey } from '@app/platform/personal-data/blind-index';
import { validationPipe } from '@app/platform/http/validation';
import { applyHttpSecurity, applyRequestLimits } from '@app/platform/http/http-security';
import { AppModule } from './app.module';
import { Metrics, METRICS } from '@app/platform/observability/metrics';
import { httpObservability } from './observability/http-observability';
import { setupOpenApi } from './openapi';
import { startupLogger } from './startup';

/** Builds the HTTP application; shared by main.ts and the end-to-end tests. */
export async function createApp(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const auth = loadAuthConfig(env, config.dataDir);
  const signingKey = loadSigningKey(env, config.dataDir);
  vaultKeys(config); // the KEK: checked here, where a ConfigError names it
  blindIndexKey(config, env); // the search index key, likewise
  const logger = startupLogger(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, auth, signingKey, env), {
    logger: logger ?? false,
    bodyParser: false,
  });
  // First middleware: every response, refused ones included, is measured and logged with its correlation id.
  app.use(httpObservability(app.get<Metrics>(METRICS), logger));
  for (const warning of auth.warnings) new Logger('Auth').warn(warning);
  applyHttpSecurity(app, config);
  applyRequestLimits(app, config);
  app.useGlobalPipes(validationPipe());
  // SIGTERM: readiness off, in-flight requests finish (server close), projections stop, pools close, exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupOpenApi(app);
  return app;
}

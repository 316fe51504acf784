import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { AppConfig } from '@app/platform/config';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { vaultKeys } from '@app/platform/personal-data/vault';
import { blindIndexKey } from '@app/platform/personal-data/blind-index';
import { validationPipe } from '@app/platform/http/validation';
import { installCommandAnswers } from '@app/platform/commands/idempotency';
import { DATABASE } from '@app/platform/persistence.module';
import type { Database } from '@app/event-store/database';
import { applyHttpSecurity, applyRequestLimits, httpAdapter } from '@app/platform/http/http-security';
import { AppModule } from './app.module';
import { Metrics, METRICS } from '@app/platform/observability/metrics';
import { installHttpObservability } from './observability/http-observability';
import { ACCROCHAGE_REPORT_BODY } from './exports/exports.module';
import { setupOpenApi } from './openapi';
import { startupLogger } from './startup';
import { loadConsoleSettings } from './console/console.config';
import { registerConsoleStatic } from './console/console-static';

/** Builds the HTTP application; shared by main.ts and the end-to-end tests. */
export async function createApp(config: AppConfig, env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const auth = loadAuthConfig(env, config.dataDir);
  const signingKey = loadSigningKey(env, config.dataDir);
  vaultKeys(config); // the KEK: checked here, where a ConfigError names it
  blindIndexKey(config, env); // the search index key, likewise
  const consoleSettings = loadConsoleSettings(env, auth);
  const logger = startupLogger(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, auth, signingKey, env, consoleSettings), httpAdapter(config), {
    logger: logger ?? false,
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  // First hooks: every response, refused ones included, is measured and logged with its correlation id.
  installHttpObservability(fastify, app.get<Metrics>(METRICS), logger);
  recordRoutes(app, fastify);
  // Command routes' answers: ETag, and the first answer stored under an Idempotency-Key (CommandGuard's other half).
  installCommandAnswers(fastify, app.get<Database>(DATABASE));
  for (const warning of auth.warnings) new Logger('Auth').warn(warning);
  await applyHttpSecurity(app, config);
  applyRequestLimits(app, config, [ACCROCHAGE_REPORT_BODY]);
  if (!(await registerConsoleStatic(fastify, consoleSettings))) new Logger('Console').warn('the console is not built (dist/console): /console is not served; `npm start` or `npm run build` builds it');
  app.useGlobalPipes(validationPipe());
  // SIGTERM: readiness off, in-flight requests finish (server close), projections stop, pools close, exit 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupOpenApi(app);
  return app;
}

const routes = new WeakMap<INestApplication, Array<{ method: string; path: string }>>();

function recordRoutes(app: INestApplication, fastify: FastifyInstance): void {
  const list: Array<{ method: string; path: string }> = [];
  routes.set(app, list);
  fastify.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) list.push({ method, path: route.url });
  });
}

/** Every route the HTTP server serves, the application's and the ones plugins add (Swagger UI, CORS preflight), HEAD twins included. */
export function registeredRoutes(app: INestApplication): Array<{ method: string; path: string }> {
  return [...(routes.get(app) ?? [])];
}

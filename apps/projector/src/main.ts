import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lockDataDirectory } from '@app/event-store/data-directory-lock';
import { ConfigError, exitUnlessProductionReady, loadConfig } from '@app/platform/config';
import { JsonLogger } from '@app/platform/observability/logger';
import { ProjectorModule } from './projector.module';

/**
 * The projections as a separate worker (scale-out): same modules as the API,
 * no HTTP. Any number may run; per projection one holds the advisory lock and
 * the others wait to take over. Set RUN_PROJECTIONS=false on the API then.
 */
async function main(): Promise<void> {
  exitUnlessProductionReady();
  // The projector is the read side's process: no thread of its own for it.
  const config = { ...loadConfig(), runProjections: true, projectionsThread: 'off' as const };
  if (!config.databaseUrl) {
    // Name the holder when there is one (the API, usually): that is the process to ask.
    lockDataDirectory(config.dataDir).release();
    throw new ConfigError('DATABASE_URL is required: the embedded database belongs to one process, which runs the projections inside the API');
  }
  const logger = config.logLevel === 'silent' ? false : new JsonLogger(config.logLevel);
  const app = await NestFactory.createApplicationContext(ProjectorModule.forRoot(config), { logger });
  app.enableShutdownHooks();
  new Logger('Projector').log(`projector started (pid ${process.pid}); waiting for or holding each projection's runner lock`);
}

main().catch((error) => {
  // A bad setting or a held data directory: one line, exit 2 (the operator fixes it); anything else: 1.
  if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
  else if ((error as Error).name === 'DataDirectoryLockedError') console.error(`error: ${(error as Error).message}`);
  else console.error(error);
  process.exit(error instanceof ConfigError || (error as Error).name === 'DataDirectoryLockedError' ? 2 : 1);
});

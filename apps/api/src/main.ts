import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, exitUnlessProductionReady, loadConfig } from '@app/platform/config';
import { createApp } from './bootstrap';
import { loadOperationsConfig } from '@app/platform/operations.config';

async function main(): Promise<void> {
  exitUnlessProductionReady();
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
  new Logger('Main').log(`API listening on http://localhost:${config.port} (OpenAPI at /docs)`);
  // Nest's shutdown hooks drain and close on SIGTERM/SIGINT; this only bounds how long that may take.
  const { shutdownTimeoutMs } = loadOperationsConfig();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      new Logger('Main').log(`${signal}: finishing in-flight requests, then stopping projections and closing the database`);
      setTimeout(() => {
        new Logger('Main').error(`graceful shutdown took more than ${shutdownTimeoutMs} ms: exiting`);
        process.exit(1);
      }, shutdownTimeoutMs).unref();
    });
  }
}

main().catch((error) => {
  // A bad setting stops the process with a message that names it.
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});

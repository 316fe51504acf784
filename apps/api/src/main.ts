import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { claimEmbeddedDataDirectory } from '@app/event-store/data-directory-lock';
import { exitUnlessProductionReady, loadConfig } from '@app/platform/config';
import { createApp } from './bootstrap';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { boundPort, checkDatabaseReachable, startedListening, startupFailure, startupLines } from './startup';

async function main(): Promise<void> {
  exitUnlessProductionReady();
  const config = loadConfig();
  // Before Nest boots: a held data directory or an unreachable server is one line and exit 2.
  claimEmbeddedDataDirectory(config);
  await checkDatabaseReachable(config);
  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
  announce(config, boundPort(app));
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

/** A terminal gets a few plain lines; a log collector the one JSON record it always had, with the real port. */
function announce(config: ReturnType<typeof loadConfig>, port: number): void {
  startedListening();
  if (process.stdout.isTTY && config.logLevel !== 'silent') process.stdout.write(`${startupLines(config, port).join('\n')}\n`);
  else new Logger('Main').log(`API listening on http://localhost:${port} (OpenAPI at /docs)`);
}

main().catch((error) => {
  // A bad setting, a held data directory, an unreachable database: one line naming it.
  const { line, exitCode } = startupFailure(error);
  console.error(line);
  process.exit(exitCode);
});

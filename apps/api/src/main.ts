import 'reflect-metadata';
import cluster from 'node:cluster';
import { claimEmbeddedDataDirectory } from '@app/event-store/data-directory-lock';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { AppConfig, exitUnlessProductionReady, loadConfig } from '@app/platform/config';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { JsonLogger } from '@app/platform/observability/logger';
import { blindIndexKey } from '@app/platform/personal-data/blind-index';
import { loadKeyEncryptionKeys } from '@app/platform/personal-data/kek';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { METRICS } from '@app/platform/observability/metrics';
import { apiWorkers, metricsThroughPrimary, runPrimary, WORKER_NUMBER_ENV, workerPids, workersLine } from './cluster';
import { checkDatabaseReachable, startupFailure, startupLines } from './startup';
import { applyHeapGrowth, heapGrowthPercent } from './heap';

async function main(): Promise<void> {
  exitUnlessProductionReady();
  const loaded = loadConfig();
  // PROJECTIONS_THREAD=auto: the read side in a thread of its own on a server database (AppConfig.projectionsThread).
  const config: AppConfig = loaded.projectionsThread === 'auto' ? { ...loaded, projectionsThread: loaded.databaseUrl ? 'on' : 'off' } : loaded;
  // Every process of the API, workers included (each runs this main), before it loads anything.
  applyHeapGrowth(heapGrowthPercent());
  if (cluster.isWorker) return serve(config, Number(process.env[WORKER_NUMBER_ENV]));
  const count = apiWorkers(config);
  // One worker: the API is this process, as it always was (the embedded default always is).
  if (count === 1) return serve(config, null);
  await checkDatabaseReachable(config);
  // Development keys are generated here, once, before the workers would race to create them.
  loadAuthConfig(process.env, config.dataDir);
  loadSigningKey(process.env, config.dataDir);
  loadKeyEncryptionKeys(config.kek ?? { previousFiles: [], production: false }, config.dataDir);
  blindIndexKey(config);
  const log = new JsonLogger(config.logLevel);
  const tty = process.stdout.isTTY && config.logLevel !== 'silent';
  runPrimary({
    count,
    config,
    shutdownTimeoutMs: loadOperationsConfig().shutdownTimeoutMs,
    log: { info: (m) => log.log(m, 'Cluster'), error: (m) => log.error(m, 'Cluster') },
    onListening: (port) => {
      const workers = workersLine(count, config, workerPids());
      if (tty) process.stdout.write(`${[...startupLines(config, port, process.env, count), `  workers:  ${workers}`].join('\n')}\n`);
      else log.log(`API listening on http://localhost:${port} (OpenAPI at /docs); ${workers}`, 'Main');
    },
  });
}

/** One API process: the whole API (worker = null) or worker `worker` of a cluster. */
async function serve(config: AppConfig, worker: number | null): Promise<void> {
  // Nest and the application load here only: the cluster primary never needs them. (Relative or package
  // specifiers only: the tsc build of the Docker image rewrites `@app/…` in static imports, not in import().)
  const [{ Logger }, { createApp }, { boundPort, startedListening }] = await Promise.all([import('@nestjs/common'), import('./bootstrap'), import('./startup')]);
  if (worker === null) {
    // Before Nest boots: a held data directory or an unreachable server is one line and exit 2.
    claimEmbeddedDataDirectory(config);
    await checkDatabaseReachable(config);
  }
  const app = await createApp(config);
  if (worker !== null) metricsThroughPrimary(app.get(METRICS));
  await app.listen(config.port, '0.0.0.0');
  startedListening();
  if (worker !== null) {
    new Logger('Main').log(`worker ${worker} (pid ${process.pid}) listening${config.runProjections ? ', running the projections and the ledger sealer' : ''}`);
  } else if (process.stdout.isTTY && config.logLevel !== 'silent') {
    // A terminal gets a few plain lines; a log collector the one JSON record it always had, with the real port.
    process.stdout.write(`${[...startupLines(config, boundPort(app)), `  workers:  ${workersLine(1, config)}`].join('\n')}\n`);
  } else new Logger('Main').log(`API listening on http://localhost:${boundPort(app)} (OpenAPI at /docs)`);
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
  // A bad setting, a held data directory, an unreachable database: one line naming it.
  const { line, exitCode } = startupFailure(error);
  console.error(line);
  process.exit(exitCode);
});

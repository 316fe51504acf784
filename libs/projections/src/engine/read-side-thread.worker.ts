import { parentPort, workerData } from 'node:worker_threads';
import { ledgerSealer, loadLedgerConfig } from '@app/platform/ledger/ledger-config';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { openProjectionRuntime } from './open-runtime';
import type { ProjectionLogger } from './projection-runtime';
import type { FromReadSide, ReadSideWorkerData, ToReadSide } from './read-side-thread';

/**
 * The read side's thread (read-side-thread.ts): the projections' runners and
 * the ledger sealer on a pool of their own, reporting to the API's main
 * thread. It loads neither Nest nor TypeORM: what it runs is the engine, the
 * projections' folds and the sealer.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('read-side-thread.worker.js runs as a worker thread of the API');
  const { config } = workerData as ReadSideWorkerData;
  const post = (message: FromReadSide) => port.postMessage(message);
  const logger: ProjectionLogger = {
    log: (message) => post({ type: 'log', level: 'log', message }),
    warn: (message) => post({ type: 'log', level: 'warn', message }),
    error: (message) => post({ type: 'log', level: 'error', message }),
  };
  // A connection per runner's batch and one for the sealer (the locks and the wake-ups have their own).
  const { runtime, db, store } = await openProjectionRuntime(config, { ...config.projections, logger, poolSize: 4 });
  const sealer = ledgerSealer(db.pool, loadSigningKey(process.env, config.dataDir), loadLedgerConfig(process.env));
  const report = (name: string, progressed: boolean) => {
    const runner = runtime.runnerOf(name);
    if (runner) post({ type: 'runner', name, status: runner.status, checkpoint: runner.checkpoint, failures: runner.failures, progressed });
  };
  runtime.events.on('progress', (name: string) => report(name, true));
  // Changes that are not batches (waiting for a lock, taking it over, rebuilding) within a second.
  const ticker = setInterval(() => runtime.projections.forEach((p) => report(p.name, false)), 1000);
  let stopping: Promise<void> | null = null;
  port.on('message', (message: ToReadSide) => {
    if (message.type === 'hurry') runtime.hurry(message.name);
    else if (message.type === 'stop') {
      stopping ??= (async () => {
        clearInterval(ticker);
        await runtime.stop();
        await sealer.stop();
        await db.close();
        process.exit(0);
      })();
    }
  });
  runtime.start();
  sealer.start((listener) => store.onAppend(listener), db.connection, (error) => logger.error(`sealer: ${(error as Error).message ?? String(error)}`));
}

main().catch((error) => {
  parentPort?.postMessage({ type: 'log', level: 'error', message: `read side thread failed to start: ${(error as Error).stack ?? String(error)}` } satisfies FromReadSide);
  process.exit(1);
});

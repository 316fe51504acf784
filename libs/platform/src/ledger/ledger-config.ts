import type { Pool } from 'pg';
import { LedgerConfig, LedgerSealer } from '@app/event-store/ledger/sealer';
import { integer } from '../config';
import type { SigningKey } from '../signing/signing-key';

/** The sealer's least time between two batches under a steady flow of appends (SealerOptions.minIntervalMs). */
export const LEDGER_SEAL_INTERVAL_DEFAULT_MS = 200;

/** LEDGER_CHECKPOINT_EVERY (default 1000 events), LEDGER_CHECKPOINT_SECONDS (default 10), LEDGER_SEAL_INTERVAL_MS. */
export function loadLedgerConfig(env: NodeJS.ProcessEnv): LedgerConfig {
  return {
    checkpointEvery: integer(env, 'LEDGER_CHECKPOINT_EVERY', 1000, 1, 1_000_000),
    checkpointSeconds: integer(env, 'LEDGER_CHECKPOINT_SECONDS', 10, 1, 86_400),
    sealIntervalMs: integer(env, 'LEDGER_SEAL_INTERVAL_MS', LEDGER_SEAL_INTERVAL_DEFAULT_MS, 0, 10_000),
  };
}

/**
 * The ledger's sealer signing with `key`: the LedgerService's, and the read
 * side thread's (read-side-thread.worker.ts), which loads no Nest module.
 */
export function ledgerSealer(pool: Pool, key: SigningKey, config: LedgerConfig): LedgerSealer {
  return new LedgerSealer(pool, {
    origin: key.origin,
    privateKey: key.privateKey,
    keyFingerprint: key.fingerprint,
    checkpointEvery: config.checkpointEvery,
    checkpointSeconds: config.checkpointSeconds,
    minIntervalMs: config.sealIntervalMs,
  });
}

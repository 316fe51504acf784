import { openDatabase } from '@app/event-store/database';
import { migrate } from '@app/event-store/migrations';
import { AppConfig } from '../config';
import { PersonalDataVault, RewrapProgress, VAULT_MIGRATIONS, vaultKeys } from './vault';

/**
 * KEK rotation, run by `npm run -s cli -- kek rotate`: re-wraps every live
 * data key (and `system:` secret) under PERSONAL_DATA_KEK_FILE, reading the
 * old ones with PERSONAL_DATA_KEK_PREVIOUS_FILES. Safe to interrupt and rerun:
 * each row moves on its own, and both KEKs read until the run completes.
 */
export async function rotateKek(config: AppConfig, onProgress: (p: RewrapProgress) => void): Promise<{ kekId: string; rewrapped: number; remaining: number }> {
  const keks = vaultKeys(config);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.schema, poolSize: 2, statementTimeoutMs: config.statementTimeoutMs });
  try {
    await migrate(db.pool, VAULT_MIGRATIONS, 'vault');
    const vault = new PersonalDataVault(db, keks);
    const result = await vault.rewrap({ onProgress });
    const remaining = await vault.countNotUnderCurrentKek();
    return { kekId: keks.current.id, rewrapped: result.done, remaining };
  } finally {
    await db.close();
  }
}

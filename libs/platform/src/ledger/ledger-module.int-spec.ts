import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { loadConfig } from '@app/platform/config';
import { DatabaseModule, EVENT_STORE } from '@app/platform/persistence.module';
import { loadSigningKey } from '@app/platform/signing/signing-key';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../../../test/support/databases';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { appendEvents } from '@app/event-store/testing/ledger-test-kit';
import { verifyCheckpointSignature } from '@app/proof/canonical';
import { LedgerModule, LedgerService } from './ledger.service';
import { loadLedgerConfig } from './ledger-config';

/** The recipe for a process without HTTP or PlatformModule (the projector): the ledger module alone seals. */
describe('LedgerModule in a worker process', () => {
  it('runs the sealer with the key and cadence it is given, and stops cleanly', async () => {
    const schema = uniqueSchema('ledger');
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-worker-'));
    const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: dataDir, LEDGER_CHECKPOINT_EVERY: '3' };
    const config = { ...loadConfig(env), runProjections: true };
    const signingKey = loadSigningKey(env, dataDir);
    @Module({ imports: [DatabaseModule.forRoot(config), LedgerModule.forRoot({ runSealer: true, config: loadLedgerConfig(env), signingKey })] })
    class WorkerModule {}
    const app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    try {
      await app.init();
      const ledger = app.get(LedgerService);
      await appendEvents(app.get<PostgresEventStore>(EVENT_STORE), 7);
      const deadline = Date.now() + 10_000;
      while ((await ledger.sealedUpTo()) < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const status = await ledger.status();
      expect(status).toMatchObject({ sealedSeq: 7, running: true, leader: true, lastCheckpoint: { size: 6 } });
      const cp = await ledger.checkpointNow();
      expect(cp.size).toBe(7);
      expect(verifyCheckpointSignature(cp, signingKey.publicKeyPem)).toBe(true);
    } finally {
      await app.close();
      await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

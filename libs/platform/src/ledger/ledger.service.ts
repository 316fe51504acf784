import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Database } from '@app/event-store/database';
import { migrate } from '@app/event-store/migrations';
import type { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { LEDGER_MIGRATIONS } from '@app/event-store/ledger/ledger-migrations';
import { LedgerKey } from '@app/event-store/ledger/ledger-reader';
import { LedgerConfig, LedgerSealer, LedgerStatus } from '@app/event-store/ledger/sealer';
import { ledgerSealer, loadLedgerConfig } from './ledger-config';
import { appendKeyRotation } from '@app/event-store/ledger/key-rotation';
import { keyFingerprint, type SignedCheckpoint } from '@app/proof/canonical';
import type { RotationData } from '@app/proof/key-chain';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { AppConfig, projectionsInThread } from '../config';
import { APP_CONFIG, DATABASE, EVENT_STORE } from '../persistence.module';
import { SIGNING_KEY, SigningKey } from '../signing/signing-key';

export const LEDGER_OPTIONS = 'LEDGER_OPTIONS';

export interface LedgerModuleOptions {
  /**
   * Run the background sealer in this process. 'auto' follows RUN_PROJECTIONS (the API
   * seals unless a separate projector does); the projector passes true.
   */
  runSealer: boolean | 'auto';
  /** Checkpoint cadence; defaults to LEDGER_CHECKPOINT_EVERY / LEDGER_CHECKPOINT_SECONDS from the environment. */
  config?: LedgerConfig;
  /** For processes without the PlatformModule (the projector): the key it would provide as SIGNING_KEY. */
  signingKey?: SigningKey;
}

/** The rotation is in the log, but a transaction held it back from the ledger: it is done all the same (the next sealer seals it). */
export class KeyRotationNotSealedError extends Error {
  constructor(readonly position: number) {
    super(`the key rotation is appended (position ${position}) but a transaction held it back from the ledger for 30 s: the sealer seals it later, and only the new key signs after it`);
    this.name = 'KeyRotationNotSealedError';
  }
}

/**
 * The ledger of this process: applies its migrations, runs the sealer in the
 * background (appends never wait for it), and seals on demand for exports.
 */
@Injectable()
export class LedgerService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');
  readonly sealer: LedgerSealer;
  readonly key: LedgerKey;
  private readonly config: LedgerConfig;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(APP_CONFIG) private readonly appConfig: AppConfig,
    @Inject(LEDGER_OPTIONS) private readonly options: LedgerModuleOptions,
  ) {
    const config = (this.config = options.config ?? loadLedgerConfig(process.env));
    this.key = { origin: signingKey.origin, publicKeyPem: signingKey.publicKeyPem, keyFingerprint: signingKey.fingerprint };
    this.sealer = ledgerSealer(db.pool, signingKey, config);
  }

  get pool() {
    return this.db.pool;
  }

  async onModuleInit(): Promise<void> {
    await migrate(this.db.pool, LEDGER_MIGRATIONS, 'ledger');
  }

  onApplicationBootstrap(): void {
    // 'auto': where the projections run, unless they run in the read side's thread, which runs the sealer too.
    const run = this.options.runSealer === 'auto' ? this.appConfig.runProjections && !projectionsInThread(this.appConfig) : this.options.runSealer;
    if (!run) return;
    this.sealer.start(
      (listener) => this.store.onAppend(listener),
      // On a server several processes may run; the leader lock lives on a connection of its own.
      this.db.kind === 'server' ? this.db.connection : undefined,
      (error) => this.logger.error(`sealer: ${(error as Error).message ?? String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sealer.stop();
  }

  /** Ledger size: events sealed so far. */
  async sealedUpTo(): Promise<number> {
    return (await this.sealer.status()).sealedSeq;
  }

  /** Seals everything visible, then returns a signed checkpoint covering the whole ledger. */
  checkpointNow(): Promise<SignedCheckpoint> {
    return this.sealer.checkpointNow();
  }

  /**
   * Rotates the ledger's signing key to `next`: signs a checkpoint with the key in force (this
   * process's), appends the SigningKeyRotated event signed by it and by `next`, then seals that
   * event and signs the checkpoint covering it with `next`. From there on only `next` may sign:
   * this process (and every other one holding the old key) signs nothing more until restarted with it.
   */
  async rotateKey(next: KeyObject, actor: { id: string; role: string }): Promise<{ rotation: RotationData; checkpoint: SignedCheckpoint }> {
    const after = await this.sealer.checkpointNow();
    const { data, append } = await appendKeyRotation(this.store, {
      origin: this.key.origin,
      previousPublicKeyPem: this.key.publicKeyPem,
      previousKey: this.signingKey.privateKey,
      nextKey: next,
      after,
      actor,
    });
    const sealer = new LedgerSealer(this.db.pool, {
      origin: this.key.origin,
      privateKey: next,
      keyFingerprint: keyFingerprint(createPublicKey(next)),
      checkpointEvery: this.config.checkpointEvery,
      checkpointSeconds: this.config.checkpointSeconds,
    });
    // The new key signs nothing before the rotation is sealed (a transaction still open may hold it back a moment).
    const deadline = Date.now() + 30_000;
    while (!(await sealer.sealAll().then(() => sealer.isSealed(append.lastPosition)))) {
      if (Date.now() > deadline) throw new KeyRotationNotSealedError(append.lastPosition);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { rotation: data, checkpoint: await sealer.checkpointNow() };
  }

  /**
   * Read-your-writes for audit reads (`X-Min-Position`): seals on demand until the
   * event at `position` is in the ledger (or no event holds that position and the
   * log has passed it); false after `timeoutMs`.
   */
  async waitForPosition(position: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.sealer.sealAll();
      if ((await this.sealer.isSealed(position)) || (await this.store.positionSkipped(position))) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** For metrics and the audit status route: lag = headPosition - sealedPosition. */
  status(): Promise<LedgerStatus & { lagPositions: number }> {
    return this.sealer.status().then((s) => ({ ...s, lagPositions: Math.max(0, s.headPosition - s.sealedPosition) }));
  }
}

/**
 * Import with runSealer 'auto' in the API, true in the projector:
 * `LedgerModule.forRoot({ runSealer: true, config: loadLedgerConfig(env), signingKey: loadSigningKey(env, dataDir) })`.
 * Every process that seals must hold the same key (SIGNING_KEY_PEM / SIGNING_KEY_FILE).
 */
@Module({})
export class LedgerModule {
  static forRoot(options: LedgerModuleOptions = { runSealer: 'auto' }): DynamicModule {
    return {
      module: LedgerModule,
      providers: [
        { provide: LEDGER_OPTIONS, useValue: options },
        ...(options.signingKey ? [{ provide: SIGNING_KEY, useValue: options.signingKey }] : []),
        LedgerService,
      ],
      exports: [LedgerService],
    };
  }
}

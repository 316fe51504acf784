import type { KeyObject } from 'node:crypto';
import { Client, Pool, PoolClient, PoolConfig } from 'pg';
import { LOG_START, LogCheckpoint, StoredEvent } from '../event-store';
import { eventColumns, gapSafe, visible } from '../log-sql';
import { lastRotatedKey } from './key-rotation';
import { LeastInterval, nextChase } from '../least-interval';
import { PostgresLogReader } from '../postgres-event-store';
import { chainHash, GENESIS, leafHash, signCheckpoint, type SignedCheckpoint } from '@app/proof/canonical';
import { chainKey, isRotation, rotationProblem, type ChainKey } from '@app/proof/key-chain';

/**
 * The sealer gives every event of the log, in gap-safe order, a contiguous ledger
 * sequence number and a chain hash h(n) = SHA-256(h(n-1) || leaf(n)), and signs a
 * checkpoint {origin, size, head, time} every N events or T seconds.
 *
 * Correctness does not depend on who runs it: every batch runs in one transaction
 * under a transaction-level advisory lock and re-reads where the ledger stands, so
 * two sealers (an API process exporting, the projector's loop) serialise and each
 * event is sealed exactly once. The session-level "leader" lock only stops several
 * background loops from polling for nothing.
 */

export interface SealerOptions {
  origin: string;
  privateKey: KeyObject;
  keyFingerprint: string;
  /** Sign a checkpoint once this many events were sealed since the last one. */
  checkpointEvery: number;
  /** ... or once the oldest uncovered event waited this long. */
  checkpointSeconds: number;
  batchSize?: number;
  /** Back-up poll of the background loop, when no append wakes it. */
  pollIntervalMs?: number;
  /**
   * Least time between two batches of the background loop while appends keep
   * coming, in ms (default 0): the first append after a quiet spell is sealed
   * at once, a steady flow in one batch per interval (a full batch is followed at once).
   */
  minIntervalMs?: number;
  now?: () => Date;
}

export interface LedgerConfig {
  checkpointEvery: number;
  checkpointSeconds: number;
  /** SealerOptions.minIntervalMs. */
  sealIntervalMs?: number;
}

/** A stored event does not hash to what was recorded at append: tampering or a bug. Sealing stops. */
export class LedgerIntegrityError extends Error {
  readonly code = 'LEDGER_INTEGRITY';
  constructor(
    readonly position: number,
    message: string,
  ) {
    super(message);
    this.name = 'LedgerIntegrityError';
  }
}

/**
 * This sealer's key is not the ledger's key in force (the key named by the last rotation, or,
 * before any, the key of the checkpoints): it seals, but signs nothing, since a checkpoint signed
 * by a key no rotation announced fails every verification. Restart the process with the key in
 * force; replace a key with `keys rotate`, never by configuring another one.
 */
export class SigningKeyNotInForceError extends Error {
  readonly code = 'LEDGER_KEY_NOT_IN_FORCE';
  constructor(
    readonly held: string,
    readonly inForce: string,
    rotatedAt: number | null,
  ) {
    super(
      rotatedAt !== null
        ? `this process signs with ${held}, but the ledger's key is ${inForce} since seq ${rotatedAt} (a key rotation): restart it with the key in force (SIGNING_KEY_FILE)`
        : `this process signs with ${held}, but the ledger's checkpoints are signed by ${inForce}: configure that key again, and replace it with \`keys rotate\` (a key no rotation announced fails every verification)`,
    );
    this.name = 'SigningKeyNotInForceError';
  }
}

export interface SealResult {
  sealed: number;
  /** The batch read as many events as it could take (a full batch, or up to a checkpoint): more may be waiting. */
  more?: boolean;
  /** Ledger size after the batch. */
  size: number;
  checkpoint?: SignedCheckpoint;
}

export interface LedgerStatus {
  /** Ledger size: the seq of the last sealed event. */
  sealedSeq: number;
  /** Global position of the last sealed event (0 when none). */
  sealedPosition: number;
  /** Highest position visible to gap-safe readers. */
  headPosition: number;
  /** Events visible in the log but not sealed yet. */
  unsealedEvents: number;
  lastCheckpoint: { size: number; time: string } | null;
  lastCheckpointAgeSeconds: number | null;
  running: boolean;
  leader: boolean;
  halted: string | null;
}

/** The pg row of an event, as the ledger needs it. */
export const EVENT_COLUMNS = eventColumns('e');

/** The seven hashed fields of a stored event, as the leaf was computed at append. */
export function hashedFields(e: StoredEvent) {
  return { eventId: e.eventId, streamId: e.streamId, version: e.version, type: e.type, schemaVersion: e.schemaVersion, data: e.data, metadata: e.metadata };
}

/** The seven hashed fields of a stored event row, typed as the leaf was at append. */
export function hashedEvent(row: any) {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    version: Number(row.version),
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: row.data,
    metadata: row.metadata,
  };
}

/** Advisory lock keys are per database, and tests give each suite a schema: the schema is part of the key. */
const LOCK_KEY = `hashtext('cert-ledger-seal:' || current_schema())`;
const LEADER_KEY = `hashtext('cert-ledger-leader:' || current_schema())`;

export function checkpointFromRow(row: any): SignedCheckpoint {
  return { origin: row.origin, size: Number(row.size), head: row.head, time: new Date(row.time).toISOString(), signature: row.signature };
}

export class LedgerSealer {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly now: () => Date;
  /** In-process serialisation: one batch at a time per process, so one pooled connection is enough. */
  private queue: Promise<unknown> = Promise.resolve();
  private oldestUncoveredAt: Date | null = null;
  private size = 0;
  private haltedReason: string | null = null;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private pending = false;
  private leaderClient: Client | null = null;
  /** The background loop's least interval between two batches (stop interrupts its wait). */
  private pace: LeastInterval | null = null;
  private isLeader = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: SealerOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
    this.now = options.now ?? (() => new Date());
  }

  get halted(): string | null {
    return this.haltedReason;
  }

  /** Seals one batch (and signs a checkpoint if one is due, or if `forceCheckpoint`). */
  sealBatch(forceCheckpoint = false): Promise<SealResult> {
    return this.exclusive(() => this.sealBatchNow(forceCheckpoint));
  }

  /** Seals everything visible now; resolves to the ledger size. */
  async sealAll(): Promise<number> {
    for (;;) {
      const r = await this.sealBatch();
      if (r.sealed === 0) return r.size;
    }
  }

  /** Seals what is visible, then makes sure a signed checkpoint covers the whole ledger. */
  async checkpointNow(): Promise<SignedCheckpoint> {
    await this.sealAll();
    const r = await this.sealBatch(true);
    if (!r.checkpoint) throw new Error('checkpointNow: no checkpoint was written');
    return r.checkpoint;
  }

  /**
   * Background loop, woken by appends (`subscribe`), with a slow poll as back-up.
   * `leaderConnection`: on a server database, a dedicated connection on which the
   * session advisory lock is held (released by PostgreSQL if this process dies, so
   * another one takes over). Without it (embedded: one process) this loop leads.
   */
  start(subscribe: (listener: () => void) => () => void, leaderConnection?: PoolConfig, onError?: (error: unknown) => void): void {
    if (this.loop) return;
    this.stopped = false;
    const off = subscribe(() => this.poke());
    const minIntervalMs = this.options.minIntervalMs ?? 0;
    const pace = (this.pace = new LeastInterval(minIntervalMs));
    this.loop = (async () => {
      // After a wake-up that found nothing to seal yet, how long before looking again (0: the poll).
      let chase = 0;
      try {
        while (!this.stopped) {
          await pace.wait();
          if (this.stopped) break;
          const woken = this.pending;
          this.pending = false;
          let waitMs = this.pollIntervalMs;
          try {
            if (leaderConnection && !(await this.ensureLeader(leaderConnection))) {
              waitMs = Math.max(this.pollIntervalMs, 5000);
            } else {
              const started = performance.now();
              const r = await this.sealBatch();
              if (r.sealed > 0) {
                chase = 0;
                pace.batched(r.more === true, started);
              }
              if (r.more || (r.sealed > 0 && minIntervalMs === 0)) continue;
              waitMs = Math.min(this.pollIntervalMs, this.msUntilCheckpointDue());
              if (r.sealed === 0 && (woken || chase) && !this.pending) {
                // Woken for events that a transaction running elsewhere (any session of the server)
                // still hides past the gap-safe horizon, and no later append to wake it again: look
                // again within 10, 20 ... 320 ms, then every 320 ms, while committed events lie past
                // the ledger, rather than at the poll.
                const next = nextChase(woken, chase, true);
                chase = (await this.committedPastLedger()) ? next : 0;
                if (chase) waitMs = Math.min(waitMs, chase);
              }
            }
          } catch (error) {
            if (error instanceof LedgerIntegrityError) {
              onError?.(error);
              return; // stays halted: a human must look before anything else is sealed
            }
            onError?.(error);
            waitMs = Math.max(this.pollIntervalMs, 1000);
          }
          if (this.stopped || this.pending) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.max(10, waitMs));
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      } finally {
        off();
        await this.releaseLeader();
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.pace?.interrupt();
    const loop = this.loop;
    this.loop = null;
    await loop;
    await this.queue.catch(() => undefined);
  }

  get running(): boolean {
    return this.loop !== null;
  }

  get leader(): boolean {
    return this.isLeader;
  }

  /** Whether the event at this position is in the ledger. */
  async isSealed(position: number): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT EXISTS (SELECT 1 FROM ledger WHERE global_position = $1) AS sealed', [position]);
    return rows[0].sealed === true;
  }

  async status(): Promise<LedgerStatus> {
    // Counting only what lies after the last sealed (tx, pos) keeps this cheap: it walks the lag, not the log.
    const { rows } = await this.pool.query(
      `WITH last AS (SELECT seq, global_position, transaction_id FROM ledger ORDER BY seq DESC LIMIT 1)
       SELECT (SELECT seq FROM last) AS sealed_seq,
              (SELECT global_position FROM last) AS sealed_position,
              (SELECT coalesce(max(global_position), 0) FROM events WHERE ${visible('events')}) AS head_position,
              (SELECT count(*) FROM events e
                WHERE ${gapSafe('e', { tx: `coalesce((SELECT transaction_id FROM last), '0')`, pos: `coalesce((SELECT global_position FROM last), 0)` })}) AS unsealed,
              (SELECT row_to_json(c) FROM (SELECT size, time FROM ledger_checkpoints ORDER BY size DESC LIMIT 1) c) AS last_checkpoint`,
    );
    const r = rows[0];
    const sealedSeq = Number(r.sealed_seq ?? 0);
    const cp = r.last_checkpoint as { size: string | number; time: string } | null;
    const cpTime = cp ? new Date(cp.time) : null;
    return {
      sealedSeq,
      sealedPosition: Number(r.sealed_position ?? 0),
      headPosition: Number(r.head_position),
      unsealedEvents: Number(r.unsealed),
      lastCheckpoint: cp && cpTime ? { size: Number(cp.size), time: cpTime.toISOString() } : null,
      lastCheckpointAgeSeconds: cpTime ? Math.max(0, (this.now().getTime() - cpTime.getTime()) / 1000) : null,
      running: this.running,
      leader: this.isLeader,
      halted: this.haltedReason,
    };
  }

  /** Whether the log holds an event past the last position the ledger sealed (committed, visible or not yet). */
  private async committedPastLedger(): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT coalesce((SELECT max(global_position) FROM events), 0) > coalesce((SELECT max(global_position) FROM ledger), 0) AS past`,
    );
    return rows[0].past === true;
  }

  private poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private msUntilCheckpointDue(): number {
    if (!this.oldestUncoveredAt) return Number.POSITIVE_INFINITY;
    return this.oldestUncoveredAt.getTime() + this.options.checkpointSeconds * 1000 - this.now().getTime();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async sealBatchNow(forceCheckpoint: boolean): Promise<SealResult> {
    if (this.haltedReason) throw new LedgerIntegrityError(0, `sealing is halted: ${this.haltedReason}`);
    const client = await this.pool.connect();
    let failure: Error | undefined;
    let integrity: LedgerIntegrityError | null = null;
    let committed = false;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`);
      const last = await client.query(
        `SELECT seq, chain, transaction_id::text AS transaction_id, global_position FROM ledger ORDER BY seq DESC LIMIT 1`,
      );
      let size = last.rows.length ? Number(last.rows[0].seq) : 0;
      let head: string = last.rows.length ? last.rows[0].chain : GENESIS;
      const after: LogCheckpoint = last.rows.length ? { transactionId: last.rows[0].transaction_id as string, position: Number(last.rows[0].global_position) } : LOG_START;
      const cpRow = await client.query(`SELECT size, key_fingerprint FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`);
      const lastCpSize: number | null = cpRow.rows.length ? Number(cpRow.rows[0].size) : null;
      const covered = lastCpSize ?? 0;

      // A batch ends exactly where the next count-based checkpoint falls, so checkpoints land on multiples of N.
      const sinceCheckpoint = size - covered;
      const limit = Math.max(1, Math.min(this.batchSize, this.options.checkpointEvery - (sinceCheckpoint % this.options.checkpointEvery)));
      // The store's gap-safe read, inside this batch's transaction (unupcast: the stored shape is what is hashed).
      const events = await new PostgresLogReader(client, false).readAll({ after, limit });
      const seqs: number[] = [];
      const positions: number[] = [];
      const txs: string[] = [];
      const leaves: string[] = [];
      const chains: string[] = [];
      const rotations: Array<{ seq: number; next: ChainKey; previous: ChainKey }> = [];
      for (const event of events) {
        const leaf = leafHash(hashedFields(event));
        if (leaf !== event.hash) {
          integrity = new LedgerIntegrityError(
            event.globalPosition,
            `event at position ${event.globalPosition} (stream ${event.streamId} v${event.version}) does not hash to the leaf recorded at append: the stored event was altered, or the hash was computed differently`,
          );
          break;
        }
        if (isRotation(event)) {
          // A rotation the key in force did not sign would break every verification after it: never sealed.
          const inForce = rotations.length ? rotations[rotations.length - 1].next : await this.keyInForce(client, event.data);
          const problem = typeof inForce === 'string' ? inForce : await this.rotationProblem(client, event.data, inForce, size + 1, seqs, chains);
          if (problem) {
            integrity = new LedgerIntegrityError(event.globalPosition, `key rotation at position ${event.globalPosition} refused: ${problem}`);
            break;
          }
          rotations.push({ seq: size + 1, next: chainKey(event.data.publicKey), previous: inForce as ChainKey });
        }
        head = chainHash(head, leaf);
        size++;
        seqs.push(size);
        positions.push(event.globalPosition);
        txs.push(event.transactionId);
        leaves.push(leaf);
        chains.push(head);
      }
      const now = this.now();
      if (seqs.length) {
        await client.query(
          `INSERT INTO ledger (seq, global_position, transaction_id, leaf, chain, sealed_at)
           SELECT *, $6::timestamptz FROM unnest($1::bigint[], $2::bigint[], $3::text[]::xid8[], $4::text[], $5::text[])`,
          [seqs, positions, txs, leaves, chains, now.toISOString()],
        );
      }
      for (const r of rotations) {
        await client.query(
          `INSERT INTO ledger_keys (seq, key_fingerprint, public_key, previous_key_fingerprint, previous_public_key) VALUES ($1, $2, $3, $4, $5)`,
          [r.seq, r.next.fingerprint, r.next.publicKeyPem, r.previous.fingerprint, r.previous.publicKeyPem],
        );
      }
      let checkpoint: SignedCheckpoint | undefined;
      const uncovered = size - covered;
      // T counts from when the oldest event not yet under a checkpoint was sealed.
      let oldestUncoveredAt: Date | null = null;
      if (uncovered > 0) {
        if (seqs.length && seqs[0] === covered + 1) oldestUncoveredAt = now;
        else {
          const { rows: oldest } = await client.query('SELECT sealed_at FROM ledger WHERE seq = $1', [covered + 1]);
          oldestUncoveredAt = oldest.length ? new Date(oldest[0].sealed_at) : now;
        }
      }
      const due =
        (uncovered > 0 || (lastCpSize === null && forceCheckpoint)) &&
        (forceCheckpoint ||
          uncovered >= this.options.checkpointEvery ||
          (oldestUncoveredAt !== null && now.getTime() - oldestUncoveredAt.getTime() >= this.options.checkpointSeconds * 1000));
      let notInForce: SigningKeyNotInForceError | null = null;
      if (due) {
        const rotated = rotations.length ? { seq: rotations[rotations.length - 1].seq, keyFingerprint: rotations[rotations.length - 1].next.fingerprint } : await lastRotatedKey(client);
        if (rotated && rotated.keyFingerprint !== this.options.keyFingerprint) notInForce = new SigningKeyNotInForceError(this.options.keyFingerprint, rotated.keyFingerprint, rotated.seq);
        else if (!rotated && cpRow.rows.length && cpRow.rows[0].key_fingerprint !== this.options.keyFingerprint) {
          notInForce = new SigningKeyNotInForceError(this.options.keyFingerprint, cpRow.rows[0].key_fingerprint, null);
        }
      }
      if (due && !notInForce) {
        checkpoint = signCheckpoint({ origin: this.options.origin, size, head, time: now.toISOString() }, this.options.privateKey);
        await client.query(
          `INSERT INTO ledger_checkpoints (size, head, time, origin, signature, key_fingerprint) VALUES ($1, $2, $3, $4, $5, $6)`,
          [checkpoint.size, checkpoint.head, checkpoint.time, checkpoint.origin, checkpoint.signature, this.options.keyFingerprint],
        );
      } else if (forceCheckpoint && lastCpSize !== null) {
        // Already covered (uncovered === 0): hand back the stored checkpoint.
        const stored = await client.query(`SELECT * FROM ledger_checkpoints WHERE size = $1`, [lastCpSize]);
        checkpoint = checkpointFromRow(stored.rows[0]);
      }
      await client.query('COMMIT');
      committed = true;
      this.size = size;
      this.oldestUncoveredAt = due && !notInForce ? null : oldestUncoveredAt;
      if (integrity) {
        this.haltedReason = integrity.message;
        throw integrity;
      }
      if (notInForce) throw notInForce;
      return { sealed: seqs.length, more: seqs.length > 0 && events.length === limit, size, checkpoint };
    } catch (error) {
      if (committed) throw error; // what was sealed stays sealed
      failure = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(failure);
    }
  }

  /**
   * The key in force before the first rotation of this batch: the last sealed rotation's; without
   * one, the key the rotation says it replaces, provided it is the key of the latest checkpoint.
   * A string: why the rotation cannot be followed.
   */
  private async keyInForce(client: PoolClient, data: any): Promise<ChainKey | string> {
    const rotated = await lastRotatedKey(client);
    if (rotated) return chainKey(rotated.publicKeyPem);
    let previous: ChainKey;
    try {
      previous = chainKey(data?.previousPublicKey);
    } catch {
      return 'it does not name the previous key';
    }
    const { rows } = await client.query('SELECT key_fingerprint FROM ledger_checkpoints ORDER BY size DESC LIMIT 1');
    if (rows.length && rows[0].key_fingerprint !== previous.fingerprint) {
      return `it replaces key ${previous.fingerprint}, but the checkpoints are signed by ${rows[0].key_fingerprint}`;
    }
    return previous;
  }

  /** What is wrong with a rotation sealed at `seq`, or null; `seqs`/`chains`: what this batch sealed before it. */
  private async rotationProblem(client: PoolClient, data: any, inForce: ChainKey, seq: number, seqs: number[], chains: string[]): Promise<string | null> {
    const problem = rotationProblem(data, inForce, this.options.origin);
    if (problem) return problem;
    const after = data.after as { size: number; head: string };
    if (after.size >= seq) return `it claims to follow the checkpoint at size ${after.size}, which is not before it`;
    const at = seqs.indexOf(after.size);
    let head: string | undefined = after.size === 0 ? GENESIS : at >= 0 ? chains[at] : undefined;
    if (head === undefined) head = (await client.query('SELECT chain FROM ledger WHERE seq = $1', [after.size])).rows[0]?.chain;
    if (head !== after.head) return `it claims to follow a checkpoint at size ${after.size} whose head is not this ledger's`;
    return null;
  }

  /** Session-level leader lock on a dedicated connection; false while another process leads. */
  private async ensureLeader(connection: PoolConfig): Promise<boolean> {
    if (this.leaderClient && this.isLeader) return true;
    if (!this.leaderClient) {
      const client = new Client(connection);
      client.on('error', () => {
        // Connection lost: the lock went with it; try again on the next turn.
        this.isLeader = false;
        if (this.leaderClient === client) this.leaderClient = null;
      });
      await client.connect();
      this.leaderClient = client;
    }
    try {
      const { rows } = await this.leaderClient.query(`SELECT pg_try_advisory_lock(${LEADER_KEY}) AS ok`);
      this.isLeader = rows[0].ok === true;
    } catch (error) {
      await this.releaseLeader();
      throw error;
    }
    return this.isLeader;
  }

  private async releaseLeader(): Promise<void> {
    const client = this.leaderClient;
    this.leaderClient = null;
    this.isLeader = false;
    await client?.end().catch(() => undefined);
  }
}

import { randomUUID, type KeyObject } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { AppendResult, EventStore } from '../event-store';
import { KEY_STREAM, ROTATION_TYPE, signRotation, type RotationData } from '@app/proof/key-chain';
import type { SignedCheckpoint } from '@app/proof/canonical';

/**
 * The chain of the ledger's signing keys. A rotation is a SigningKeyRotated event in the
 * `ledger-keys` stream (libs/proof/src/key-chain.js says what it states and who signs it); the
 * sealer checks it when it seals it and indexes it in `ledger_keys`, which is what signing,
 * exporting and the stored-log verification read to know the key in force at a size.
 */

/** One sealed rotation: from `seq` on, checkpoints are signed by `keyFingerprint`. */
export interface KeyRotationRow {
  seq: number;
  keyFingerprint: string;
  publicKeyPem: string;
  previousKeyFingerprint: string;
  previousPublicKeyPem: string;
}

export interface KeyInForce {
  keyFingerprint: string;
  publicKeyPem: string;
}

type Queryable = Pick<Pool, 'query'> | PoolClient;

/** Every sealed rotation, in ledger order (a handful in the life of a ledger). */
export async function readKeyRotations(db: Queryable): Promise<KeyRotationRow[]> {
  const { rows } = await db.query('SELECT * FROM ledger_keys ORDER BY seq');
  return rows.map((r) => ({
    seq: Number(r.seq),
    keyFingerprint: r.key_fingerprint,
    publicKeyPem: r.public_key,
    previousKeyFingerprint: r.previous_key_fingerprint,
    previousPublicKeyPem: r.previous_public_key,
  }));
}

/**
 * The key that signs (and verifies) the checkpoint at `size`: the one named by the last rotation at
 * seq <= size; before the first rotation, the key it replaced; without any rotation, `unrotated`
 * (the key this process was configured with).
 */
export function keyInForceAt(rotations: readonly KeyRotationRow[], size: number, unrotated: KeyInForce): KeyInForce {
  let key = rotations.length ? { keyFingerprint: rotations[0].previousKeyFingerprint, publicKeyPem: rotations[0].previousPublicKeyPem } : unrotated;
  for (const r of rotations) {
    if (r.seq > size) break;
    key = { keyFingerprint: r.keyFingerprint, publicKeyPem: r.publicKeyPem };
  }
  return key;
}

/**
 * The public key of a fingerprint the ledger's key chain names (the key before its first rotation,
 * or any key a rotation announced), or null: what checks a signature made before a rotation.
 */
export async function publicKeyOfFingerprint(db: Queryable, fingerprint: string): Promise<string | null> {
  const { rows } = await db.query(
    `SELECT public_key AS pem FROM ledger_keys WHERE key_fingerprint = $1
     UNION ALL SELECT previous_public_key FROM ledger_keys WHERE previous_key_fingerprint = $1 LIMIT 1`,
    [fingerprint],
  );
  return rows.length ? (rows[0].pem as string) : null;
}

/** The key in force after everything sealed so far: the last rotation's, or null when none was sealed. */
export async function lastRotatedKey(db: Queryable): Promise<(KeyInForce & { seq: number }) | null> {
  const { rows } = await db.query('SELECT seq, key_fingerprint, public_key FROM ledger_keys ORDER BY seq DESC LIMIT 1');
  return rows.length ? { seq: Number(rows[0].seq), keyFingerprint: rows[0].key_fingerprint, publicKeyPem: rows[0].public_key } : null;
}

export interface RotationRequest {
  origin: string;
  /** The key in force: its public key, and its private key (null when it is lost: the rotation must then be cosigned by witnesses). */
  previousPublicKeyPem: string;
  previousKey: KeyObject | null;
  nextKey: KeyObject;
  /** The last checkpoint signed by the previous key: the rotation names it. */
  after: SignedCheckpoint;
  actor: { id: string; role: string };
  now?: Date;
}

/** Appends the SigningKeyRotated event (signed by the previous key and the new one); the sealer puts it in force when it seals it. */
export async function appendKeyRotation(store: EventStore, request: RotationRequest): Promise<{ data: RotationData; append: AppendResult }> {
  const now = (request.now ?? new Date()).toISOString();
  const data = signRotation(
    { origin: request.origin, previousPublicKey: request.previousPublicKeyPem, after: { size: request.after.size, head: request.after.head }, rotatedAt: now },
    request.previousKey,
    request.nextKey,
  );
  const append = await store.append(
    KEY_STREAM,
    [{ type: ROTATION_TYPE, data, metadata: { actor: request.actor, correlationId: randomUUID(), causationId: null, recordedAt: now } }],
    { expectedVersion: 'any' },
  );
  return { data, append };
}

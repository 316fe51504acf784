import type { Pool } from 'pg';
import { checkpointOf, LOG_START, LogCheckpoint } from '../event-store';
import { PostgresLogReader } from '../postgres-event-store';
import { checkpointFromRow, EVENT_COLUMNS, hashedEvent, hashedFields } from './sealer';
import { keyInForceAt, readKeyRotations } from './key-rotation';
import { chainKey, isRotation, rotationProblem } from '@app/proof/key-chain';
import {
  BUNDLE_FORMAT,
  BundleCheckpointLine,
  BundleEventLine,
  BundleHeader,
  chainHash,
  GENESIS,
  leafHash,
  SignedCheckpoint,
  verifyCheckpointSignature,
} from '@app/proof/canonical';

/**
 * Reading the ledger: the export bundle (the format libs/proof/src/verify-bundle.js checks), the paged
 * event listing, the checkpoints, and the server-side re-verification. Every read is
 * keyset-paginated with short queries, never a cursor held open: on the embedded
 * database the whole process shares one connection, and an export must not hold it
 * for minutes.
 */

export interface LedgerKey {
  origin: string;
  publicKeyPem: string;
  keyFingerprint: string;
}

/** A request outside the ledger (e.g. `from` beyond its end): the caller's fault, a 400. */
export class LedgerRangeError extends Error {
  readonly code = 'VALIDATION_FAILED';
}

export interface LedgerEntry {
  seq: number;
  position: number;
  leaf: string;
  chain: string;
  event: BundleEventLine['event'];
}

const PAGE = 1000;

const ENTRY_QUERY = `SELECT l.seq, l.global_position AS ledger_position, l.leaf, l.chain, ${EVENT_COLUMNS}
  FROM ledger l LEFT JOIN events e ON e.global_position = l.global_position`;

function toEntry(row: any): LedgerEntry {
  // A ledger row whose event vanished (deleted behind the trigger's back) keeps its place, with an empty event.
  return { seq: Number(row.seq), position: Number(row.ledger_position), leaf: row.leaf, chain: row.chain, event: hashedEvent(row) };
}

/** Ledger entries with seq > after, in ledger order, each with its event as stored now. */
export async function listEntries(pool: Pool, after: number, limit: number): Promise<LedgerEntry[]> {
  const { rows } = await pool.query(`${ENTRY_QUERY} WHERE l.seq > $1 ORDER BY l.seq LIMIT $2`, [after, limit]);
  return rows.map(toEntry);
}

/** Latest checkpoints first; `before` (a size) pages further back. */
export async function listCheckpoints(pool: Pool, limit: number, before?: number): Promise<Array<SignedCheckpoint & { keyFingerprint: string }>> {
  const { rows } = await pool.query(
    `SELECT * FROM ledger_checkpoints WHERE ($1::bigint IS NULL OR size < $1) ORDER BY size DESC LIMIT $2`,
    [before ?? null, limit],
  );
  return rows.map((r) => ({ ...checkpointFromRow(r), keyFingerprint: r.key_fingerprint }));
}

/** The checkpoint of exactly this size, if one was signed. */
export async function checkpointAt(pool: Pool, size: number): Promise<(SignedCheckpoint & { keyFingerprint: string }) | null> {
  const { rows } = await pool.query('SELECT * FROM ledger_checkpoints WHERE size = $1', [size]);
  return rows.length ? { ...checkpointFromRow(rows[0]), keyFingerprint: rows[0].key_fingerprint } : null;
}

/**
 * A consistency proof of the hash chain, one page: the leaves of seq `start`..`end`
 * (at most `limit` of them), in order. A witness holding h(N) folds the leaves
 * N+1..M into h(M) and compares it with the checkpoint at M.
 */
export async function leavesBetween(pool: Pool, start: number, end: number, limit: number): Promise<string[]> {
  const { rows } = await pool.query('SELECT seq, leaf FROM ledger WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3', [start, end, limit]);
  rows.forEach((row, i) => {
    if (Number(row.seq) !== start + i) throw new Error(`the ledger has no entry ${start + i}`);
  });
  return rows.map((row) => row.leaf as string);
}

export interface BundleExport {
  header: BundleHeader;
  /** Events to be written (for a progress bar). */
  total: number;
  /** The whole bundle as text chunks of whole lines, header first, the covering checkpoint last. */
  chunks: AsyncGenerator<string, void, undefined>;
}

/**
 * The bundle from seq `from` to `upTo.size`, which ends with `upTo`: the caller
 * obtains it from the sealer's checkpointNow(), so the last line vouches for every
 * event above it. Checkpoints sit right after the event they cover. The header
 * names the key in force at `from - 1` (the key of `key` when it was never rotated);
 * the key rotations are events of the bundle, and a checkpoint signed by another key
 * than the header's says which (`keyFingerprint`).
 */
export async function openExport(pool: Pool, key: LedgerKey, from: number, upTo: SignedCheckpoint, now = new Date()): Promise<BundleExport> {
  if (!Number.isSafeInteger(from) || from < 1) throw new LedgerRangeError('from must be an integer >= 1');
  if (from > upTo.size + 1) throw new LedgerRangeError(`from ${from} is beyond the end of the ledger (it holds ${upTo.size} events)`);
  let previousHead = GENESIS;
  if (from > 1) {
    const { rows } = await pool.query('SELECT chain FROM ledger WHERE seq = $1', [from - 1]);
    if (!rows.length) throw new LedgerRangeError(`the ledger has no entry ${from - 1}`);
    previousHead = rows[0].chain;
  }
  const rotations = await readKeyRotations(pool);
  const unrotated = { keyFingerprint: key.keyFingerprint, publicKeyPem: key.publicKeyPem };
  const atStart = keyInForceAt(rotations, from - 1, unrotated);
  const header: BundleHeader = {
    kind: 'header',
    format: BUNDLE_FORMAT,
    origin: key.origin,
    publicKey: atStart.publicKeyPem,
    keyFingerprint: atStart.keyFingerprint,
    from,
    previousHead,
    exportedAt: now.toISOString(),
  };
  const upToKey = (await pool.query('SELECT key_fingerprint FROM ledger_checkpoints WHERE size = $1', [upTo.size])).rows[0]?.key_fingerprint ?? key.keyFingerprint;
  const keyAt = (size: number) => keyInForceAt(rotations, size, unrotated).keyFingerprint;
  return { header, total: upTo.size - from + 1, chunks: bundleChunks(pool, header, { ...upTo, keyFingerprint: upToKey }, keyAt) };
}

type KeyedCheckpoint = SignedCheckpoint & { keyFingerprint: string };

async function* bundleChunks(pool: Pool, header: BundleHeader, upTo: KeyedCheckpoint, keyAt: (size: number) => string): AsyncGenerator<string, void, undefined> {
  const checkpointLine = (cp: KeyedCheckpoint): string => {
    const line: BundleCheckpointLine = { kind: 'checkpoint', origin: cp.origin, size: cp.size, head: cp.head, time: cp.time, signature: cp.signature };
    // After a rotation the verifier is told which key signed, so that an unannounced one is named.
    if (cp.keyFingerprint !== header.keyFingerprint) line.keyFingerprint = cp.keyFingerprint;
    return `${JSON.stringify(line)}\n`;
  };
  // Only checkpoints signed by the key in force at their size can be verified (the last one is exported whatever its key).
  const storedCheckpoints = async (fromSize: number, toSize: number): Promise<KeyedCheckpoint[]> => {
    const { rows } = await pool.query(`SELECT * FROM ledger_checkpoints WHERE size BETWEEN $1 AND $2 AND size < $3 ORDER BY size`, [fromSize, toSize, upTo.size]);
    return rows.filter((r) => r.key_fingerprint === keyAt(Number(r.size))).map((r) => ({ ...checkpointFromRow(r), keyFingerprint: r.key_fingerprint as string }));
  };

  let chunk = `${JSON.stringify(header)}\n`;
  // A checkpoint at from-1 vouches for previousHead: it may follow the header.
  for (const cp of await storedCheckpoints(header.from - 1, header.from - 1)) chunk += checkpointLine(cp);
  if (upTo.size === header.from - 1) chunk += checkpointLine(upTo);
  yield chunk;

  let after = header.from - 1;
  while (after < upTo.size) {
    const { rows } = await pool.query(`${ENTRY_QUERY} WHERE l.seq > $1 AND l.seq <= $2 ORDER BY l.seq LIMIT $3`, [after, upTo.size, PAGE]);
    if (!rows.length) throw new Error(`the ledger ends at seq ${after}, before its checkpoint at ${upTo.size}`);
    const entries = rows.map(toEntry);
    const last = entries[entries.length - 1].seq;
    const checkpoints = new Map<number, KeyedCheckpoint>((await storedCheckpoints(after + 1, last)).map((cp) => [cp.size, cp]));
    if (last === upTo.size) checkpoints.set(upTo.size, upTo);
    chunk = '';
    for (const entry of entries) {
      const line: BundleEventLine = { kind: 'event', seq: entry.seq, position: entry.position, leaf: entry.leaf, chain: entry.chain, event: entry.event };
      chunk += `${JSON.stringify(line)}\n`;
      const cp = checkpoints.get(entry.seq);
      if (cp) chunk += checkpointLine(cp);
    }
    yield chunk;
    after = last;
  }
}

export type StoredVerification =
  | { ok: true; verifiedUpTo: number; verifiedUpToPosition: number; checkpoints: number; unsealedChecked: number }
  | {
      ok: false;
      verifiedUpTo: number;
      verifiedUpToPosition: number;
      checkpoints: number;
      unsealedChecked: number;
      firstBadSeq: number;
      firstBadPosition: number | null;
      reason: string;
    };

/**
 * Re-verifies the stored log against the ledger, as an auditor would, but on the
 * live tables: every stored event is hashed again from its columns and compared
 * with both the hash recorded at append and the sealed leaf; the chain is
 * recomputed; the sequence must be contiguous; every checkpoint must match the
 * recomputed chain and carry a valid signature by the key in force at its size:
 * the current key, or, after key rotations, the key the last rotation before it
 * named. Every rotation must be signed as libs/proof/src/key-chain.js says, and the
 * chain of keys must pass through the current key (which anchors it: every
 * rotation is signed by the key before it and by the key after it). Events
 * committed but not sealed yet are checked against their append-time hash (the
 * sealer would stop on them).
 */
export async function verifyStoredLedger(pool: Pool, key: LedgerKey, onProgress?: (seq: number) => void): Promise<StoredVerification> {
  let running = GENESIS;
  let verified = 0;
  let verifiedPosition = 0;
  let checkpoints = 0;
  let checkedSize = -1; // checkpoints up to this size were checked
  let unsealedChecked = 0;
  const fail = (seq: number, position: number | null, reason: string): StoredVerification => ({
    ok: false,
    verifiedUpTo: verified,
    verifiedUpToPosition: verifiedPosition,
    checkpoints,
    unsealedChecked,
    firstBadSeq: seq,
    firstBadPosition: position,
    reason,
  });
  const rotations = await readKeyRotations(pool);
  const unrotated = { keyFingerprint: key.keyFingerprint, publicKeyPem: key.publicKeyPem };
  const rotationAt = new Map(rotations.map((r) => [r.seq, r]));
  const chainKeys = rotations.length ? [rotations[0].previousKeyFingerprint, ...rotations.map((r) => r.keyFingerprint)] : [key.keyFingerprint];
  if (!chainKeys.includes(key.keyFingerprint)) {
    return fail(rotations[0].seq, null, `the chain of signing keys (${chainKeys.join(' -> ')}) does not pass through the current key ${key.keyFingerprint}`);
  }
  const checkCheckpoints = async (upToSize: number, positionOf: (size: number) => number | null, chainAt: (size: number) => string | undefined) => {
    const { rows } = await pool.query(`SELECT * FROM ledger_checkpoints WHERE size > $1 AND size <= $2 ORDER BY size`, [checkedSize, upToSize]);
    for (const row of rows) {
      const cp = checkpointFromRow(row);
      const chain = chainAt(cp.size);
      if (chain === undefined || cp.head !== chain) return fail(cp.size, positionOf(cp.size), `checkpoint at size ${cp.size}: head does not match the recomputed chain`);
      const inForce = keyInForceAt(rotations, cp.size, unrotated);
      if (row.key_fingerprint !== inForce.keyFingerprint) {
        return fail(cp.size, positionOf(cp.size), `checkpoint at size ${cp.size}: signed by ${row.key_fingerprint}, not by the key in force at that size (${inForce.keyFingerprint}); no key rotation announced it`);
      }
      if (cp.origin !== key.origin || !verifyCheckpointSignature(cp, inForce.publicKeyPem)) {
        return fail(cp.size, positionOf(cp.size), `checkpoint at size ${cp.size}: not validly signed by the key in force (${inForce.keyFingerprint})`);
      }
      checkpoints++;
    }
    checkedSize = upToSize;
    return null;
  };

  const genesisProblem = await checkCheckpoints(0, () => null, (size) => (size === 0 ? GENESIS : undefined));
  if (genesisProblem) return genesisProblem;
  for (;;) {
    const { rows } = await pool.query(`${ENTRY_QUERY} WHERE l.seq > $1 ORDER BY l.seq LIMIT $2`, [verified, PAGE]);
    if (!rows.length) break;
    const chains = new Map<number, string>();
    const positions = new Map<number, number>();
    for (const row of rows) {
      const seq = Number(row.seq);
      const position = Number(row.ledger_position);
      const expected = verified + 1;
      if (seq !== expected) return fail(expected, null, `ledger sequence gap: expected seq ${expected}, found ${seq}`);
      if (row.event_id === null) return fail(seq, position, `the event at position ${position} (seq ${seq}) is missing from the log`);
      let leaf: string;
      try {
        leaf = leafHash(hashedEvent(row));
      } catch (error) {
        return fail(seq, position, `the event at position ${position} cannot be canonicalized: ${(error as Error).message}`);
      }
      if (leaf !== row.hash) return fail(seq, position, `the event at position ${position} was altered: it no longer matches the hash recorded at append`);
      if (leaf !== row.leaf) return fail(seq, position, `the event at position ${position} does not match its sealed leaf`);
      running = chainHash(running, leaf);
      if (running !== row.chain) return fail(seq, position, `ledger entry ${seq}: chain hash mismatch (the hash chain is broken)`);
      const rotation = rotationAt.get(seq);
      const rotates = isRotation({ streamId: row.stream_id, type: row.type });
      if (rotation || rotates) {
        if (!rotation || !rotates || row.data?.keyFingerprint !== rotation.keyFingerprint) {
          return fail(seq, position, `ledger entry ${seq}: the key rotation and the index of signing keys (ledger_keys) disagree`);
        }
        const problem = rotationProblem(row.data, chainKey(keyInForceAt(rotations, seq - 1, unrotated).publicKeyPem), key.origin);
        if (problem) return fail(seq, position, `ledger entry ${seq}: key rotation refused: ${problem}`);
      }
      verified = seq;
      verifiedPosition = position;
      chains.set(seq, running);
      positions.set(seq, position);
    }
    const problem = await checkCheckpoints(verified, (size) => positions.get(size) ?? null, (size) => chains.get(size));
    if (problem) return problem;
    onProgress?.(verified);
  }
  const beyond = await pool.query('SELECT size FROM ledger_checkpoints WHERE size > $1 ORDER BY size LIMIT 1', [verified]);
  if (beyond.rows.length) return fail(verified + 1, null, `checkpoint at size ${beyond.rows[0].size} covers entries missing from the ledger (it ends at ${verified})`);

  const last = await pool.query('SELECT transaction_id::text AS tx, global_position FROM ledger WHERE seq = $1', [verified]);
  let after: LogCheckpoint = last.rows.length ? { transactionId: last.rows[0].tx as string, position: Number(last.rows[0].global_position) } : LOG_START;
  const log = new PostgresLogReader(pool, false);
  for (;;) {
    const events = await log.readAll({ after, limit: PAGE });
    for (const event of events) {
      const position = event.globalPosition;
      let leaf: string | null;
      try {
        leaf = leafHash(hashedFields(event));
      } catch {
        leaf = null;
      }
      if (leaf !== event.hash) {
        return fail(verified + unsealedChecked + 1, position, `the event at position ${position} (not sealed yet) was altered: it no longer matches the hash recorded at append`);
      }
      unsealedChecked++;
    }
    if (events.length < PAGE) break;
    after = checkpointOf(events[events.length - 1]);
  }
  return { ok: true, verifiedUpTo: verified, verifiedUpToPosition: verifiedPosition, checkpoints, unsealedChecked };
}

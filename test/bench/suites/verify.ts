import { execFile } from 'node:child_process';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Pool } from 'pg';
import { BUNDLE_FORMAT, chainHash, GENESIS, keyFingerprint, signCheckpoint } from '@app/proof/canonical';
import { log, mb, round } from '../lib';

/**
 * Suite 4: export the log as a cert-ledger bundle, then verify it offline
 * (verify-bundle.js in a child process, so its peak RSS is its own), at two
 * sizes to show that memory stays flat as the log grows.
 */
export interface VerifyPoint {
  events: number;
  exportMs: number;
  exportEventsPerSec: number;
  bundleMb: number;
  verifyMs: number;
  verifyEventsPerSec: number;
  /** CPU time of the verifier's threads (user + system), and per event: less sensitive to other load than verifyMs. */
  verifyCpuMs: number;
  verifyCpuUsPerEvent: number;
  verifyMaxRssMb: number;
  verifyHeapMb: number;
  ok: boolean;
}

export interface VerifySuiteResult {
  exporter: string;
  /** Sealing the whole log into the ledger before the first export (null without the ledger). */
  seal: { events: number; ms: number; eventsPerSec: number } | null;
  points: VerifyPoint[];
  memoryFlat: boolean | null;
  notes: string[];
}

const CHECKPOINT_EVERY = 100_000;

/**
 * A bundle written the way the ledger writes one (header, events with seq,
 * leaf and chain, a signed checkpoint every 100,000 events and at the end),
 * straight from the events table: the stand-in until the audit export ships.
 */
export async function exportBundle(pool: Pool, file: string, limit: number): Promise<{ events: number; ms: number }> {
  const t0 = performance.now();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const origin = 'bench.cert-ledger.invalid';
  const out = createWriteStream(file);
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(JSON.stringify({ kind: 'header', format: BUNDLE_FORMAT, origin, publicKey: publicKeyPem, keyFingerprint: keyFingerprint(publicKeyPem), from: 1, previousHead: GENESIS, exportedAt: new Date().toISOString() }) + '\n');
  let seq = 0;
  let head = GENESIS;
  let after = { tx: '0', pos: 0 };
  const checkpoint = async (key: KeyObject) => write(JSON.stringify({ kind: 'checkpoint', ...signCheckpoint({ origin, size: seq, head, time: new Date().toISOString() }, key) }) + '\n');
  while (seq < limit) {
    const { rows } = await pool.query(
      `SELECT global_position, transaction_id::text AS tx, stream_id, version, event_id, type, schema_version, data::text AS data, metadata::text AS metadata, hash
         FROM events WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
        ORDER BY transaction_id, global_position LIMIT $3`,
      [after.tx, after.pos, Math.min(10_000, limit - seq)],
    );
    if (!rows.length) break;
    let chunk = '';
    for (const r of rows) {
      seq++;
      head = chainHash(head, r.hash);
      // data and metadata go out as PostgreSQL prints them: the verifier re-canonicalises anyway.
      chunk += `{"kind":"event","seq":${seq},"position":${r.global_position},"leaf":"${r.hash}","chain":"${head}","event":{"eventId":"${r.event_id}","streamId":${JSON.stringify(r.stream_id)},"version":${r.version},"type":${JSON.stringify(r.type)},"schemaVersion":${r.schema_version},"data":${r.data},"metadata":${r.metadata}}}\n`;
      if (seq % CHECKPOINT_EVERY === 0) {
        await write(chunk);
        chunk = '';
        await checkpoint(privateKey);
      }
    }
    if (chunk) await write(chunk);
    const last = rows[rows.length - 1];
    after = { tx: last.tx, pos: Number(last.global_position) };
  }
  if (seq % CHECKPOINT_EVERY !== 0 || seq === 0) await checkpoint(privateKey);
  out.end();
  await once(out, 'close');
  return { events: seq, ms: performance.now() - t0 };
}

const root = join(__dirname, '..', '..', '..');

/** The audit ledger (sealer + export) is in this tree: measure the real export path. */
export function ledgerAvailable(): boolean {
  return ['sealer.ts', 'ledger-reader.ts', 'ledger-migrations.ts'].every((f) => existsSync(join(root, 'libs', 'event-store', 'src', 'ledger', f)));
}

interface RealExporter {
  sealMs: number;
  sealed: number;
  /** Cosignature events appended after the log (in the largest bundle), and the witness's public key file. */
  cosignatures: number;
  witnessKeyFile: string;
  /** `toEnd`: the whole ledger, the witness events after the log included. */
  write(file: string, size: number, toEnd: boolean): Promise<{ events: number; ms: number }>;
}

/** A year of a witness's cron runs: this many cosignatures of the bundle's checkpoints. */
const COSIGNATURES = 1000;

/**
 * After the log: a registered witness and COSIGNATURES CheckpointCosigned events
 * (the checkpoints cosigned in turn, each with its own timestamp), appended as
 * the cosignature route appends them. The verifier checks each one in full.
 */
async function appendCosignatures(pool: Pool, origin: string, checkpoints: Array<{ size: number; head: string }>, keyFile: string): Promise<number> {
  const { PostgresEventStore } = await import('@app/event-store/postgres-event-store');
  const { cosignCheckpoint, rawPublicKey } = await import('@app/proof/witness');
  const store = new PostgresEventStore(pool);
  const witness = generateKeyPairSync('ed25519');
  const publicKeyPem = witness.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(keyFile, publicKeyPem);
  const publicKey = rawPublicKey(publicKeyPem).toString('base64');
  const name = `bench-witness-${randomUUID().slice(0, 8)}`;
  const metadata = () => ({ actor: { id: 'bench', role: 'regulator' }, correlationId: randomUUID(), causationId: null, recordedAt: new Date().toISOString() });
  await store.append(`witness-${name}`, [{ type: 'WitnessRegistered', data: { name, publicKey, keyFingerprint: keyFingerprint(publicKeyPem) }, metadata: metadata() }], { expectedVersion: 'no-stream' });
  for (let i = 0; i < COSIGNATURES; i += 100) {
    const events = Array.from({ length: Math.min(100, COSIGNATURES - i) }, (_, j) => {
      const cp = checkpoints[(i + j) % checkpoints.length];
      const timestamp = 1_767_225_600 + i + j;
      const { signature } = cosignCheckpoint({ origin, ...cp }, name, witness.privateKey, timestamp);
      return { type: 'CheckpointCosigned', data: { witness: name, publicKey, origin, size: cp.size, head: cp.head, signature, timestamp, previousSize: null }, metadata: metadata() };
    });
    await store.append(`cosignature-${name}@bench-${i}`, events, { expectedVersion: 'any' });
  }
  return COSIGNATURES + 1;
}

/**
 * The production path: seal the whole log into the ledger (hash chain, signed
 * checkpoints every `every` events), then stream openExport()'s chunks to a file.
 */
async function realExporter(pool: Pool, every: number, dir: string): Promise<RealExporter> {
  const { migrate } = await import('@app/event-store/migrations');
  const { LEDGER_MIGRATIONS } = await import('@app/event-store/ledger/ledger-migrations');
  const { LedgerSealer, checkpointFromRow } = await import('@app/event-store/ledger/sealer');
  const { openExport } = await import('@app/event-store/ledger/ledger-reader');
  await migrate(pool, LEDGER_MIGRATIONS, 'ledger');
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key = { origin: 'bench.cert-ledger.invalid', publicKeyPem, keyFingerprint: keyFingerprint(publicKeyPem) };
  const sealer = new LedgerSealer(pool, { origin: key.origin, privateKey, keyFingerprint: key.keyFingerprint, checkpointEvery: every, checkpointSeconds: 86_400 });
  const t0 = performance.now();
  const logEnd = await sealer.checkpointNow();
  const sealMs = performance.now() - t0;
  const witnessKeyFile = join(dir, 'bench-witness.pub');
  const { rows: cps } = await pool.query('SELECT size, head FROM ledger_checkpoints WHERE size > 0 ORDER BY size');
  const cosignatures = await appendCosignatures(pool, key.origin, cps.map((r) => ({ size: Number(r.size), head: r.head as string })), witnessKeyFile);
  await sealer.sealAll();
  const last = await sealer.checkpointNow();
  return {
    sealMs,
    sealed: logEnd.size,
    cosignatures,
    witnessKeyFile,
    async write(file, size, toEnd) {
      const t1 = performance.now();
      const { rows } = await pool.query('SELECT * FROM ledger_checkpoints WHERE size = $1', [size]);
      const upTo = rows.length && !toEnd ? checkpointFromRow(rows[0]) : last;
      const bundle = await openExport(pool, key, 1, upTo);
      const out = createWriteStream(file);
      for await (const chunk of bundle.chunks) if (!out.write(chunk)) await once(out, 'drain');
      out.end();
      await once(out, 'close');
      return { events: bundle.total, ms: performance.now() - t1 };
    },
  };
}

function verifyInChild(file: string, witnessKeyFile?: string): Promise<{ ok: boolean; reason?: string; events: number; cosignatures: number; ms: number; cpuMs: number; maxRssMb: number; heapMb: number }> {
  const child = join(__dirname, '..', 'children', 'verify.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, file, ...(witnessKeyFile ? [witnessKeyFile] : [])], { maxBuffer: 1 << 20 }, (error, stdout) => {
      if (error) return reject(error);
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

export async function verifySuite(pool: Pool, dir: string, sizes: number[]): Promise<VerifySuiteResult> {
  const notes: string[] = [];
  const points: VerifyPoint[] = [];
  let real: RealExporter | null = null;
  let seal: VerifySuiteResult['seal'] = null;
  if (ledgerAvailable()) {
    log(`verify: sealing the log into the ledger…`);
    real = await realExporter(pool, sizes[0], dir);
    seal = { events: real.sealed, ms: round(real.sealMs), eventsPerSec: round((real.sealed / real.sealMs) * 1000) };
  } else notes.push('the audit ledger is not in this tree: bundles written by the benchmark in the ledger format');
  for (const size of sizes) {
    const file = join(dir, `bundle-${size}.ndjson`);
    log(`verify: exporting ${size} events…`);
    const withWitness = real !== null && size === sizes[sizes.length - 1];
    const exported = real ? await real.write(file, size, withWitness) : await exportBundle(pool, file, size);
    log(`verify: verifying ${exported.events} events offline…`);
    const verified = await verifyInChild(file, withWitness ? real!.witnessKeyFile : undefined);
    if (!verified.ok) notes.push(`bundle of ${size} did not verify: ${verified.reason}`);
    if (withWitness) notes.push(`the bundle of ${exported.events} events ends with ${real!.cosignatures - 1} witness cosignatures (CheckpointCosigned events), verified in full with --witness-key: ${verified.cosignatures} counted`);
    points.push({
      events: exported.events,
      exportMs: round(exported.ms),
      exportEventsPerSec: round((exported.events / exported.ms) * 1000),
      bundleMb: mb(statSync(file).size),
      verifyMs: verified.ms,
      verifyEventsPerSec: round((verified.events / verified.ms) * 1000),
      verifyCpuMs: verified.cpuMs,
      verifyCpuUsPerEvent: verified.events > 0 ? round((verified.cpuMs * 1000) / verified.events, 2) : 0,
      verifyMaxRssMb: verified.maxRssMb,
      verifyHeapMb: verified.heapMb,
      ok: verified.ok,
    });
  }
  // Flat: ten times the events may not cost more than a quarter more memory (plus 16 MB of noise).
  const [small, large] = [points[0], points[points.length - 1]];
  const memoryFlat = points.length < 2 ? null : large.verifyMaxRssMb <= small.verifyMaxRssMb * 1.25 + 16;
  return { exporter: real ? 'ledger sealer + openExport (the audit export path)' : 'bench bundle writer (ledger format)', seal, points, memoryFlat, notes };
}

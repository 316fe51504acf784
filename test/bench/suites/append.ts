import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { NewEvent } from '@app/event-store/event-store';
import { Database, openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { eventStoreSettings, groupCommitOptions } from '@app/platform/config';
import { dropSchema, freshDatabase, inParallel, log, ratio, round, scoreEvent, uniqueName } from '../lib';

/**
 * Suite 1: appends with an expected version, 8 writers each on their own
 * candidate streams, against (a) plain single-row INSERTs of the same payload
 * into a table without any event-store guarantee and (b) the peer store
 * (@event-driven-io/emmett-postgresql), all in the same run and server.
 */
export interface AppendSuiteOptions {
  /** Server URL; absent = embedded PGlite (then the peer does not run). */
  url?: string;
  events: number;
  writers: number;
  /** Events per stream in the single-event pass. */
  perStream: number;
  /** Batch size of the batch pass (0 = skip the batch pass). */
  batch: number;
  /** Batches per stream in the batch pass. */
  batchesPerStream: number;
  peer: boolean;
}

export interface Contender {
  events: number;
  ms: number;
  eventsPerSec: number;
}

export interface AppendPass {
  mode: string;
  ours: Contender;
  baseline: Contender;
  peer: Contender | null;
  ratioVsBaseline: number | null;
  ratioVsPeer: number | null;
}

export interface AppendSuiteResult {
  backend: 'server' | 'embedded';
  writers: number;
  poolSize: number;
  single: AppendPass;
  batch: AppendPass | null;
  notes: string[];
}

interface StreamPlan {
  id: string;
  candidateId: string;
  batches: NewEvent[][];
}

/** Streams of `perStream` events cut into batches of `batch`, generated before the clock starts. */
function plan(total: number, perStream: number, batch: number): StreamPlan[] {
  const sessionId = randomUUID();
  const streams: StreamPlan[] = [];
  for (let made = 0; made < total; ) {
    const candidateId = randomUUID();
    const size = Math.min(perStream, total - made);
    const events = Array.from({ length: size }, (_, i) => scoreEvent(candidateId, sessionId, made + i));
    const batches: NewEvent[][] = [];
    for (let i = 0; i < events.length; i += batch) batches.push(events.slice(i, i + batch));
    streams.push({ id: `candidate-${candidateId}`, candidateId, batches });
    made += size;
  }
  return streams;
}

/** Writer w takes streams w, w+W, w+2W...; each stream is written in order with its expected version. */
async function drive(streams: StreamPlan[], writers: number, write: (s: StreamPlan, batch: NewEvent[], expected: number) => Promise<void>): Promise<Contender> {
  const events = streams.reduce((n, s) => n + s.batches.reduce((m, b) => m + b.length, 0), 0);
  const t0 = performance.now();
  await inParallel(writers, async (w) => {
    for (let s = w; s < streams.length; s += writers) {
      let version = 0;
      for (const batch of streams[s].batches) {
        await write(streams[s], batch, version);
        version += batch.length;
      }
    }
  });
  const ms = performance.now() - t0;
  return { events, ms: round(ms), eventsPerSec: round((events / ms) * 1000) };
}

const ROUNDS = 5;

function total(rounds: Contender[]): Contender {
  const events = rounds.reduce((n, r) => n + r.events, 0);
  const ms = rounds.reduce((n, r) => n + r.ms, 0);
  return { events, ms: round(ms), eventsPerSec: round((events / ms) * 1000) };
}

const BASELINE_TABLE = `CREATE TABLE IF NOT EXISTS bench_plain_events (
  id bigserial PRIMARY KEY, stream_id text NOT NULL, version bigint NOT NULL, event_id uuid NOT NULL,
  type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL)`;

async function baselineWrite(pool: Pool, s: StreamPlan, batch: NewEvent[], expected: number): Promise<void> {
  if (batch.length === 1) {
    const e = batch[0];
    await pool.query(
      'INSERT INTO bench_plain_events (stream_id, version, event_id, type, data, metadata, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [s.id, expected + 1, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.metadata.recordedAt],
    );
    return;
  }
  await pool.query(
    `INSERT INTO bench_plain_events (stream_id, version, event_id, type, data, metadata, recorded_at)
     SELECT $1, $2::bigint + ord, event_id, type, data::jsonb, metadata::jsonb, recorded_at::timestamptz
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS t(event_id, type, data, metadata, recorded_at, ord)`,
    [s.id, expected, batch.map((e) => e.eventId), batch.map((e) => e.type), batch.map((e) => JSON.stringify(e.data)), batch.map((e) => JSON.stringify(e.metadata)), batch.map((e) => e.metadata.recordedAt)],
  );
}

/** The three contenders, each on a fresh plan (fresh streams and event ids), warmed up first. */
async function pass(
  mode: string,
  opts: AppendSuiteOptions,
  perStream: number,
  batch: number,
  store: PostgresEventStore,
  basePool: Pool,
  peer: PeerStore | null,
): Promise<AppendPass> {
  const ourWrite = async (s: StreamPlan, b: NewEvent[], expected: number) => {
    await store.append(s.id, b, { expectedVersion: expected });
  };
  const baseWrite = (s: StreamPlan, b: NewEvent[], expected: number) => baselineWrite(basePool, s, b, expected);
  const peerWrite = async (s: StreamPlan, b: NewEvent[], expected: number) => {
    await peer!.appendToStream(s.id, b.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata })), {
      expectedStreamVersion: BigInt(expected),
    });
  };
  // Warm-up: JIT, connections, prepared plans; a few streams each, not measured.
  const warm = Math.min(opts.writers * perStream, Math.max(opts.writers * batch, 400));
  await drive(plan(warm, perStream, batch), opts.writers, baseWrite);
  await drive(plan(warm, perStream, batch), opts.writers, ourWrite);
  if (peer) await drive(plan(warm, perStream, batch), opts.writers, peerWrite);

  // Interleaved rounds (baseline, ours, peer, baseline, ...) so that a burst of load from
  // elsewhere on a shared machine hits every contender alike; each total sums its rounds.
  log(`append ${mode}: ${ROUNDS} interleaved rounds of baseline, ours${peer ? ', peer' : ''}…`);
  const per = Math.max(opts.writers * perStream, Math.round(opts.events / ROUNDS / (opts.writers * perStream)) * opts.writers * perStream);
  const rounds: Contender[][] = [[], [], []];
  for (let r = 0, done = 0; done < opts.events; r++, done += per) {
    const size = Math.min(per, opts.events - done);
    rounds[0].push(await drive(plan(size, perStream, batch), opts.writers, baseWrite));
    rounds[1].push(await drive(plan(size, perStream, batch), opts.writers, ourWrite));
    if (peer) rounds[2].push(await drive(plan(size, perStream, batch), opts.writers, peerWrite));
  }
  const [baseline, ours] = [total(rounds[0]), total(rounds[1])];
  const peerFig = peer ? total(rounds[2]) : null;
  return {
    mode,
    ours,
    baseline,
    peer: peerFig,
    ratioVsBaseline: ratio(ours.eventsPerSec, baseline.eventsPerSec),
    ratioVsPeer: peerFig ? ratio(ours.eventsPerSec, peerFig.eventsPerSec) : null,
  };
}

interface PeerStore {
  appendToStream(stream: string, events: Array<{ type: string; data: Record<string, unknown>; metadata?: unknown }>, options: { expectedStreamVersion: bigint }): Promise<unknown>;
  close(): Promise<void>;
}

export async function appendSuite(opts: AppendSuiteOptions): Promise<AppendSuiteResult> {
  const notes: string[] = [];
  const embedded = !opts.url;
  const schema = uniqueName('bench_append');
  const dataDir = embedded ? mkdtempSync(join(tmpdir(), 'bench-pglite-')) : tmpdir();
  let db: Database | null = null;
  let peerDb: Awaited<ReturnType<typeof freshDatabase>> | null = null;
  let peerPool: Pool | null = null;
  let peer: PeerStore | null = null;
  let basePool: Pool | null = null;
  try {
    db = await openDatabase({ url: opts.url, dataDir, schema, poolSize: opts.writers });
    await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
    // Group commit as the environment sets it (EVENT_STORE_GROUP_*), as the API builds its store.
    const group = groupCommitOptions(eventStoreSettings(process.env));
    const groups = { count: 0, appends: 0 };
    const onGroup = (appends: number) => {
      groups.count++;
      groups.appends += appends;
    };
    const store = new PostgresEventStore(db.pool, { signal: db.signal, groupCommit: group && { ...group, onGroup }, notify: db.kind === 'server' });
    // Same pool size, same server; on PGlite the one connection is shared, as the app does.
    basePool = embedded ? db.pool : new Pool({ ...db.connection, max: opts.writers });
    basePool.on('error', () => undefined);
    await basePool.query(BASELINE_TABLE);

    if (opts.peer && !embedded) {
      // The peer writes to fixed table names in `public`: it gets a database of its own.
      peerDb = await freshDatabase(opts.url!, 'bench_peer');
      peerPool = new Pool({ connectionString: peerDb.url, max: opts.writers });
      peerPool.on('error', () => undefined);
      const { getPostgreSQLEventStore } = await import('@event-driven-io/emmett-postgresql');
      const emmett = getPostgreSQLEventStore(peerDb.url, { connectionOptions: { pool: peerPool } as never });
      await emmett.schema.migrate();
      peer = emmett as unknown as PeerStore;
    } else if (opts.peer) {
      notes.push('peer not run on the embedded database');
    }

    const groupNote = (mode: string) => {
      notes.push(group ? `${mode}: ${groups.count} groups, ${round(groups.appends / Math.max(1, groups.count), 1)} appends per group on average (warm-up included)` : `${mode}: group commit off`);
      log(`append ${notes[notes.length - 1]}`);
      groups.count = groups.appends = 0;
    };
    const single = await pass('single', opts, opts.perStream, 1, store, basePool, peer);
    groupNote('single');
    const batch = opts.batch > 0 ? await pass(`batch${opts.batch}`, opts, opts.batch * opts.batchesPerStream, opts.batch, store, basePool, peer) : null;
    if (batch) groupNote(`batch${opts.batch}`);
    return { backend: embedded ? 'embedded' : 'server', writers: opts.writers, poolSize: embedded ? 1 : opts.writers, single, batch, notes };
  } finally {
    await peer?.close().catch(() => undefined);
    await peerPool?.end().catch(() => undefined);
    await peerDb?.drop().catch((e) => log(`could not drop ${peerDb?.name}: ${(e as Error).message}`));
    if (basePool && basePool !== db?.pool) await basePool.end().catch(() => undefined);
    await db?.close().catch(() => undefined);
    if (embedded) rmSync(dataDir, { recursive: true, force: true });
    else await dropSchema(opts.url!, schema).catch((e) => log(`could not drop ${schema}: ${(e as Error).message}`));
  }
}

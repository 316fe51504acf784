/**
 * `npm run bench [-- --quick] [-- --only=append,http,readside,rebuild,verify,timetravel,sheet,embedded]`
 *
 * Runs the suites against BENCH_DATABASE_URL (default the local PostgreSQL),
 * each on a fresh schema or database dropped afterwards, prints a table,
 * writes the full results to test/bench/results/<timestamp>.json and ends with
 * one line of JSON (the summary). Timings are compared only with baselines
 * measured in the same run: shared machines are noisy.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@app/event-store/database';
import { EVENT_STORE_MIGRATIONS, migrate } from '@app/event-store/migrations';
import { loadBigLog } from './big-log';
import { benchUrl, dropSchema, log, ratio, round, uniqueName, withClient } from './lib';
import { appendSuite, AppendSuiteResult } from './suites/append';
import { httpAvailable, httpSuite, HttpSuiteResult } from './suites/http';
import { readSideSuite, ReadSideResult } from './suites/read-side';
import { rebuildAvailable, rebuildSuite, RebuildSuiteResult } from './suites/rebuild';
import { sheetAvailable, SheetResult, sheetSuite } from './suites/sheet';
import { timeTravelAvailable, timeTravelSuite, TimeTravelResult } from './suites/time-travel';
import { verifySuite, VerifySuiteResult } from './suites/verify';

export const SUITES = ['append', 'http', 'readside', 'rebuild', 'verify', 'timetravel', 'sheet', 'embedded'] as const;
export type SuiteName = (typeof SUITES)[number];

export interface Sizes {
  appendEvents: number;
  embeddedAppendEvents: number;
  httpSeconds: number;
  httpCandidates: number;
  httpConnections: number;
  embeddedHttpSeconds: number;
  embeddedHttpCandidates: number;
  /** Candidates of the log the read models replay (readside: 100 events each). */
  readSideCandidates: number;
  bigLogCandidates: number;
  verifySizes: number[];
  /** Candidates of the session whose deliberation sheet is read. */
  sheetCandidates: number;
}

export const FULL: Sizes = {
  appendEvents: 20_000,
  embeddedAppendEvents: 5_000,
  httpSeconds: 20,
  httpCandidates: 500,
  httpConnections: 32,
  embeddedHttpSeconds: 10,
  embeddedHttpCandidates: 100,
  readSideCandidates: 500,
  bigLogCandidates: 10_000,
  verifySizes: [100_000, 1_000_000],
  sheetCandidates: 2_000,
};

/** Same suites, sizes cut so that the whole run stays under two minutes on a quiet 2-core machine. */
export const QUICK: Sizes = {
  // Appends: large enough that a quick ratio lands within 15 % of the full run's (5 rounds of 2,000; with 1,000
  // the plain INSERTs, the denominator of the HTTP ratio too, came out about 12 % below the full run's).
  appendEvents: 10_000,
  embeddedAppendEvents: 2_000,
  // HTTP: the full run's candidates (the read models' rows, hence the database's work per score, grow
  // with them) for 8 s instead of 20: its ratio lands within 15 % of the full run's.
  httpSeconds: 8,
  httpCandidates: 500,
  httpConnections: 32,
  embeddedHttpSeconds: 3,
  embeddedHttpCandidates: 40,
  readSideCandidates: 200,
  bigLogCandidates: 200,
  verifySizes: [5_000, 20_000],
  sheetCandidates: 200,
};

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  quick: boolean;
  machine: Record<string, unknown>;
  sizes: Sizes;
  append: AppendSuiteResult | null;
  http: HttpSuiteResult | null;
  readSide: ReadSideResult | null;
  bigLog: { events: number; candidates: number; loadMs: number } | null;
  rebuild: RebuildSuiteResult | null;
  verify: VerifySuiteResult | null;
  timeTravel: TimeTravelResult | null;
  sheet: SheetResult | null;
  embedded: { append: AppendSuiteResult | null; http: HttpSuiteResult | null } | null;
  notes: string[];
}

export interface Summary {
  appendEventsPerSec: number | null;
  baselineInsertsPerSec: number | null;
  peerEventsPerSec: number | null;
  appendRatioVsBaseline: number | null;
  appendRatioVsPeer: number | null;
  appendBatchRatioVsBaseline: number | null;
  appendBatchRatioVsPeer: number | null;
  httpCommandsPerSec: number | null;
  httpRatioVsBaseline: number | null;
  httpP99Ms: number | null;
  httpNon2xx: number | null;
  httpProgressPerSec: number | null;
  httpProgressP99Ms: number | null;
  /** Peak resident memory of the API's processes (cluster primary and workers, summed) under the HTTP load. */
  httpPeakRssMb: number | null;
  /** API worker processes of the HTTP run (API_WORKERS as resolved). */
  httpWorkers: number | null;
  /** CPU time per score request of the API's processes, and of the local PostgreSQL server, µs (what a busy machine hardly moves). */
  httpApiCpuUsPerCommand: number | null;
  httpDbCpuUsPerCommand: number | null;
  /** CPU time per score request of the load generator, which shares the machine with the API and the database, µs. */
  httpLoadCpuUsPerCommand: number | null;
  /**
   * Score requests per second the machine's cores could serve at most, were they busy with nothing
   * but the API, the database and the load generator at the CPU per request measured (cores × 1 s ÷
   * their sum), and that ceiling ÷ plain INSERT: how far the ratio can go on this machine without
   * cutting the CPU per request.
   */
  httpCpuCeilingPerSec: number | null;
  httpCpuCeilingRatioVsBaseline: number | null;
  /** Busy share of the scores load of the API's busiest main thread (0-1): near 1, the request thread limits the rate. */
  httpApiMainThreadBusy: number | null;
  /** CPU per event of the read models (every projection that needs no secret) replaying scores in live-sized batches: Node, and PostgreSQL (null when not on this machine), µs. */
  readSideNodeUsPerEvent: number | null;
  readSideDbUsPerEvent: number | null;
  rebuildEventsPerSec: number | null;
  rebuildPeakRssMb: number | null;
  verifyEventsPerSec: number | null;
  verifyMaxRssMb: number | null;
  verifyMemoryFlat: boolean | null;
  timeTravelMs: number | null;
  /** p95 of the first page of a session's deliberation sheet. */
  sheetFirstPageMs: number | null;
  embeddedAppendEventsPerSec: number | null;
  embeddedHttpCommandsPerSec: number | null;
  /** CPU time per score request of the embedded API process (PGlite runs in it), µs. */
  embeddedHttpCpuUsPerCommand: number | null;
}

export function summarize(r: BenchResults): Summary {
  const a = r.append;
  const lastVerify = r.verify?.points[r.verify.points.length - 1];
  const ceiling = cpuCeiling(r);
  return {
    appendEventsPerSec: a?.single.ours.eventsPerSec ?? null,
    baselineInsertsPerSec: a?.single.baseline.eventsPerSec ?? null,
    peerEventsPerSec: a?.single.peer?.eventsPerSec ?? null,
    appendRatioVsBaseline: a?.single.ratioVsBaseline ?? null,
    appendRatioVsPeer: a?.single.ratioVsPeer ?? null,
    appendBatchRatioVsBaseline: a?.batch?.ratioVsBaseline ?? null,
    appendBatchRatioVsPeer: a?.batch?.ratioVsPeer ?? null,
    httpCommandsPerSec: r.http?.scores.requestsPerSec ?? null,
    httpRatioVsBaseline: ratio(r.http?.scores.requestsPerSec, a?.single.baseline.eventsPerSec),
    httpP99Ms: r.http?.scores.p99Ms ?? null,
    httpNon2xx: r.http ? r.http.scores.non2xx + r.http.scores.errors : null,
    httpProgressPerSec: r.http?.progress?.requestsPerSec ?? null,
    httpProgressP99Ms: r.http?.progress?.p99Ms ?? null,
    httpPeakRssMb: r.http?.peakRssMb ?? null,
    httpWorkers: r.http?.workers ?? null,
    httpApiCpuUsPerCommand: r.http?.scoresCpu?.apiUsPerRequest ?? null,
    httpDbCpuUsPerCommand: r.http?.scoresCpu?.databaseUsPerRequest ?? null,
    httpLoadCpuUsPerCommand: r.http?.scoresCpu?.loadUsPerRequest ?? null,
    httpCpuCeilingPerSec: ceiling,
    httpCpuCeilingRatioVsBaseline: ratio(ceiling, a?.single.baseline.eventsPerSec),
    httpApiMainThreadBusy: r.http?.scoresCpu?.apiMainThread?.busiestShare ?? null,
    readSideNodeUsPerEvent: r.readSide ? round(r.readSide.projections.reduce((sum, p) => sum + p.nodeUsPerEvent, 0), 1) : null,
    readSideDbUsPerEvent: r.readSide && r.readSide.projections.every((p) => p.dbUsPerEvent !== null) ? round(r.readSide.projections.reduce((sum, p) => sum + p.dbUsPerEvent!, 0), 1) : null,
    rebuildEventsPerSec: r.rebuild?.eventsPerSec ?? null,
    rebuildPeakRssMb: r.rebuild?.peakRssMb ?? null,
    verifyEventsPerSec: lastVerify?.verifyEventsPerSec ?? null,
    verifyMaxRssMb: lastVerify?.verifyMaxRssMb ?? null,
    verifyMemoryFlat: r.verify?.memoryFlat ?? null,
    timeTravelMs: r.timeTravel?.p50Ms ?? null,
    sheetFirstPageMs: r.sheet?.p95Ms ?? null,
    embeddedAppendEventsPerSec: r.embedded?.append?.single.ours.eventsPerSec ?? null,
    embeddedHttpCommandsPerSec: r.embedded?.http?.scores.requestsPerSec ?? null,
    embeddedHttpCpuUsPerCommand: r.embedded?.http?.scoresCpu?.apiUsPerRequest ?? null,
  };
}

interface Target {
  name: string;
  holds: boolean | null;
  detail: string;
}

export function targets(s: Summary): Target[] {
  const t = (name: string, holds: boolean | null, detail: string): Target => ({ name, holds, detail });
  const both = (...xs: Array<boolean | null>) => (xs.some((x) => x === null) ? null : xs.every(Boolean));
  return [
    t('append ≥ 3× peer', s.appendRatioVsPeer === null ? null : s.appendRatioVsPeer >= 3, `${s.appendRatioVsPeer ?? '—'}×`),
    t('append ≥ 1.2× plain INSERT', s.appendRatioVsBaseline === null ? null : s.appendRatioVsBaseline >= 1.2, `${s.appendRatioVsBaseline ?? '—'}×`),
    t(
      'HTTP scores ≥ 0.35× baseline, p99 ≤ 50 ms, no non-2xx',
      both(
        s.httpRatioVsBaseline === null ? null : s.httpRatioVsBaseline >= 0.35,
        s.httpP99Ms === null ? null : s.httpP99Ms <= 50,
        s.httpNon2xx === null ? null : s.httpNon2xx === 0,
      ),
      `${s.httpRatioVsBaseline ?? '—'}×, p99 ${s.httpP99Ms ?? '—'} ms, ${s.httpNon2xx ?? '—'} non-2xx`,
    ),
    t('API resident memory under the HTTP load ≤ 300 MB', s.httpPeakRssMb === null ? null : s.httpPeakRssMb <= 300, `${s.httpPeakRssMb ?? '—'} MB (${s.httpWorkers ?? '—'} worker(s))`),
    t('rebuild ≥ 80,000 ev/s', s.rebuildEventsPerSec === null ? null : s.rebuildEventsPerSec >= 80_000, `${s.rebuildEventsPerSec ?? '—'} ev/s`),
    t(
      'verification ≥ 200,000 ev/s, flat memory',
      both(s.verifyEventsPerSec === null ? null : s.verifyEventsPerSec >= 200_000, s.verifyMemoryFlat),
      `${s.verifyEventsPerSec ?? '—'} ev/s, ${s.verifyMaxRssMb ?? '—'} MB`,
    ),
    t('PGlite HTTP ≥ 1,000 scores/s', s.embeddedHttpCommandsPerSec === null ? null : s.embeddedHttpCommandsPerSec >= 1_000, `${s.embeddedHttpCommandsPerSec ?? '—'} scores/s`),
    t('time travel < 50 ms', s.timeTravelMs === null ? null : s.timeTravelMs < 50, `${s.timeTravelMs ?? '—'} ms`),
    t('deliberation sheet first page < 100 ms p95', s.sheetFirstPageMs === null ? null : s.sheetFirstPageMs < 100, `${s.sheetFirstPageMs ?? '—'} ms`),
  ];
}

function machine(serverVersion: string | null): Record<string, unknown> {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    /* not Linux */
  }
  return {
    cpus: availableParallelism(),
    cpuModel,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    postgres: serverVersion,
  };
}

const fmt = (n: number | null | undefined, unit = '') => (n === null || n === undefined ? '—' : `${n.toLocaleString('en-US')}${unit}`);

/** cores × 1 s ÷ (API + PostgreSQL + load generator CPU per score request): see Summary.httpCpuCeilingPerSec. */
function cpuCeiling(r: BenchResults): number | null {
  const c = r.http?.scoresCpu;
  const cores = Number(r.machine.cpus);
  if (!c || c.databaseUsPerRequest === null || c.loadUsPerRequest === undefined || !(cores > 0)) return null;
  return Math.round((cores * 1e6) / (c.apiUsPerRequest + c.databaseUsPerRequest + c.loadUsPerRequest));
}

export function table(r: BenchResults): string {
  const rows: string[][] = [['suite', 'measure', 'ours', 'reference', 'ratio']];
  const a = r.append;
  if (a) {
    for (const p of [a.single, a.batch].filter(Boolean) as NonNullable<typeof a.batch>[]) {
      rows.push([`append ${p.mode}`, 'events/s vs plain INSERT', fmt(p.ours.eventsPerSec), fmt(p.baseline.eventsPerSec), fmt(p.ratioVsBaseline, '×')]);
      rows.push([`append ${p.mode}`, 'events/s vs emmett-postgresql', fmt(p.ours.eventsPerSec), fmt(p.peer?.eventsPerSec), fmt(p.ratioVsPeer, '×')]);
    }
  } else rows.push(['append', 'not run', '—', '—', '—']);
  if (r.http) {
    const h = r.http;
    rows.push(['http scores', `req/s (${h.connections} conn, ${h.seconds} s) vs plain INSERT`, fmt(h.scores.requestsPerSec), fmt(a?.single.baseline.eventsPerSec), fmt(ratio(h.scores.requestsPerSec, a?.single.baseline.eventsPerSec), '×')]);
    rows.push(['http scores', 'latency p50 / p99 / max', `${fmt(h.scores.p50Ms)} / ${fmt(h.scores.p99Ms)} / ${fmt(h.scores.maxMs)} ms`, '', '']);
    rows.push(['http scores', 'non-2xx / errors', `${h.scores.non2xx} / ${h.scores.errors}`, '', '']);
    rows.push(['http', 'API workers, peak RSS (all processes)', fmt(h.workers), `${fmt(h.peakRssMb)} MB`, '']);
    if (h.scoresCpu) {
      rows.push(['http scores', 'CPU µs per request: API / PostgreSQL / load generator', `${fmt(h.scoresCpu.apiUsPerRequest)} / ${fmt(h.scoresCpu.databaseUsPerRequest)} / ${fmt(h.scoresCpu.loadUsPerRequest)}`, '', '']);
      const ceiling = cpuCeiling(r);
      if (ceiling !== null) rows.push(['http scores', `at most on ${fmt(Number(r.machine.cpus))} cores at that CPU per request`, fmt(ceiling), fmt(a?.single.baseline.eventsPerSec), fmt(ratio(ceiling, a?.single.baseline.eventsPerSec), '×')]);
    }
    if (h.scoresCpu?.apiMainThread) rows.push(['http scores', "API's main thread: CPU µs per request, busy", fmt(h.scoresCpu.apiMainThread.usPerRequest), `${fmt(Math.round(h.scoresCpu.apiMainThread.busiestShare * 100))} % of the load`, '']);
    if (h.progress) {
      rows.push(['http progress', 'req/s, p50 / p99 ms', `${fmt(h.progress.requestsPerSec)}, ${fmt(h.progress.p50Ms)} / ${fmt(h.progress.p99Ms)}`, '', `${h.progress.non2xx} non-2xx`]);
    }
  } else rows.push(['http', 'not run', '—', '—', '—']);
  if (r.readSide) {
    for (const p of r.readSide.projections) {
      rows.push(['read side', `${p.name}: CPU µs per event, Node / PostgreSQL (${fmt(r.readSide.events)} events, batches of ${fmt(r.readSide.batchSize)})`, `${fmt(p.nodeUsPerEvent)} / ${fmt(p.dbUsPerEvent)}`, `${fmt(p.ms)} ms`, '']);
    }
  } else rows.push(['read side', 'not run', '—', '—', '—']);
  if (r.rebuild) rows.push(['rebuild', `events/s (${fmt(r.rebuild.events)} events), peak RSS`, fmt(r.rebuild.eventsPerSec), `${fmt(r.rebuild.peakRssMb)} MB`, `Node CPU ${fmt(r.rebuild.cpuMs)} ms`]);
  else rows.push(['rebuild', 'not run', '—', '—', '—']);
  if (r.verify) {
    if (r.verify.seal) rows.push(['ledger seal', `ev/s (${fmt(r.verify.seal.events)} events)`, fmt(r.verify.seal.eventsPerSec), '', '']);
    for (const p of r.verify.points) {
      rows.push([`verify ${fmt(p.events)}`, 'offline ev/s, peak RSS', fmt(p.verifyEventsPerSec), `${fmt(p.verifyMaxRssMb)} MB`, p.ok ? 'intact' : 'FAILED']);
      rows.push([`export ${fmt(p.events)}`, 'ev/s, bundle size', fmt(p.exportEventsPerSec), `${fmt(p.bundleMb)} MB`, '']);
    }
  } else rows.push(['verify', 'not run', '—', '—', '—']);
  if (r.timeTravel) rows.push(['time travel', `asOf in ${fmt(r.timeTravel.logEvents)} events: p50 / p95 / max`, `${r.timeTravel.p50Ms} / ${r.timeTravel.p95Ms} / ${r.timeTravel.maxMs} ms`, '', '']);
  else rows.push(['time travel', 'not run', '—', '—', '—']);
  if (r.sheet) rows.push(['sheet', `first page, ${fmt(r.sheet.candidates)} candidates, ${fmt(r.sheet.logEvents)} events: p50 / p95 / max`, `${r.sheet.p50Ms} / ${r.sheet.p95Ms} / ${r.sheet.maxMs} ms`, `rebuild ${fmt(r.sheet.rebuildMs)} ms`, '']);
  else rows.push(['sheet', 'not run', '—', '—', '—']);
  const e = r.embedded;
  if (e?.append) rows.push(['PGlite append', 'single events/s vs plain INSERT', fmt(e.append.single.ours.eventsPerSec), fmt(e.append.single.baseline.eventsPerSec), fmt(e.append.single.ratioVsBaseline, '×')]);
  if (e?.append?.batch) rows.push(['PGlite append', `batch events/s vs plain INSERT`, fmt(e.append.batch.ours.eventsPerSec), fmt(e.append.batch.baseline.eventsPerSec), fmt(e.append.batch.ratioVsBaseline, '×')]);
  if (e?.http) rows.push(['PGlite http', 'scores req/s, p99, peak RSS', fmt(e.http.scores.requestsPerSec), `${fmt(e.http.scores.p99Ms)} ms, ${fmt(e.http.peakRssMb)} MB`, `${e.http.scores.non2xx} non-2xx`]);
  if (e?.http?.scoresCpu) rows.push(['PGlite http', 'CPU µs per request (API with PGlite)', fmt(e.http.scoresCpu.apiUsPerRequest), '', '']);
  if (!e) rows.push(['PGlite', 'not run', '—', '—', '—']);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i])).join(' | ');
  const out = [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)];
  out.push('', 'targets:');
  for (const t of targets(summarize(r))) out.push(`  ${t.holds === null ? '  n/a' : t.holds ? ' HOLDS' : ' MISSED'}  ${t.name}: ${t.detail}`);
  if (r.notes.length) out.push('', 'notes:', ...r.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}

export interface RunOptions {
  url: string;
  quick: boolean;
  only: Set<SuiteName>;
  sizes: Sizes;
  resultsDir?: string;
}

async function attempt<T>(name: string, notes: string[], fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (error) {
    const message = (error as Error)?.stack ?? String(error);
    log(`${name} failed: ${message}`);
    notes.push(`${name}: failed (${(error as Error)?.message ?? String(error)}); its figures are null`);
    return null;
  }
}

export async function runBench(options: RunOptions): Promise<{ results: BenchResults; summary: Summary; file: string | null }> {
  const { url, sizes, only } = options;
  const notes: string[] = [];
  const serverVersion = await withClient(url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version as string).catch(() => null);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    quick: options.quick,
    machine: machine(serverVersion),
    sizes,
    append: null,
    http: null,
    readSide: null,
    bigLog: null,
    rebuild: null,
    verify: null,
    timeTravel: null,
    sheet: null,
    embedded: null,
    notes,
  };

  if (only.has('append')) {
    log(`append: ${sizes.appendEvents} events, 8 writers…`);
    results.append = await attempt('append', notes, () =>
      appendSuite({ url, events: sizes.appendEvents, writers: 8, perStream: 50, batch: 100, batchesPerStream: 2, peer: true }),
    );
  }

  if (only.has('http')) {
    const missing = httpAvailable();
    if (missing) notes.push(`http: not run (${missing})`);
    else {
      log(`http: ${sizes.httpCandidates} candidates, ${sizes.httpConnections} connections, ${sizes.httpSeconds} s per route…`);
      results.http = await attempt('http', notes, () =>
        httpSuite({ url, seconds: sizes.httpSeconds, candidates: sizes.httpCandidates, connections: sizes.httpConnections }),
      );
    }
  }

  if (only.has('readside')) {
    log(`read side: ${sizes.readSideCandidates} candidates × 100 events replayed through each read model…`);
    results.readSide = await attempt('read side', notes, () => readSideSuite(url, sizes.readSideCandidates));
  }

  const wantBig = only.has('rebuild') || only.has('verify') || only.has('timetravel') || only.has('sheet');
  if (wantBig) {
    const schema = uniqueName('bench_log');
    const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
    const db = await openDatabase({ url, dataDir: tmpdir(), schema, poolSize: 4, statementTimeoutMs: 600_000 });
    try {
      await migrate(db.pool, EVENT_STORE_MIGRATIONS, 'event-store');
      log(`big log: loading ${sizes.bigLogCandidates} candidates × 100 events…`);
      const big = await loadBigLog(db.pool, sizes.bigLogCandidates);
      results.bigLog = { events: big.events, candidates: big.candidates.length, loadMs: big.loadMs };
      log(`big log: ${big.events} events in ${(big.loadMs / 1000).toFixed(1)} s`);
      if (only.has('rebuild')) {
        if (!rebuildAvailable()) notes.push('rebuild: not run (the projection engine is not in this tree yet)');
        else {
          log('rebuild: candidate progress from the whole log…');
          results.rebuild = await attempt('rebuild', notes, () => rebuildSuite(url, schema));
        }
      }
      if (only.has('timetravel')) {
        if (!timeTravelAvailable()) notes.push('time travel: not run (the progress query is not in this tree yet)');
        else {
          log('time travel: progress asOf for one candidate…');
          results.timeTravel = await attempt('time travel', notes, () => timeTravelSuite(db, big));
        }
      }
      if (only.has('verify')) {
        const sizesHere = sizes.verifySizes.map((n) => Math.min(n, big.events));
        results.verify = await attempt('verify', notes, () => verifySuite(db.pool, dir, [...new Set(sizesHere)]));
      }
      // Last: it appends a session to the log, which the suites above read as loaded.
      if (only.has('sheet')) {
        if (!sheetAvailable()) notes.push('sheet: not run (the deliberation sheet is not in this tree yet)');
        else {
          log(`sheet: a session of ${sizes.sheetCandidates} candidates, back-office projection rebuilt, first page…`);
          results.sheet = await attempt('sheet', notes, () => sheetSuite(db, big, sizes.sheetCandidates));
        }
      }
    } catch (error) {
      notes.push(`big log: failed (${(error as Error).message})`);
      log(`big log failed: ${(error as Error).stack}`);
    } finally {
      await db.close().catch(() => undefined);
      await dropSchema(url, schema).catch((e) => log(`could not drop ${schema}: ${(e as Error).message}`));
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (only.has('embedded')) {
    log(`embedded: PGlite append ${sizes.embeddedAppendEvents} events…`);
    const append = await attempt('embedded append', notes, () =>
      appendSuite({ events: sizes.embeddedAppendEvents, writers: 8, perStream: 50, batch: 100, batchesPerStream: 2, peer: false }),
    );
    let http: HttpSuiteResult | null = null;
    const missing = httpAvailable();
    if (missing) notes.push(`embedded http: not run (${missing})`);
    else {
      log(`embedded: PGlite HTTP ${sizes.embeddedHttpCandidates} candidates, ${sizes.embeddedHttpSeconds} s per route…`);
      http = await attempt('embedded http', notes, () =>
        httpSuite({ seconds: sizes.embeddedHttpSeconds, candidates: sizes.embeddedHttpCandidates, connections: sizes.httpConnections }),
      );
    }
    results.embedded = { append, http };
  }

  results.finishedAt = new Date().toISOString();
  const summary = summarize(results);
  let file: string | null = null;
  if (options.resultsDir) {
    mkdirSync(options.resultsDir, { recursive: true });
    file = join(options.resultsDir, `${results.startedAt.replace(/[:.]/g, '-')}${options.quick ? '-quick' : ''}.json`);
    writeFileSync(file, JSON.stringify({ ...results, summary, targets: targets(summary) }, null, 2));
  }
  return { results, summary, file };
}

export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only='));
  const only = new Set<SuiteName>(onlyArg ? (onlyArg.slice(7).split(',') as SuiteName[]) : SUITES);
  for (const s of only) if (!SUITES.includes(s)) throw new Error(`unknown suite ${s} (known: ${SUITES.join(', ')})`);
  const url = benchUrl();
  const t0 = Date.now();
  log(`${quick ? 'quick' : 'full'} run against ${url.replace(/:[^:@/]*@/, ':***@')} (fresh schemas and databases, dropped afterwards)`);
  const { results, summary, file } = await runBench({ url, quick, only, sizes: quick ? QUICK : FULL, resultsDir: join(__dirname, 'results') });
  process.stdout.write(`\n${table(results)}\n\n`);
  if (file) process.stdout.write(`full results: ${file} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

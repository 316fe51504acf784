import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import type { NewEvent } from '@app/event-store/event-store';

export const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function benchUrl(): string {
  return process.env.BENCH_DATABASE_URL || DEFAULT_URL;
}

/** A name no other run uses, valid for a schema or a database. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/**
 * A throwaway database next to `url` (for code that only knows the public
 * schema, like the peer store); returns its URL and a dropper.
 */
export async function freshDatabase(url: string, prefix: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = uniqueName(prefix);
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: () => withClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A pool whose every connection works in `schema` (same settings as openDatabase). */
export function schemaPool(url: string, schema: string, max: number): Pool {
  const pool = new Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined);
  return pool;
}

/** Samples RSS and heap while `fn` runs: the peak of a phase, not of the process. */
export async function sampled<T>(fn: () => Promise<T>, everyMs = 25): Promise<{ result: T; ms: number; peakRssMb: number; peakHeapMb: number; startRssMb: number }> {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, everyMs);
  const t0 = performance.now();
  try {
    const result = await fn();
    const ms = performance.now() - t0;
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    return { result, ms, peakRssMb: mb(peakRss), peakHeapMb: mb(peakHeap), startRssMb: mb(start.rss) };
  } finally {
    clearInterval(timer);
  }
}

export const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

export function round(n: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || b === 0) return null;
  return round(a / b, 2);
}

/** Runs `count` tasks with `concurrency` workers; worker i gets tasks i, i+c, i+2c... */
export async function inParallel(concurrency: number, worker: (index: number) => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
}

export const ACTOR = { id: '6f1c1f33-6f0b-4a57-9a3c-0c4c8a8b2a11', role: 'assessor' };

/** A realistic CriterionScored event of a candidate file (the same payload for every contender). */
export function scoreEvent(candidateId: string, sessionId: string, n: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'CriterionScored',
    data: {
      candidateId,
      sessionId,
      block: `BC0${(n % 4) + 1}`,
      criterion: `CE${(n % 4) + 1}.${(n % 25) + 1}`,
      result: n % 3 === 0 ? 'not-acquired' : 'acquired',
      comment: 'Observed during the practical case study; evidence filed.',
    },
    metadata: {
      actor: ACTOR,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      recordedAt: new Date().toISOString(),
    },
  };
}

export interface Notes {
  notes: string[];
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/**
 * CPU time so far of each server process serving a client whose connections carry the
 * application name `appName` (the API, a bench child), µs by pid; null when the server is not on this machine.
 */
export async function serverCpuUs(url: string, appName: string): Promise<Map<number, number> | null> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName]);
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        cpu.set(pid, cpuUsOf(readFileSync(`/proc/${pid}/stat`, 'utf8')));
      } catch {
        return null; // not a process of this machine
      }
    }
    return cpu;
  } finally {
    await client.end();
  }
}

/** CPU used between two readings by the processes present in both, µs. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, us] of after) if (before.has(pid)) total += us - before.get(pid)!;
  return total;
}

/** utime + stime of a /proc/<pid>/stat line, in µs (clock ticks of 10 ms on Linux). */
export function cpuUsOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Runs a child of the bench (`node …args`, in a process of its own so that its CPU and memory are its
 * own) and resolves with the last line of its output, parsed: the children print their result so.
 */
export function childResult<T>(args: string[], what: string, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 22, env }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${what} failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as T);
    });
  });
}

/** The arguments that run a TypeScript child of the bench (test/bench/children) without a build step. */
export const tsChild = (name: string, ...args: string[]): string[] => ['-r', join(__dirname, 'register.js'), join(__dirname, 'children', name), ...args];

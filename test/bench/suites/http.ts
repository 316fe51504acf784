import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childResult, cpuBetween, cpuUsOf, dropSchema, inParallel, log, round, serverCpuUs, uniqueName } from '../lib';

/**
 * Suite 2: the API end to end on a fresh schema, started as `npm start`
 * starts it (`node scripts/launch.js api`: a process of its own, with
 * API_WORKERS worker processes on a PostgreSQL server, one process on the
 * embedded database), projections and the ledger sealer running as in
 * production, loaded by children/load.js from another child process. The resident
 * memory of the API's processes (primary and workers) is sampled under the load.
 */
export interface LoadFigures {
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, { count: number }>;
  /** CPU time (user + system) of the load generator's process over the load, µs. */
  cpuUs: number;
}

export interface HttpSuiteResult {
  backend: 'server' | 'embedded';
  candidates: number;
  connections: number;
  seconds: number;
  seedMs: number;
  scores: LoadFigures;
  progress: LoadFigures | null;
  /** API processes serving HTTP (API_WORKERS as resolved): 1 = no cluster primary. */
  workers: number;
  /** Peak of the summed resident memory of the API's processes (primary and workers) during the seeding and both loads, MB. */
  peakRssMb: number;
  /**
   * CPU time (user + system) per score request during the scores load, µs: of the API's processes, and
   * of the local PostgreSQL server's processes (null when the server is not on this machine, or embedded).
   * Unlike requests per second, a busy machine hardly moves it: it is what a change to the path costs.
   * And of the load generator (children/load.js), which runs on the same machine.
   */
  scoresCpu: { apiUsPerRequest: number; databaseUsPerRequest: number | null; loadUsPerRequest: number; apiMainThread: MainThreadFigures };
  notes: string[];
}

/**
 * The API's main threads (one per process) during the scores load. The rest of
 * an API process's CPU is V8's helper threads (mostly the garbage collector's
 * concurrent work) and libuv's pool. A busiest share near 1 says the request
 * thread limits the rate; well below it, the machine or the database does.
 */
export interface MainThreadFigures {
  /** CPU time of the main threads per score request, µs. */
  usPerRequest: number;
  /** Busy share of the busiest main thread over the load's duration (the load generator's own start-up falls outside it), 0–1. */
  busiestShare: number;
}

export interface HttpSuiteOptions {
  /** Server URL; absent = the embedded default (PGlite). */
  url?: string;
  seconds: number;
  candidates: number;
  connections: number;
  /** API_WORKERS for the server backend (default: the environment's, else auto); the embedded backend always runs one. */
  workers?: string;
}

const root = join(__dirname, '..', '..', '..');
const need = [
  'apps/api/src/candidates/score-criterion/score-criterion.controller.ts',
  'apps/api/src/candidates/enrol-candidate/enrol-candidate.controller.ts',
  'apps/api/src/sessions/assign-assessor/assign-assessor.controller.ts',
  'apps/api/src/referentials/publish-referential/publish-referential.controller.ts',
  'test/support/scenario.ts',
];

/** Null when the routes exist; otherwise what is missing. */
export function httpAvailable(): string | null {
  const missing = need.filter((p) => !existsSync(join(root, p)));
  return missing.length ? `not in this tree yet: ${missing.join(', ')}` : null;
}

async function load(plan: Record<string, unknown>, dir: string): Promise<LoadFigures> {
  const file = join(dir, `plan-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(plan));
  const r = await childResult<LoadFigures>([join(__dirname, '..', 'children', 'load.js'), file], 'load generator');
  return { ...r, requestsPerSec: round(r.requestsPerSec), p99Ms: round(r.p99Ms, 1), p50Ms: round(r.p50Ms, 1) };
}

/** CPU time (user + system) so far of a process and all its descendants, µs (Linux /proc). */
function treeCpuUs(pid: number): number {
  return sumOverTree(pid, (p) => cpuUsOf(readFileSync(`/proc/${p}/stat`, 'utf8')));
}

/** CPU time so far of the main thread of each process of the tree, µs by pid (Linux /proc). */
function mainThreadsCpuUs(pid: number): Map<number, number> {
  const cpu = new Map<number, number>();
  sumOverTree(pid, (p) => {
    cpu.set(p, cpuUsOf(readFileSync(`/proc/${p}/task/${p}/stat`, 'utf8')));
    return 0;
  });
  return cpu;
}

/** Resident memory of a process and all its descendants, in bytes (Linux /proc; 0 for a process gone). */
export function treeRss(pid: number): number {
  return sumOverTree(pid, (p) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024);
}

/** A figure summed over a process and all its descendants (0 for a process gone). */
function sumOverTree(pid: number, of: (pid: number) => number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which may hold spaces): state, ppid, …
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const walk = (p: number) => {
    try {
      total += of(p);
    } catch {
      // gone meanwhile
    }
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return total;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the API as `npm start` does and waits until every worker serves (aggregated /metrics), or /health for a single process. */
async function startApi(env: NodeJS.ProcessEnv, baseUrl: string, workers: number): Promise<{ child: ChildProcess; output: () => string }> {
  // BENCH_PROFILE_DIR: a V8 CPU profile of each API process, written there when it stops (docs/performance.md).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, join(root, 'scripts', 'launch.js'), 'api'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`the API did not start within 180 s:\n${out}`);
    try {
      if (workers === 1) {
        if ((await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) })).status === 200) break;
      } else {
        const metrics = await (await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
        if (new RegExp(`^api_workers_listening ${workers}$`, 'm').test(metrics)) break;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => out };
}

async function stopApi(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export async function httpSuite(opts: HttpSuiteOptions): Promise<HttpSuiteResult> {
  const notes: string[] = [];
  const { loadConfig } = await import('@app/platform/config');
  const { loadAuthConfig } = await import('@app/platform/auth/auth.config');
  const { signDevelopmentToken } = await import('@app/platform/auth/token-verifier');
  const { apiWorkers } = await import('../../../apps/api/src/cluster');
  const { ApiClient, SEED_CRITERIA, SEED_REFERENTIAL } = await import('../../support/scenario');

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const schema = uniqueName('bench_http');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(opts.url ? { DATABASE_URL: opts.url, DATABASE_SCHEMA: schema, API_WORKERS: opts.workers ?? process.env.API_WORKERS ?? 'auto' } : { DATABASE_URL: '', API_WORKERS: '1' }),
    NODE_ENV: 'development',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // The abuse limits (per user and per address, docs/security.md) would answer 429 to a
    // load generator that is one user on one address: this measures capacity, not the brake.
    RATE_LIMIT_PER_MINUTE_USER: '0',
    RATE_LIMIT_PER_MINUTE_IP: '0',
    // The server processes of the API's connections, found by name for their CPU time.
    PGAPPNAME: schema,
  };
  const config = loadConfig(env);
  const workers = apiWorkers(config, env);
  let api: { child: ChildProcess; output: () => string } | null = null;
  let peakRss = 0;
  let sampler: NodeJS.Timeout | null = null;
  try {
    // The development keys exist before the API starts: it trusts the tokens signed here.
    const auth = loadAuthConfig(env, config.dataDir);
    const adminToken = await signDevelopmentToken(auth, { sub: 'bench-admin', roles: ['admin'] });
    const assessorToken = await signDevelopmentToken(auth, { sub: 'bench-assessor', roles: ['assessor'] });
    const baseUrl = `http://127.0.0.1:${port}`;
    log(`http: starting the API (${workers} worker${workers > 1 ? 's' : ''}, ${opts.url ? 'PostgreSQL' : 'embedded'})…`);
    api = await startApi(env, baseUrl, workers);
    const pid = api.child.pid!;
    sampler = setInterval(() => (peakRss = Math.max(peakRss, treeRss(pid))), 250);
    const admin = new ApiClient(baseUrl, adminToken, 60_000);
    const t0 = performance.now();
    const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
      const a = await p;
      if (a.status !== 201) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
      return a.body;
    };
    const referentialId = (await must('draft referential', admin.post('/v1/referentials', SEED_REFERENTIAL))).id as string;
    await must('publish referential', admin.post(`/v1/referentials/${referentialId}/publish`, {}));
    const sessionId = (await must('open session', admin.post('/v1/sessions', { referentialId, title: 'Benchmark session', startsOn: '2026-06-01', endsOn: '2026-06-30' }))).id as string;
    await must('assign assessor', admin.post(`/v1/sessions/${sessionId}/assessors`, { userId: 'bench-assessor' }));
    const blocks = [...new Set(SEED_CRITERIA.map((c) => c.block))];
    // The warm-up scores candidates of its own: what it leaves in flight when it stops may or may
    // not be written, and a measured request must know whether it scores or corrects (with a reason).
    const warmUpCandidates = 16;
    const candidateIds: string[] = new Array(opts.candidates + warmUpCandidates);
    await inParallel(16, async (w) => {
      for (let i = w; i < candidateIds.length; i += 16) {
        const id = (
          await must(
            'register candidate',
            admin.post('/v1/candidates', { givenName: `Camille${i}`, familyName: 'Banc', birthDate: '1995-03-14', email: `camille${i}@example.org`, accessRoute: 'continuing-education' }),
          )
        ).id as string;
        await must('enrol candidate', admin.post(`/v1/candidates/${id}/enrolments`, { sessionId, blocks }));
        candidateIds[i] = id;
      }
    });
    const seedMs = Math.round(performance.now() - t0);
    log(`http: seeded ${candidateIds.length} candidates in ${(seedMs / 1000).toFixed(1)} s`);

    const plan = { baseUrl, connections: opts.connections, candidateIds: candidateIds.slice(0, opts.candidates), criteria: SEED_CRITERIA, sessionId };
    // Warm-up (JIT, pools, first plans): one second, on its own candidates (its refusals, once it has
    // gone round them all, are not counted).
    await load({ ...plan, candidateIds: candidateIds.slice(opts.candidates), token: assessorToken, route: 'scores', seconds: 1, offset: 0 }, dataDir);
    log(`http: scores for ${opts.seconds} s…`);
    const cpuBefore = { api: treeCpuUs(pid), main: mainThreadsCpuUs(pid), db: opts.url ? await serverCpuUs(opts.url, schema) : null };
    const scores = await load({ ...plan, token: assessorToken, route: 'scores', seconds: opts.seconds, offset: 0 }, dataDir);
    const apiCpu = treeCpuUs(pid) - cpuBefore.api;
    const mainAfter = mainThreadsCpuUs(pid);
    const dbAfter = opts.url && cpuBefore.db ? await serverCpuUs(opts.url, schema) : null;
    let busiest = 0;
    for (const [p, us] of mainAfter) if (cpuBefore.main.has(p)) busiest = Math.max(busiest, us - cpuBefore.main.get(p)!);
    const scoresCpu = {
      apiUsPerRequest: round(apiCpu / Math.max(1, scores.requests)),
      databaseUsPerRequest: cpuBefore.db && dbAfter ? round(cpuBetween(cpuBefore.db, dbAfter) / Math.max(1, scores.requests)) : null,
      loadUsPerRequest: round(scores.cpuUs / Math.max(1, scores.requests)),
      apiMainThread: { usPerRequest: round(cpuBetween(cpuBefore.main, mainAfter) / Math.max(1, scores.requests)), busiestShare: round(Math.min(1, busiest / (opts.seconds * 1e6)), 2) },
    };
    const combos = opts.candidates * SEED_CRITERIA.length;
    if (scores.requests > combos) notes.push(`more requests than the ${combos} candidate/criterion combinations: later rounds were corrections`);

    let progress: LoadFigures | null = null;
    if (existsSync(join(root, 'apps/api/src/progress'))) {
      log(`http: progress for ${opts.seconds} s…`);
      await load({ ...plan, token: adminToken, route: 'progress', seconds: 1 }, dataDir);
      progress = await load({ ...plan, token: adminToken, route: 'progress', seconds: opts.seconds }, dataDir);
    } else notes.push('progress route not in this tree yet');
    peakRss = Math.max(peakRss, treeRss(pid));
    const peakRssMb = round(peakRss / (1 << 20));
    log(`http: peak resident memory of the API's ${workers > 1 ? `${workers + 1} processes` : 'process'}: ${peakRssMb} MB`);
    return { backend: opts.url ? 'server' : 'embedded', candidates: opts.candidates, connections: opts.connections, seconds: opts.seconds, seedMs, scores, scoresCpu, progress, workers, peakRssMb, notes };
  } finally {
    if (sampler) clearInterval(sampler);
    if (api) {
      const code = await stopApi(api.child);
      if (code !== 0) log(`the API stopped with status ${code}:\n${api.output()}`);
    }
    if (opts.url) await dropSchema(opts.url, schema).catch((e) => log(`could not drop ${schema}: ${(e as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

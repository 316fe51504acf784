import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { dropSchema, inParallel, log, round, uniqueName } from '../lib';

/**
 * Suite 2: the API end to end on a fresh schema — the real app (createApp),
 * listening on loopback, with projections and the ledger sealer running as in
 * production — loaded by autocannon from a child process.
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
}

export interface HttpSuiteResult {
  backend: 'server' | 'embedded';
  candidates: number;
  connections: number;
  seconds: number;
  seedMs: number;
  scores: LoadFigures;
  progress: LoadFigures | null;
  notes: string[];
}

export interface HttpSuiteOptions {
  /** Server URL; absent = the embedded default (PGlite). */
  url?: string;
  seconds: number;
  candidates: number;
  connections: number;
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

function load(plan: Record<string, unknown>, dir: string): Promise<LoadFigures> {
  const file = join(dir, `plan-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(plan));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(__dirname, '..', 'children', 'load.js'), file], { maxBuffer: 1 << 22 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`load generator failed: ${stderr || error.message}`));
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      resolve({ ...r, requestsPerSec: round(r.requestsPerSec), p99Ms: round(r.p99Ms, 1), p50Ms: round(r.p50Ms, 1) });
    });
  });
}

export async function httpSuite(opts: HttpSuiteOptions): Promise<HttpSuiteResult> {
  const notes: string[] = [];
  const { createApp } = await import('../../../apps/api/src/bootstrap');
  const { loadConfig } = await import('@app/platform/config');
  const { loadAuthConfig } = await import('@app/platform/auth/auth.config');
  const { signDevelopmentToken } = await import('@app/platform/auth/token-verifier');
  const { ApiClient, SEED_CRITERIA, SEED_REFERENTIAL } = await import('../../support/scenario');

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const schema = uniqueName('bench_http');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(opts.url ? { DATABASE_URL: opts.url, DATABASE_SCHEMA: schema } : { DATABASE_URL: '' }),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    // The abuse limits (per user and per address, docs/security.md) would answer 429 to a
    // load generator that is one user on one address: this measures capacity, not the brake.
    RATE_LIMIT_PER_MINUTE_USER: '0',
    RATE_LIMIT_PER_MINUTE_IP: '0',
  };
  let app: INestApplication | null = null;
  try {
    const config = loadConfig(env);
    app = await createApp(config, env);
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const baseUrl = `http://127.0.0.1:${port}`;
    const auth = loadAuthConfig(env, config.dataDir);
    const adminToken = await signDevelopmentToken(auth, { sub: 'bench-admin', roles: ['admin'] });
    const assessorToken = await signDevelopmentToken(auth, { sub: 'bench-assessor', roles: ['assessor'] });
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
    const candidateIds: string[] = new Array(opts.candidates);
    await inParallel(16, async (w) => {
      for (let i = w; i < opts.candidates; i += 16) {
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
    log(`http: seeded ${opts.candidates} candidates in ${(seedMs / 1000).toFixed(1)} s`);

    const plan = { baseUrl, connections: opts.connections, candidateIds, criteria: SEED_CRITERIA, sessionId };
    // Warm-up (JIT, pools, first plans): one second, its combinations are not reused.
    const warm = await load({ ...plan, token: assessorToken, route: 'scores', seconds: 1, offset: 0 }, dataDir);
    log(`http: scores for ${opts.seconds} s…`);
    const scores = await load({ ...plan, token: assessorToken, route: 'scores', seconds: opts.seconds, offset: warm.requests + opts.connections }, dataDir);
    const combos = candidateIds.length * SEED_CRITERIA.length;
    if (scores.requests + warm.requests > combos) notes.push(`more requests than the ${combos} candidate/criterion combinations: later rounds were corrections`);

    let progress: LoadFigures | null = null;
    if (existsSync(join(root, 'apps/api/src/progress'))) {
      log(`http: progress for ${opts.seconds} s…`);
      await load({ ...plan, token: adminToken, route: 'progress', seconds: 1 }, dataDir);
      progress = await load({ ...plan, token: adminToken, route: 'progress', seconds: opts.seconds }, dataDir);
    } else notes.push('progress route not in this tree yet');
    return { backend: opts.url ? 'server' : 'embedded', candidates: opts.candidates, connections: opts.connections, seconds: opts.seconds, seedMs, scores, progress, notes };
  } finally {
    await app?.close().catch((e) => log(`app close: ${(e as Error).message}`));
    if (opts.url) await dropSchema(opts.url, schema).catch((e) => log(`could not drop ${schema}: ${(e as Error).message}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

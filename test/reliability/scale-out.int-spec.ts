import { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PROJECTIONS } from '@app/projections/projections';
import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { startTestApp, TestApp } from '../support/app';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { ensureBuilt } from '../support/processes';
import { ApiClient, Scenario, setUpScenario, tally } from '../support/scenario';

const CANDIDATES = 4;
const ACTIVE = /projection (\S+): this process is the active runner/g;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The same commands for any deployment: every BC01 criterion scored (a varied pattern), then two corrections. */
function script(scenario: Scenario, i: number) {
  const criteria = scenario.criteria.filter((c) => c.block === 'BC01');
  const result = (j: number) => ((i + j) % 5 === 0 ? 'not-acquired' : 'acquired');
  return [
    ...criteria.map((c, j) => ({ sessionId: scenario.sessionId, criterion: c.criterion, result: result(j) })),
    ...[0, 5].map((j) => ({ sessionId: scenario.sessionId, criterion: criteria[j].criterion, result: result(j) === 'acquired' ? 'not-acquired' : 'acquired', correctionReason: 'relecture' })),
  ];
}

/** Runs the script against `apis` (round robin per command), candidates in parallel; returns each candidate's progress. */
async function runScript(apis: ApiClient[], admin: ApiClient, assessors: ApiClient[], readers: ApiClient[]) {
  const scenario = await setUpScenario(admin, { candidates: CANDIDATES, blocks: ['BC01', 'BC02'] });
  const statuses: number[] = [];
  let last = 0;
  let n = 0;
  await Promise.all(
    scenario.candidateIds.map(async (candidateId, i) => {
      for (const body of script(scenario, i)) {
        const k = n++ % apis.length;
        const answer = await assessors[k].post(`/v1/candidates/${candidateId}/scores`, body);
        statuses.push(answer.status);
        if (answer.status !== 201) throw new Error(`score via ${apis[k].baseUrl}: ${answer.status} ${JSON.stringify(answer.body)}`);
        last = Math.max(last, answer.body.position);
      }
    }),
  );
  const progress = [];
  for (const [i, candidateId] of scenario.candidateIds.entries()) {
    const answer = await readers[i % readers.length].get(`/v1/candidates/${candidateId}/progress`, { 'x-min-position': String(last) });
    if (answer.status !== 200) throw new Error(`progress: ${answer.status} ${JSON.stringify(answer.body)}`);
    const { candidateId: _, ...rest } = answer.body;
    progress.push(rest);
  }
  return { scenario, statuses, progress, last };
}

/**
 * Scale-out: two API processes (RUN_PROJECTIONS=false) and two projector
 * processes on one database, a client spreading commands over both APIs.
 * Pass: the progress read models equal those of the same commands on a single
 * process; per projection exactly one projector is the active runner; when
 * the active one is SIGKILLed the other takes over within 10 s and the read
 * model follows new commands again.
 */
describe('reliability: two APIs and two projectors on one database', () => {
  const schema = uniqueSchema('rel');
  let keys: ReturnType<typeof dataDirWithTokens>;
  const apis: AppProcess[] = [];
  const projectors: AppProcess[] = [];
  let single: TestApp;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: keys.dataDir };
    // The first API creates the schema; the others start beside it.
    apis.push(await appProcess('api', { ...env, RUN_PROJECTIONS: 'false' }));
    const rest = await Promise.all([
      appProcess('api', { ...env, RUN_PROJECTIONS: 'false' }),
      appProcess('projector', { ...env, LOG_LEVEL: 'info' }),
      appProcess('projector', { ...env, LOG_LEVEL: 'info' }),
    ]);
    apis.push(rest[0]);
    projectors.push(rest[1], rest[2]);
    single = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE_USER: '0', RATE_LIMIT_PER_MINUTE_IP: '0' } });
  }, 300_000); // the first suite to need dist builds it
  afterAll(async () => {
    await Promise.all([...apis, ...projectors].map((p) => p.kill('SIGKILL')));
    await single?.close();
    await dropSchema(schema);
    keys?.dispose();
  });

  const activeIn = (p: AppProcess) => new Set([...p.proc.output().matchAll(ACTIVE)].map((m) => m[1]));

  it('gives the results of one process, one active projector per projection, and a take-over within 10 s', async () => {
    const names = PROJECTIONS.map((p) => p.name);
    const clients = (base: string, sub: string, role: 'admin' | 'assessor') => keys.token(sub, [role]).then((tok) => new ApiClient(base, tok));
    const apiClients = await Promise.all(apis.map((a) => clients(a.base, 'admin-1', 'admin')));
    const assessors = await Promise.all(apis.map((a) => clients(a.base, 'assessor-1', 'assessor')));
    const scaled = await runScript(apiClients, apiClients[0], assessors, apiClients);

    const server: Server = single.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const singleAdmin = new ApiClient(base, await single.token('admin-1', ['admin']));
    const singleAssessor = new ApiClient(base, await single.token('assessor-1', ['assessor']));
    const alone = await runScript([singleAdmin], singleAdmin, [singleAssessor], [singleAdmin]);

    // Each projection has exactly one active runner among the projectors.
    const deadline = Date.now() + 30_000;
    while (names.some((n) => !projectors.some((p) => activeIn(p).has(n))) && Date.now() < deadline) await sleep(100);
    const holders = Object.fromEntries(names.map((n) => [n, projectors.filter((p) => activeIn(p).has(n)).map((p) => projectors.indexOf(p))]));

    // Kill the runner of candidate-progress; the other takes over.
    const leader = projectors.find((p) => activeIn(p).has('candidate-progress'))!;
    const other = projectors.find((p) => p !== leader)!;
    await leader.kill('SIGKILL');
    const killedAt = Date.now();
    while (!activeIn(other).has('candidate-progress') && Date.now() - killedAt < 20_000) await sleep(50);
    const handOverMs = Date.now() - killedAt;
    const after = await runScript(apiClients, apiClients[0], assessors, [apiClients[1], apiClients[0]]);

    console.log(
      `scale-out: 2 APIs + 2 projectors on one schema; ${scaled.statuses.length} commands spread over both APIs ${JSON.stringify(tally(scaled.statuses))}, ` +
        `${CANDIDATES} progress read models equal to a single process: ${JSON.stringify(scaled.progress) === JSON.stringify(alone.progress)}; ` +
        `active runners per projection ${JSON.stringify(holders)}; SIGKILL of the active projector → take-over in ${handOverMs} ms; ` +
        `${after.statuses.length} more commands after it, read model equal again: ${JSON.stringify(after.progress) === JSON.stringify(alone.progress)}`,
    );
    expect(scaled.progress).toEqual(alone.progress);
    expect(scaled.progress.some((p: any) => p.blocks.some((b: any) => b.criteria.scored > 0))).toBe(true);
    for (const n of names) expect(holders[n]).toHaveLength(1);
    expect(handOverMs).toBeLessThan(10_000);
    expect(after.progress).toEqual(alone.progress);
  }, 240_000);
});

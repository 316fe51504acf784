import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { ensureBuilt } from '../support/processes';
import { ApiClient, setUpScenario } from '../support/scenario';

jest.setTimeout(180_000);

const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);

/**
 * `npm start` on a PostgreSQL server: the projections and the ledger sealer run
 * in a worker thread of the API process (PROJECTIONS_THREAD=auto), not on the
 * thread that answers requests. Reads with X-Min-Position still see the
 * command they follow, the runners show as this process's, the ledger is
 * sealed, and SIGTERM stops the thread with the process (status 0).
 */
describe('the read side in a worker thread of the API (server database)', () => {
  const schema = uniqueSchema('thread');
  let keys: ReturnType<typeof dataDirWithTokens>;
  let app: AppProcess;
  let base: string;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    app = await appProcess('api', { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: keys.dataDir, LOG_LEVEL: 'info', LEDGER_SEAL_INTERVAL_MS: '0' });
    base = app.base;
  }, 120_000);
  afterAll(async () => {
    await app?.kill('SIGKILL');
    await dropSchema(schema);
    keys?.dispose();
  });

  it('reads its writes, reports the thread’s runners as its own, seals the ledger, and stops with status 0 on SIGTERM', async () => {
    expect(app.proc.output()).toContain('projections and ledger sealer running in a worker thread of this process');
    const admin = new ApiClient(base, await keys.token('admin-1', ['admin']));
    const assessor = new ApiClient(base, await keys.token('assessor-1', ['assessor']));
    const scenario = await setUpScenario(admin, { candidates: 1, blocks: ['BC01'] });
    const [candidateId] = scenario.candidateIds;
    for (const [i, { criterion }] of scenario.criteria.slice(0, 5).entries()) {
      const scored = await assessor.post(`/v1/candidates/${candidateId}/scores`, { sessionId: scenario.sessionId, criterion, result: 'acquired' });
      expect(scored.status).toBe(201);
      const read = await admin.get(`/v1/candidates/${candidateId}/progress`, { 'x-min-position': String(scored.body.position) });
      expect(read.status).toBe(200);
      expect(read.body.blocks.find((b: { code: string }) => b.code === 'BC01').criteria.scored).toBe(i + 1);
      // The wait is on the thread's reports after each batch, hurried: it ends well before the 5 s limit
      // (at the limit the answer would be a 503, refused above). The bound leaves room for a loaded
      // machine: under the whole suite on two cores a read once took 2,030 ms.
      expect(read.ms).toBeLessThan(4000);
    }

    const projections = await admin.get('/v1/projections');
    expect(projections.status).toBe(200);
    expect(projections.body.map((p: { name: string; runner: string }) => [p.name, p.runner])).toEqual([
      ['candidate-progress', 'live'],
      ['back-office', 'live'],
      ['candidate-search', 'live'],
    ]);

    // The sealer runs in the thread: every event is sealed without any export asking for it.
    let metrics = '';
    for (let waited = 0; waited < 15_000; waited += 200) {
      metrics = await (await fetch(`${base}/metrics`)).text();
      if (metric(metrics, 'ledger_lag_events') === 0 && metric(metrics, 'ledger_sealed_events') > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(metric(metrics, 'ledger_lag_events')).toBe(0);
    expect(metric(metrics, 'ledger_sealed_events')).toBeGreaterThan(10);

    expect(await app.kill('SIGTERM')).toBe(0);
    expect(app.proc.output()).not.toMatch(/read side thread (exited|did not stop)/);
  });

  it('PROJECTIONS_THREAD=on on the embedded database is a configuration error: exit 2, one line', () => {
    const run = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'api', 'src', 'main.js')], {
      env: { ...process.env, DATABASE_URL: '', PROJECTIONS_THREAD: 'on', DATA_DIR: keys.dataDir, PORT: '0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual(['configuration error: PROJECTIONS_THREAD=on needs DATABASE_URL: the embedded database has one connection, on the main thread']);
  });
});

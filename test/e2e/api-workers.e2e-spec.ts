import { request } from 'node:http';
import { dataDirWithTokens } from '../support/api-process';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { ensureBuilt, RunningProcess, startProcess } from '../support/processes';
import { Answer, ApiClient, setUpScenario } from '../support/scenario';
import { freePort } from '../support/throwaway-cluster';

jest.setTimeout(120_000);

/** Each request on a connection of its own, so the cluster's round robin spreads them over the workers. */
class FreshConnectionClient extends ApiClient {
  constructor(
    baseUrl: string,
    private readonly bearer: string,
  ) {
    super(baseUrl, bearer);
  }

  override send(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
    const started = Date.now();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.baseUrl}${path}`,
        { method, agent: false, timeout: 15_000, headers: { authorization: `Bearer ${this.bearer}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers: new Headers(res.headers as Record<string, string>), ms: Date.now() - started }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}

interface LogRecord {
  pid: number;
  msg: string;
  correlationId?: string;
  req?: { route: string };
}

/** Every JSON record the primary and its workers wrote (the process helper keeps only the tail of the output). */
function recordsOf(proc: RunningProcess): () => LogRecord[] {
  let out = '';
  proc.child.stdout!.on('data', (d) => (out += d));
  return () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{') && l.endsWith('}'))
      .map((l) => JSON.parse(l) as LogRecord);
}

/**
 * `npm start` on a PostgreSQL server with API_WORKERS=2: a cluster primary and
 * two workers on one port. Commands land on both workers; a read sent with the
 * position a command answered sees it whichever worker takes it (the
 * projections run in worker 1 only); SIGTERM stops everything with status 0.
 */
describe('API workers (API_WORKERS=2 on PostgreSQL)', () => {
  const schema = uniqueSchema('workers');
  let keys: ReturnType<typeof dataDirWithTokens>;
  let api: RunningProcess;
  let records: () => LogRecord[];
  let base: string;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = startProcess('api', {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      DATA_DIR: keys.dataDir,
      PORT: String(port),
      API_WORKERS: '2',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE_USER: '0',
      RATE_LIMIT_PER_MINUTE_IP: '0',
    });
    records = recordsOf(api);
    // The primary says it listens once every worker does.
    for (let waited = 0; !records().some((r) => r.msg.startsWith('API listening')); waited += 100) {
      if (api.child.exitCode !== null || waited > 90_000) throw new Error(`API did not start:\n${api.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);
  afterAll(async () => {
    await api?.kill('SIGKILL');
    await dropSchema(schema);
    keys?.dispose();
  });

  it('spreads commands over both workers, reads its writes on either, projects once, and stops with status 0 on SIGTERM', async () => {
    const listening = records().find((r) => r.msg.startsWith('API listening'))!;
    expect(listening.msg).toMatch(/2 API worker processes \(pids \d+, \d+\), projections and ledger sealer in worker 1/);
    const pids = /pids (\d+), (\d+)/.exec(listening.msg)!.slice(1).map(Number);

    const admin = new FreshConnectionClient(base, await keys.token('admin-1', ['admin']));
    const assessor = new FreshConnectionClient(base, await keys.token('assessor-1', ['assessor']));
    const scenario = await setUpScenario(admin, { candidates: 2, blocks: ['BC01'] });
    const criteria = scenario.criteria.slice(0, 4);
    const pairs: Array<{ score: string; read: string }> = [];
    for (const candidateId of scenario.candidateIds) {
      for (const [i, { criterion }] of criteria.entries()) {
        const scored = await assessor.post(`/v1/candidates/${candidateId}/scores`, { sessionId: scenario.sessionId, criterion, result: 'acquired' });
        expect(scored.status).toBe(201);
        // Read-your-writes, on a new connection (another worker, or the same): the score is in the read model.
        const read = await admin.get(`/v1/candidates/${candidateId}/progress`, { 'x-min-position': String(scored.body.position) });
        expect(read.status).toBe(200);
        expect(read.body.blocks.find((b: { code: string }) => b.code === 'BC01').criteria.scored).toBe(i + 1);
        pairs.push({ score: scored.headers.get('x-correlation-id')!, read: read.headers.get('x-correlation-id')! });
        // Shifts which worker the next connection lands on, so commands and reads each reach both.
        if (i % 2 === 0) expect((await admin.get('/health')).status).toBe(200);
      }
    }

    // A request's log line is written as its answer leaves: wait for the last ones to arrive.
    const last = pairs[pairs.length - 1].read;
    for (let waited = 0; !records().some((r) => r.correlationId === last) && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const log = records();
    const servedBy = new Map(log.filter((r) => r.req).map((r) => [r.correlationId, r.pid]));
    const scorePids = pairs.map((p) => servedBy.get(p.score));
    const readPids = pairs.map((p) => servedBy.get(p.read));
    expect(new Set(scorePids)).toEqual(new Set(pids));
    expect(new Set(readPids)).toEqual(new Set(pids));
    // Some reads were answered by the worker that did not write: read-your-writes across processes.
    expect(pairs.filter((_, i) => scorePids[i] !== readPids[i]).length).toBeGreaterThan(0);
    // Projections once: every active runner is worker 1, and worker 2 never ran one.
    const runners = log.filter((r) => /projection \S+: this process is the active runner/.test(r.msg));
    expect(runners.length).toBeGreaterThanOrEqual(3);
    expect(new Set(runners.map((r) => r.pid))).toEqual(new Set([pids[0]]));

    // /metrics answers for the whole API, whichever worker takes the scrape: both workers' requests are counted.
    for (let scrape = 0; scrape < 2; scrape++) {
      const metrics = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
      expect(metrics).toMatch(/^api_workers_listening 2$/m);
      expect(metrics).toContain(`http_request_duration_seconds_count{method="POST",route="/v1/candidates/:id/scores",status="201"} ${pairs.length}`);
    }

    expect(await api.kill('SIGTERM')).toBe(0);
    expect(new Set(records().filter((r) => r.msg.startsWith('SIGTERM: finishing in-flight requests')).map((r) => r.pid))).toEqual(new Set(pids));
  });
});

import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { ensureBuilt } from '../support/processes';
import { ApiClient, setUpScenario, tally } from '../support/scenario';
import { createThrowawayCluster, ThrowawayCluster } from '../support/throwaway-cluster';

const CLIENTS = 8;
const OUTAGE_MS = 5000;
const OUTAGE_BOUND_MS = 3000;
const RECOVERY_BOUND_MS = 20_000;
/** Commands acknowledged before the crash (of the scenario's 528). */
const CRASH_AFTER = 100;

type Phase = 'before' | 'crashing' | 'outage' | 'restarting' | 'after';

/**
 * Database crash: the API (a real process) on a PostgreSQL cluster of the
 * test's own, under a steady load of score commands; the cluster is stopped
 * with `pg_ctl stop -m immediate` (a crash: no checkpoint, connections cut)
 * and started again. Pass: while it is down every request is answered 503
 * quickly (no hang, no 500); afterwards the same process serves 201s again
 * without a restart; every command acknowledged 201 is in the log exactly
 * once; the ledger verifies.
 */
describe('reliability: the database crashes under load', () => {
  let cluster: ThrowawayCluster;
  let keys: ReturnType<typeof dataDirWithTokens>;
  let api: AppProcess;

  beforeAll(async () => {
    ensureBuilt();
    cluster = await createThrowawayCluster();
    keys = dataDirWithTokens();
    api = await appProcess('api', { DATABASE_URL: cluster.url, DATA_DIR: keys.dataDir, DATABASE_STATEMENT_TIMEOUT_MS: '2000' });
  }, 300_000); // the first suite to need dist builds it
  afterAll(async () => {
    if (api && api.proc.child.exitCode !== null) console.log(`API exited ${api.proc.child.exitCode}:\n${api.proc.output()}`);
    await api?.kill();
    cluster?.destroy();
    keys?.dispose();
  });

  it('answers 503 fast during the outage, recovers without restart, loses nothing acknowledged', async () => {
    const admin = new ApiClient(api.base, await keys.token('admin-1', ['admin']));
    const assessor = new ApiClient(api.base, await keys.token('assessor-1', ['assessor']), 10_000);
    const regulator = new ApiClient(api.base, await keys.token('regulator-1', ['regulator']), 30_000);
    const scenario = await setUpScenario(admin, { candidates: 12, blocks: ['BC01', 'BC02'] });
    // Each command keeps its Idempotency-Key: one refused during the outage goes back in the queue,
    // and its retry is safe even if it had committed before the connection broke.
    const work = scenario.candidateIds.flatMap((candidateId) => scenario.criteria.map((c) => ({ candidateId, criterion: c.criterion, key: randomUUID() })));

    let phase: Phase = 'before';
    let running = true;
    const requests: Array<{ phase: Phase; status: number | string; ms: number; at: number }> = [];
    const acked: Array<{ candidateId: string; criterion: string; phase: Phase }> = [];
    let firstRecovered = 0;
    const client = async () => {
      while (running && work.length) {
        const item = work.shift()!;
        const at = Date.now();
        const startedIn = phase;
        let status: number | string;
        try {
          const answer = await assessor.post(
            `/v1/candidates/${item.candidateId}/scores`,
            { sessionId: scenario.sessionId, criterion: item.criterion, result: 'acquired' },
            { 'idempotency-key': item.key },
          );
          status = answer.status;
          if (status === 201) {
            acked.push({ candidateId: item.candidateId, criterion: item.criterion, phase: startedIn });
            if (startedIn === 'after' && !firstRecovered) firstRecovered = Date.now();
          } else if (status !== 503) {
            status = `${status} ${answer.body?.code}`;
          }
        } catch (error) {
          status = `network: ${(error as Error).name}`;
        }
        requests.push({ phase: startedIn, status, ms: Date.now() - at, at });
        if (status !== 201) {
          work.push(item);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, client));

    // Crash once the load is under way, with most of the list still to do: after a fixed
    // delay a fast API (appends grouped, one commit for many commands) could have finished it.
    const loading = Date.now();
    while (acked.length < CRASH_AFTER && Date.now() - loading < 30_000) await new Promise((r) => setTimeout(r, 10));
    phase = 'crashing';
    const crashAt = Date.now();
    cluster.stopImmediate();
    phase = 'outage';
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    const healthDown = await admin.get('/health');
    await new Promise((r) => setTimeout(r, OUTAGE_MS / 2));
    phase = 'restarting';
    cluster.start();
    const restartedAt = Date.now();
    phase = 'after';
    const deadline = Date.now() + RECOVERY_BOUND_MS;
    while (!firstRecovered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 3000));
    running = false;
    await load;
    const healthUp = await admin.get('/health');

    const outage = requests.filter((r) => r.phase === 'outage');
    const before = acked.filter((a) => a.phase === 'before');
    const db = new Client({ connectionString: cluster.url });
    await db.connect();
    let stored: Map<string, number>;
    try {
      const { rows } = await db.query(`SELECT data->>'candidateId' AS c, data->>'criterion' AS k, count(*) AS n FROM events WHERE type = 'CriterionScored' GROUP BY 1, 2`);
      stored = new Map(rows.map((r) => [`${r.c}/${r.k}`, Number(r.n)]));
    } finally {
      await db.end();
    }
    const lost = acked.filter((a) => stored.get(`${a.candidateId}/${a.criterion}`) !== 1);
    const verify = await regulator.get('/v1/audit/verify');

    console.log(
      `database crash: ${requests.length} commands from ${CLIENTS} clients, statuses ${JSON.stringify(tally(requests.map((r) => r.status)))}; ` +
        `outage ${restartedAt - crashAt} ms (stop -m immediate → start): ${outage.length} requests, ${JSON.stringify(tally(outage.map((r) => r.status)))}, ` +
        `max latency ${Math.max(0, ...outage.map((r) => r.ms))} ms (bound ${OUTAGE_BOUND_MS} ms), health ${healthDown.status} → ${healthUp.status}; ` +
        `first 201 ${firstRecovered ? firstRecovered - restartedAt : 'never'} ms after restart, same process (pid ${api.proc.child.pid}); ` +
        `${acked.length} acknowledged (${before.length} before the crash), ${lost.length} lost or duplicated; ` +
        `ledger verify ${verify.status} ${JSON.stringify(verify.body)}`,
    );
    expect(requests.filter((r) => typeof r.status === 'string')).toEqual([]);
    expect(outage.length).toBeGreaterThan(0);
    expect(outage.every((r) => r.status === 503)).toBe(true);
    expect(Math.max(...outage.map((r) => r.ms))).toBeLessThan(OUTAGE_BOUND_MS);
    expect(healthDown.status).toBe(503);
    expect(firstRecovered).toBeGreaterThan(0);
    expect(healthUp.status).toBe(200);
    expect(api.proc.child.exitCode).toBeNull();
    expect(before.length).toBeGreaterThan(0);
    expect(lost).toEqual([]);
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
  });
});

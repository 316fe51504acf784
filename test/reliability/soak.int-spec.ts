import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { ensureBuilt } from '../support/processes';
import { Answer, ApiClient, setUpScenario, tally } from '../support/scenario';

const SECONDS = Number(process.env.SOAK_SECONDS || 300);
const RATE = Number(process.env.SOAK_RATE || 20); // requests per second, commands and queries mixed
const WARM_UP_SECONDS = Math.min(30, Math.max(5, SECONDS / 10));
const RSS_BOUND = 64 * 1024 * 1024;
const LAG_BOUND = 500;
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Soak: a steady mix of commands (scores and corrections) and queries
 * (progress with and without X-Min-Position, the candidate file, history,
 * health) against the API process for SOAK_SECONDS (default 300), projections
 * running in it. Pass: no error answer at all; the API's resident memory after
 * the run is within 64 MB of what it was after the warm-up; the projection lag
 * sampled every 5 s stays under 500 positions and is 0 at the end.
 */
describe(`reliability: soak for ${SECONDS} s at ${RATE} requests/s`, () => {
  const schema = uniqueSchema('rel');
  let keys: ReturnType<typeof dataDirWithTokens>;
  let api: AppProcess;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    api = await appProcess('api', { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: keys.dataDir });
  }, 300_000); // the first suite to need dist builds it
  afterAll(async () => {
    if (api && api.proc.child.exitCode !== null) console.log(`API exited ${api.proc.child.exitCode} ${api.proc.child.signalCode}:\n${api.proc.output()}`);
    await api?.kill();
    await dropSchema(schema);
    keys?.dispose();
  });

  it('keeps memory flat, answers without error, and keeps projection lag bounded', async () => {
    const admin = new ApiClient(api.base, await keys.token('admin-1', ['admin']));
    const assessor = new ApiClient(api.base, await keys.token('assessor-1', ['assessor']));
    const regulator = new ApiClient(api.base, await keys.token('regulator-1', ['regulator']));
    const scenario = await setUpScenario(admin, { candidates: 20 });
    const scored = new Set<string>();
    const busy = new Set<string>();
    let lastPosition = 0;

    const kinds: string[] = [];
    const failures: Array<{ kind: string; status: number; body: unknown }> = [];
    const latencies: number[] = [];
    const request = async (): Promise<void> => {
      const candidateId = scenario.candidateIds[Math.floor(Math.random() * scenario.candidateIds.length)];
      const roll = Math.random();
      let kind: string;
      let answer: Answer;
      if (roll < 0.5) {
        const { criterion } = scenario.criteria[Math.floor(Math.random() * scenario.criteria.length)];
        const key = `${candidateId}/${criterion}`;
        if (busy.has(key)) return;
        busy.add(key);
        const correction = scored.has(key);
        kind = correction ? 'correction' : 'score';
        const body = { sessionId: scenario.sessionId, criterion, result: Math.random() < 0.8 ? 'acquired' : 'not-acquired', ...(correction ? { correctionReason: 'relecture' } : {}) };
        answer = await assessor.post(`/v1/candidates/${candidateId}/scores`, body);
        if (answer.status === 201) {
          scored.add(key);
          lastPosition = Math.max(lastPosition, answer.body.position);
        }
        busy.delete(key);
      } else if (roll < 0.7) {
        kind = 'progress';
        answer = await admin.get(`/v1/candidates/${candidateId}/progress`);
      } else if (roll < 0.8) {
        kind = 'progress read-your-writes';
        answer = await assessor.get(`/v1/candidates/${candidateId}/progress`, { 'x-min-position': String(lastPosition) });
      } else if (roll < 0.9) {
        kind = 'history';
        answer = await regulator.get(`/v1/candidates/${candidateId}/history`);
      } else {
        kind = 'candidate';
        answer = await admin.get(`/v1/candidates/${candidateId}`);
      }
      kinds.push(kind);
      latencies.push(answer.ms);
      if (answer.status >= 400) failures.push({ kind, status: answer.status, body: answer.body });
    };

    const rss: Array<{ at: number; mb: number }> = [];
    const lags: number[] = [];
    const started = Date.now();
    const end = started + SECONDS * 1000;
    let baseline = 0;
    const sampler = (async () => {
      while (Date.now() < end) {
        await sleep(5000);
        if (api.proc.child.exitCode !== null || api.proc.child.signalCode !== null) throw new Error(`the API died (${api.proc.child.exitCode ?? api.proc.child.signalCode}):\n${api.proc.output()}`);
        rss.push({ at: Math.round((Date.now() - started) / 1000), mb: api.rss() / MB });
        if (!baseline && Date.now() - started >= WARM_UP_SECONDS * 1000) baseline = api.rss();
        const projections = await admin.get('/v1/projections');
        const progress = projections.body?.find?.((p: any) => p.name === 'candidate-progress');
        if (progress) lags.push(progress.lag);
      }
    })();
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    while (Date.now() < end) {
      const due = started + (sent * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      sent++;
      const p = request().catch((error) => void failures.push({ kind: 'network', status: 0, body: String(error) }));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
    await sampler;
    const finalRss = api.rss();
    await sleep(2000);
    const finalLag = ((await admin.get('/v1/projections')).body as any[]).find((p) => p.name === 'candidate-progress').lag;

    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `soak: ${SECONDS} s at ${RATE}/s: ${kinds.length} requests ${JSON.stringify(tally(kinds))}, ${failures.length} errors ${JSON.stringify(failures.slice(0, 3))}; ` +
        `latency p50 ${sorted[Math.floor(sorted.length / 2)]} ms p99 ${sorted[Math.floor(sorted.length * 0.99)]} ms max ${sorted[sorted.length - 1]} ms; ` +
        `API RSS after ${WARM_UP_SECONDS} s warm-up ${(baseline / MB).toFixed(1)} MB → end ${(finalRss / MB).toFixed(1)} MB (bound +${RSS_BOUND / MB} MB), samples ${rss.map((s) => `${s.at}s:${s.mb.toFixed(0)}`).join(' ')}; ` +
        `projection lag max ${Math.max(0, ...lags)} positions (bound ${LAG_BOUND}), ${finalLag} at the end`,
    );
    expect(failures).toEqual([]);
    expect(kinds.length).toBeGreaterThan(SECONDS * RATE * 0.8);
    expect(baseline).toBeGreaterThan(0);
    expect(finalRss).toBeLessThan(baseline + RSS_BOUND);
    expect(Math.max(0, ...lags)).toBeLessThan(LAG_BOUND);
    expect(finalLag).toBe(0);
  }, (SECONDS + 120) * 1000);
});

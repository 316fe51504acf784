import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { ensureBuilt } from '../support/processes';
import { ApiClient, setUpScenario, tally } from '../support/scenario';

const CLIENTS = 16;
const KILLS = 3;

/**
 * API killed mid-command: clients send score commands, each with its own
 * Idempotency-Key, while the API process is SIGKILLed three times at random
 * moments and restarted. A client that got no answer (or a 503) retries the
 * same command with the same key until it gets a 201. Pass: every command is
 * applied exactly once (one event per criterion), the 201 a client finally
 * gets names the event actually written, and no retry is refused.
 */
describe('reliability: the API is killed while clients send commands', () => {
  const schema = uniqueSchema('rel');
  let keys: ReturnType<typeof dataDirWithTokens>;
  let api: AppProcess;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    api = await appProcess('api', { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: keys.dataDir });
  }, 300_000); // the first suite to need dist builds it
  afterAll(async () => {
    await api?.kill();
    await dropSchema(schema);
    keys?.dispose();
  });

  it('applies every command exactly once across kills and retries', async () => {
    const admin = new ApiClient(api.base, await keys.token('admin-1', ['admin']));
    const assessor = new ApiClient(api.base, await keys.token('assessor-1', ['assessor']), 10_000);
    const scenario = await setUpScenario(admin, { candidates: 10, blocks: ['BC01'] });
    const commands = scenario.candidateIds.flatMap((candidateId) =>
      scenario.criteria.slice(0, 14).map((c) => ({ candidateId, criterion: c.criterion, key: randomUUID(), attempts: 0, answer: undefined as any })),
    );
    const queue = [...commands];
    const statuses: Array<number | string> = [];
    let acknowledged = 0;

    const deadline = Date.now() + 120_000; // never spin forever if the API does not come back
    const client = async () => {
      while (queue.length && Date.now() < deadline) {
        const command = queue.shift()!;
        while (Date.now() < deadline) {
          command.attempts++;
          try {
            const answer = await assessor.post(
              `/v1/candidates/${command.candidateId}/scores`,
              { sessionId: scenario.sessionId, criterion: command.criterion, result: 'acquired' },
              { 'idempotency-key': command.key },
            );
            statuses.push(answer.status);
            if (answer.status === 201) {
              command.answer = { ...answer.body, replayed: answer.headers.get('idempotent-replayed') === 'true' };
              acknowledged++;
              break;
            }
            if (answer.status !== 503) {
              command.answer = { refused: answer.status, body: answer.body };
              break;
            }
          } catch {
            statuses.push('no answer');
          }
          await new Promise((r) => setTimeout(r, 200)); // the API is down or restarting
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, client));

    const kills: Array<{ afterAcks: number; restartMs: number }> = [];
    for (let k = 0; k < KILLS; k++) {
      const target = Math.floor(((k + 0.3 + Math.random() * 0.5) * commands.length) / (KILLS + 1));
      while (acknowledged < target && queue.length) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      await api.kill('SIGKILL');
      const killedAt = Date.now();
      const afterAcks = acknowledged;
      await api.start();
      kills.push({ afterAcks, restartMs: Date.now() - killedAt });
    }
    await load;

    const db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    let rows: any[];
    try {
      ({ rows } = await db.query(
        `SELECT data->>'candidateId' AS c, data->>'criterion' AS k, count(*) AS n, min(global_position) AS p FROM ${schema}.events WHERE type = 'CriterionScored' GROUP BY 1, 2`,
      ));
    } finally {
      await db.end();
    }
    const stored = new Map(rows.map((r) => [`${r.c}/${r.k}`, { n: Number(r.n), position: Number(r.p) }]));
    const notOnce = commands.filter((c) => stored.get(`${c.candidateId}/${c.criterion}`)?.n !== 1);
    const refused = commands.filter((c) => c.answer?.refused);
    const wrongAnswer = commands.filter((c) => !c.answer?.refused && c.answer?.position !== stored.get(`${c.candidateId}/${c.criterion}`)?.position);
    const retried = commands.filter((c) => c.attempts > 1);
    const totalEvents = rows.reduce((n, r) => n + Number(r.n), 0);

    console.log(
      `API killed: ${KILLS} SIGKILLs (after ${kills.map((k) => k.afterAcks).join(', ')} acknowledged; back in ${kills.map((k) => k.restartMs).join(', ')} ms), ` +
        `${commands.length} commands from ${CLIENTS} clients, ${statuses.length} requests ${JSON.stringify(tally(statuses))}, ${retried.length} commands retried, ` +
        `${commands.filter((c) => c.answer?.replayed).length} answered from the idempotency store; ${totalEvents} score events for ${commands.length} commands, ` +
        `${notOnce.length} not exactly once, ${refused.length} retries refused ${JSON.stringify(refused.slice(0, 3).map((c) => c.answer))}, ${wrongAnswer.length} answers not naming the stored event`,
    );
    expect(refused.map((c) => c.answer)).toEqual([]);
    expect(notOnce).toEqual([]);
    expect(totalEvents).toBe(commands.length);
    expect(wrongAnswer).toEqual([]);
    expect(retried.length).toBeGreaterThan(0);
  }, 150_000); // three restarts of a process on a busy runner
});

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess, appProcess, dataDirWithTokens } from '../support/api-process';
import { readSealedLog } from '../support/ledger-log';
import { ensureBuilt } from '../support/processes';
import { ApiClient, setUpScenario, tally } from '../support/scenario';

const CLIENTS = 4;
const ACKED_BEFORE_KILL = 25;
const LOAD_BEFORE_KILL_MS = 500;

/**
 * Crash of the API on the embedded default (PGlite under a temporary
 * DATA_DIR): SIGKILL in the middle of a steady load of score commands, then a
 * restart on the same directory. Pass: the restart takes over the dead
 * process's lock by itself; every command that had answered 201 is in the
 * log, at the position it was acknowledged with; the positions written
 * before the kill run 1..N with no gap (each client scores its own
 * candidates, so no append is ever rolled back); whatever was in flight at
 * the kill is either whole or absent (the ledger verifies, its seq has no
 * gap); the API takes commands again after the restart.
 */
describe('reliability: the API on the embedded database is killed under load', () => {
  let keys: ReturnType<typeof dataDirWithTokens>;
  let api: AppProcess;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    api = await appProcess('api', { DATA_DIR: keys.dataDir });
  }, 300_000);
  afterAll(async () => {
    await api?.kill();
    keys?.dispose();
  });

  it('loses nothing acknowledged, leaves no gap and no torn write, and restarts on its own lock', async () => {
    const admin = new ApiClient(api.base, await keys.token('admin-1', ['admin']));
    const assessor = new ApiClient(api.base, await keys.token('assessor-1', ['assessor']), 10_000);
    const regulator = new ApiClient(api.base, await keys.token('regulator-1', ['regulator']), 30_000);
    const scenario = await setUpScenario(admin, { candidates: CLIENTS * 2, blocks: ['BC01', 'BC02'] });

    const acked: Array<{ candidateId: string; criterion: string; position: number }> = [];
    const failures: string[] = [];
    let killed = false;
    const client = async (mine: string[]) => {
      for (const candidateId of mine) {
        for (const { criterion } of scenario.criteria) {
          if (killed) return;
          try {
            const answer = await assessor.post(
              `/v1/candidates/${candidateId}/scores`,
              { sessionId: scenario.sessionId, criterion, result: 'acquired' },
              { 'idempotency-key': randomUUID() },
            );
            if (answer.status === 201) acked.push({ candidateId, criterion, position: Number(answer.body.position) });
            else failures.push(`${answer.status} ${answer.body?.code}`);
          } catch (error) {
            // The connection the kill cut: this command was never acknowledged.
            if (!killed) failures.push(`network: ${(error as Error).name}`);
            return;
          }
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(scenario.candidateIds.slice(i * 2, i * 2 + 2))));
    // Kill once enough is acknowledged (a busy machine may take longer than usual to get there), then a little later, mid-flight.
    const loadedBy = Date.now() + 60_000;
    while (acked.length < ACKED_BEFORE_KILL && failures.length === 0 && Date.now() < loadedBy) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, LOAD_BEFORE_KILL_MS));
    const deadPid = api.proc.child.pid;
    killed = true;
    await api.kill('SIGKILL');
    await load;
    const lockLeft = existsSync(join(keys.dataDir, 'pglite.lock')) ? JSON.parse(readFileSync(join(keys.dataDir, 'pglite.lock'), 'utf8')).pid : null;

    const restartedAt = Date.now();
    await api.start();
    const restartMs = Date.now() - restartedAt;
    const highest = Math.max(0, ...acked.map((a) => a.position));
    // The first command after the restart: its position says how many events the log holds.
    const next = await admin.post('/v1/candidates', { givenName: 'Après', familyName: 'Redémarrage', birthDate: '1990-01-01', email: 'apres@example.org', accessRoute: 'continuing-education' });
    const log = await readSealedLog(regulator, Number(next.body?.position ?? highest));
    const positions = log.map((e) => e.position);
    const scored = new Map(log.filter((e) => e.type === 'CriterionScored').map((e) => [`${e.data.candidateId}/${e.data.criterion}`, e.position]));
    const lost = acked.filter((a) => scored.get(`${a.candidateId}/${a.criterion}`) !== a.position);
    const verify = await regulator.get('/v1/audit/verify');

    console.log(
      `embedded crash: ${acked.length} scores acknowledged by ${CLIENTS} clients before SIGKILL of pid ${deadPid} (lock left naming pid ${lockLeft}); ` +
        `other answers ${JSON.stringify(tally(failures))}; restart ${restartMs} ms; log ${log.length} events: positions 1..${positions[positions.length - 2]} before the kill ` +
        `(${log.length - 1 - highest} of them in flight, found whole), then ${positions[positions.length - 1]} after the restart; ${lost.length} acknowledged lost; verify ${verify.status} ${JSON.stringify(verify.body)}; next position ${next.body?.position}`,
    );
    expect(failures).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
    expect(lockLeft).toBe(deadPid);
    expect(lost).toEqual([]);
    // Everything written before the kill sits at positions 1..k with no hole. The restart's first
    // position may jump ahead: PostgreSQL logs sequence values 32 at a time and resumes after the
    // logged ones after a crash (a server does the same). The ledger's seq, which the verifier
    // checks, has no gap either way.
    const beforeKill = positions.slice(0, -1);
    expect(beforeKill).toEqual(Array.from({ length: beforeKill.length }, (_, i) => i + 1));
    expect(beforeKill.length).toBeGreaterThanOrEqual(highest);
    expect(next.status).toBe(201);
    expect(positions[positions.length - 1]).toBe(next.body.position);
    expect(next.body.position).toBeGreaterThan(beforeKill.length);
    expect(next.body.position).toBeLessThanOrEqual(beforeKill.length + 33);
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { CANDIDATE_PROGRESS } from '@app/projections/candidate-progress/candidate-progress.projection';
import { ProjectionRuntime } from '@app/projections/engine/projection-runtime';
import { PROJECTIONS } from '@app/projections/projections';
import { candidateWrites, newWorld, referentialWrite } from '@app/projections/testing/progress-fixtures';
import { serverDatabase, TestDatabase, TEST_DATABASE_URL } from '../support/databases';
import { RunningProcess, startProcess } from '../support/processes';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, procs: RunningProcess[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${procs.map((p) => p.output()).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The projector as a real process: SIGKILLed while catching up 10,000
 * events, restarted, and its read model compared with a fresh rebuild; then
 * two projectors at once, the lock holder SIGKILLed, the other taking over.
 */
describe('projector process: kill, restart, take-over', () => {
  let t: TestDatabase;
  let store: PostgresEventStore;
  let runtime: ProjectionRuntime;
  let dataDir: string;
  const procs: RunningProcess[] = [];

  beforeAll(async () => {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'launch.js'), '--build-only', 'projector'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`projector build failed:\n${built.stderr}\n${built.stdout}`);
    t = await serverDatabase();
    store = new PostgresEventStore(t.db.pool);
    runtime = new ProjectionRuntime(t.db, store, PROJECTIONS, { logger: quiet });
    await runtime.init(); // not started: this process only observes and rebuilds
    dataDir = mkdtempSync(join(tmpdir(), 'cert-projector-'));
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await t?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const projector = () => {
    const p = startProcess('projector', { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, DATA_DIR: dataDir, PROJECTION_BATCH_SIZE: '50', LOG_LEVEL: 'info' });
    procs.push(p);
    return p;
  };
  const position = async () => (await runtime.checkpoints.active(CANDIDATE_PROGRESS))?.checkpoint.position ?? 0;
  const activeHash = async () => runtime.checkpoints.tableHash(runtime.projection(CANDIDATE_PROGRESS), (await runtime.checkpoints.active(CANDIDATE_PROGRESS))!.generation);
  const committedHead = async () => Number((await t.db.pool.query('SELECT coalesce(max(global_position), 0) AS p FROM events')).rows[0].p);
  const count = async () => Number((await t.db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  it('SIGKILL in the middle of catching up 10,000 events, restart: the read model equals a fresh rebuild', async () => {
    const world = newWorld();
    await store.appendMany([referentialWrite(world)]);
    let offset = 0;
    while ((await count()) < 10_000) {
      const ids = Array.from({ length: 100 }, () => crypto.randomUUID());
      await store.appendMany(candidateWrites(world, ids, offset));
      offset += ids.length;
    }
    const head = await committedHead();

    const first = projector();
    await until(async () => (await position()) > 1000, 120_000, 'the projector to start catching up', [first]);
    await first.kill('SIGKILL');
    const killedAt = await position();
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(head); // really in the middle

    const second = projector();
    await until(async () => (await position()) >= head, 120_000, 'the restarted projector to catch up', [second]);
    await second.kill('SIGTERM');
    const afterRestart = await activeHash();

    await runtime.rebuild(CANDIDATE_PROGRESS);
    // A rebuild stops at the gap-safe horizon (another session's open transaction may hold it back): follow up to the head.
    runtime.start();
    expect(await runtime.waitFor(CANDIDATE_PROGRESS, head, 60_000)).toBe(true);
    await runtime.stop();
    expect(await activeHash()).toBe(afterRestart);
    expect((await runtime.status())[0]).toEqual(expect.objectContaining({ status: 'live', error: null }));
  });

  it('two projectors at once: one runs, the other takes over within seconds of a SIGKILL', async () => {
    const a = projector();
    const b = projector();
    // Each projection has its own runner lock, so two projectors may share the projections out:
    // what must hold is one active runner per projection. Followed here: the progress projection.
    const active = (name: string) => new RegExp(`projection ${name}: this process is the active runner`);
    const leader = () => [a, b].find((p) => active(CANDIDATE_PROGRESS).test(p.output()));
    await until(async () => !!leader(), 60_000, 'a leader', [a, b]);
    await new Promise((r) => setTimeout(r, 1500));
    const claimed = [a, b].flatMap((p) => [...p.output().matchAll(/projection (\S+): this process is the active runner/g)].map((m) => m[1]));
    expect(claimed).toContain(CANDIDATE_PROGRESS);
    expect(claimed.length).toBe(new Set(claimed).size); // no projection claimed by both
    const first = leader()!;
    const other = first === a ? b : a;
    await first.kill('SIGKILL');
    const killed = Date.now();
    await until(async () => active(CANDIDATE_PROGRESS).test(other.output()), 15_000, 'the take-over', [other]);
    expect(Date.now() - killed).toBeLessThan(10_000);

    const world = newWorld();
    await store.appendMany([referentialWrite(world), ...candidateWrites(world, [crypto.randomUUID(), crypto.randomUUID()])]);
    const head = await committedHead();
    await until(async () => (await position()) >= head, 30_000, 'the new runner to apply new events', [other]);
    await other.kill('SIGTERM');
  });
});

import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../support/processes';
import { freePort } from '../support/throwaway-cluster';

const FIXTURE = join(__dirname, '..', 'fixtures', 'cluster-primary.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Primary {
  child: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

async function primary(env: Record<string, string>): Promise<Primary> {
  const port = await freePort();
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PORT: String(port), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, port, output: () => out, exited };
}

async function until(what: string, p: Primary, test: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms:\n${p.output()}`);
    await sleep(20);
  }
}

const ask = (p: Primary, path = '/') =>
  fetch(`http://127.0.0.1:${p.port}${path}`, { headers: { connection: 'close' } }).then((r) => r.json() as Promise<{ number: string; pid: number; runProjections: string }>);

/**
 * The cluster primary of `npm start` (apps/api/src/cluster.ts) supervising
 * stand-in workers: roles by worker number, a dead worker restarted with
 * backoff and logged, a failed first start stopping everything with the
 * worker's status, SIGTERM draining every worker and exiting 0.
 */
describe('API cluster primary: supervision', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('gives worker 1 the projections, restarts a dead worker in the same role with backoff, and exits 0 on SIGTERM', async () => {
    const p = await primary({ WORKERS: '2' });
    try {
      await until('listening', p, () => p.output().includes('LISTENING'));
      const seen = new Map<string, { pid: number; runProjections: string }>();
      while (seen.size < 2) {
        const a = await ask(p);
        seen.set(a.number, a);
      }
      expect(seen.get('1')!.runProjections).toBe('true');
      expect(seen.get('2')!.runProjections).toBe('false');

      // Kill worker 2 twice in a row: restarted after 500 ms, then 1000 ms, keeping its number and role.
      let victim = seen.get('2')!.pid;
      for (const [round, delay] of [[1, 500], [2, 1000]]) {
        // Only worker 2 dies on /die/2; worker 1 answers it, so ask until the answer fails.
        while (await ask(p, '/die/2').then(() => true, () => false)) await sleep(10);
        await until(`restart ${round}`, p, () => p.output().includes(`worker 2 (pid ${victim}) exited with code 3; restarting it in ${delay} ms (${round} in a row)`));
        let back = await ask(p).catch(() => null);
        while (!back || back.number !== '2' || back.pid === victim) {
          await sleep(50);
          back = await ask(p).catch(() => null);
        }
        expect(back.runProjections).toBe('false');
        victim = back.pid;
      }
      expect(p.output()).not.toMatch(/worker 1 .* exited/);

      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(p.output()).toMatch(/INFO SIGTERM: stopping 2 workers/);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('stops the whole start with the status of a worker that fails before the API started', async () => {
    const p = await primary({ WORKERS: '3', FAIL_WORKER: '2' });
    try {
      const code = await p.exited;
      expect({ code, output: p.output() }).toEqual({ code: 3, output: expect.any(String) });
      expect(p.output()).toMatch(/ERROR worker 2 \(pid \d+\) exited with code 3 before the API started: stopping/);
      expect(p.output()).not.toContain('LISTENING');
      expect(p.output()).not.toContain('restarting');
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('starts the other workers only once worker 1 listens (it migrates a fresh schema alone), and stops cleanly (0) on SIGTERM while it boots', async () => {
    const p = await primary({ WORKERS: '3', SLOW_WORKER: '1' });
    try {
      await until('worker 1 booting', p, () => p.output().includes('WORKER 1 BOOTING'));
      await sleep(500);
      expect(p.output()).not.toMatch(/WORKER [23]/);
      p.child.kill('SIGTERM');
      const code = await p.exited;
      expect({ code, output: p.output() }).toEqual({ code: 0, output: expect.any(String) });
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('runs no projections in any worker when a separate projector runs them', async () => {
    const p = await primary({ WORKERS: '2', RUN_PROJECTIONS: 'false' });
    try {
      await until('listening', p, () => p.output().includes('LISTENING'));
      const seen = new Map<string, string>();
      while (seen.size < 2) {
        const a = await ask(p);
        seen.set(a.number, a.runProjections);
      }
      expect([...seen.values()]).toEqual(['false', 'false']);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});

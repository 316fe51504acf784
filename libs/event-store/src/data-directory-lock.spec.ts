import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirectoryLockedError, LOCK_FILE, LockOwner, lockDataDirectory } from './data-directory-lock';

const root = join(__dirname, '..', '..', '..');

function startTick(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function owner(over: Partial<LockOwner>): LockOwner {
  return { pid: 1, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', processStart: null, command: 'api', token: 'someone-else', ...over };
}

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the embedded data directory lock', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cert-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is a file naming this process while held, removed on release, and re-entrant within the process', () => {
    const lock = lockDataDirectory(dir);
    const written = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(written).toMatchObject({ pid: process.pid, host: hostname(), processStart: startTick(process.pid) });
    const again = lockDataDirectory(dir);
    again.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a directory held by a live process, naming it, and writes nothing', () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const live = owner({ pid: sleeper.pid!, processStart: startTick(sleeper.pid!) });
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(live));
      const before = readdirSync(dir);
      let error: unknown;
      try {
        lockDataDirectory(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirectoryLockedError);
      expect((error as DataDirectoryLockedError).exitCode).toBe(2);
      expect((error as Error).message).toContain(`process ${sleeper.pid} (api) on ${hostname()}`);
      expect((error as Error).message).toMatch(/stop that process.*HTTP API.*DATABASE_URL/);
      expect(readdirSync(dir)).toEqual(before);
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).token).toBe('someone-else');
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that is gone', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner({ pid: deadPid() })));
    const lock = lockDataDirectory(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to a later process (pid reuse), not one whose start tick matches', () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner({ pid: sleeper.pid!, processStart: '1' })));
      lockDataDirectory(dir).release();
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner({ pid: sleeper.pid!, processStart: startTick(sleeper.pid!) })));
      expect(() => lockDataDirectory(dir)).toThrow(DataDirectoryLockedError);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('never takes over a lock from another host, whose owner cannot be checked from here', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner({ pid: deadPid(), host: 'elsewhere.example' })));
    expect(() => lockDataDirectory(dir)).toThrow(/on elsewhere\.example/);
  });

  it('refuses while another takeover is under way (or was left behind), naming the guard file', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner({ pid: deadPid() })));
    writeFileSync(join(dir, `${LOCK_FILE}.takeover`), JSON.stringify(owner({ pid: deadPid(), token: 'taker' })));
    expect(() => lockDataDirectory(dir)).toThrow(/pglite\.lock\.takeover by hand/);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).token).toBe('someone-else');
  });

  it('lets exactly one of several processes racing for the same stale lock win', async () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner({ pid: deadPid() })));
    // Each contender takes the lock, reports, and holds it until the test is over.
    const script = `
      const { lockDataDirectory } = require(${JSON.stringify(join(__dirname, 'data-directory-lock.ts'))});
      try { lockDataDirectory(process.argv[1]); process.stdout.write('won\\n'); setTimeout(() => {}, 5000); }
      catch (e) { process.stdout.write('refused ' + e.exitCode + '\\n'); }`;
    const runs = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['-r', join(root, 'test', 'bench', 'register.js'), '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const answer = new Promise<string>((resolve) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', () => resolve(out.trim()));
      });
      return { child, answer };
    });
    try {
      const answers = await Promise.all(runs.map((r) => r.answer));
      expect(answers.filter((a) => a === 'won')).toHaveLength(1);
      expect(answers.filter((a) => a === 'refused 2')).toHaveLength(3);
      const winner = runs[answers.indexOf('won')].child.pid;
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(winner);
    } finally {
      for (const r of runs) r.child.kill('SIGKILL');
    }
  }, 30_000);
});

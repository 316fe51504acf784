import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Builds the apps once (skipped when dist is newer than every source, like scripts/launch.js). */
export function ensureBuilt(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'launch.js'), '--build-only', 'api'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed:\n${result.stderr}\n${result.stdout}`);
  if (!existsSync(join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js'))) throw new Error('build produced no API entry');
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a built app (api, projector, cli) as a real process with its own environment. */
export function startProcess(app: 'api' | 'projector', env: NodeJS.ProcessEnv): RunningProcess {
  const entry = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry) || statSync(entry).size === 0) throw new Error(`${entry} is missing: call ensureBuilt() first`);
  // One API process unless a test asks for workers (API_WORKERS=auto would fork one per core on PostgreSQL).
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', API_WORKERS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Bounded, but above a start-up log with the whole route map (tests read it from its first line).
  child.stdout!.on('data', (d) => (out = (out + d).slice(-200_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until GET url answers 200, or throws with the process output after `ms`. */
export async function waitForHttp(url: string, ms = 60_000, proc?: RunningProcess): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (proc && proc.child.exitCode !== null) throw new Error(`process exited (${proc.child.exitCode}):\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${ms} ms${proc ? `:\n${proc.output()}` : ''}`);
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '@app/domain/shared/decider';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { RunningProcess, startProcess, waitForHttp } from './processes';
import { freePort } from './throwaway-cluster';

/**
 * The built API (or projector) as a real process, for kill, crash and
 * scale-out tests. Processes given the same DATA_DIR share its development
 * keys, so one token works on all of them.
 */
export interface AppProcess {
  app: 'api' | 'projector';
  base: string;
  port: number;
  env: Record<string, string>;
  proc: RunningProcess;
  /** (Re)starts the process with the same environment and waits for /health (API) or for it to be running. */
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resident memory of the process, in bytes (Linux /proc). */
  rss(): number;
}

/** A temporary DATA_DIR with a token signer for its development key. */
export function dataDirWithTokens(): { dataDir: string; token(sub: string, roles: Role[]): Promise<string>; dispose(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-proc-'));
  const auth = loadAuthConfig({}, dataDir);
  return {
    dataDir,
    token: (sub, roles) => signDevelopmentToken(auth, { sub, roles, name: sub }),
    dispose: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Environment every process of a test gets: no rate limits (the load is the test's), quiet logs. */
export const PROCESS_DEFAULTS: Record<string, string> = { RATE_LIMIT_PER_MINUTE_USER: '0', RATE_LIMIT_PER_MINUTE_IP: '0', LOG_LEVEL: 'warn' };

export async function appProcess(app: 'api' | 'projector', env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const full = { ...PROCESS_DEFAULTS, PORT: String(port), ...env };
  const handle: AppProcess = {
    app,
    base: `http://127.0.0.1:${port}`,
    port,
    env: full,
    proc: undefined as unknown as RunningProcess,
    async start() {
      handle.proc = startProcess(app, full);
      if (app === 'api') await waitForHttp(`${handle.base}/health`, 90_000, handle.proc);
    },
    kill: (signal = 'SIGKILL') => handle.proc.kill(signal),
    rss: () => {
      const status = readFileSync(`/proc/${handle.proc.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
  };
  await handle.start();
  return handle;
}

import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthConfig } from '@app/platform/auth/auth.config';
import { signDevelopmentToken } from '@app/platform/auth/token-verifier';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';

jest.setTimeout(180_000);

const root = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('graceful shutdown of the built API process', () => {
  const schema = uniqueSchema('shutdown');
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-shutdown-'));
  let child: ChildProcess | undefined;
  let stdout = '';
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await dropSchema(schema);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' };
    // launch.js builds the app when its sources are newer, then runs dist/apps/api/src/main.js in this same process.
    child = spawn(process.execPath, [join(root, 'scripts', 'launch.js'), 'api'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', () => undefined);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 150_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the API exited early (${child.exitCode}): ${stdout}`);
      if (await get(port, '/health').then((s) => s === 200, () => false)) break;
      if (Date.now() > deadline) throw new Error('the API did not start');
      await sleep(250);
    }

    const token = await signDevelopmentToken(loadAuthConfig(env, dataDir), { sub: 'shutdown-test', roles: ['admin'] });
    const body = JSON.stringify({ code: 'RNCP00000', title: 'x' });
    const answer = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/referentials',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}`, 'x-correlation-id': 'shutdown-test' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5)); // the request is in flight: headers sent, body unfinished
      setTimeout(() => {
        child!.kill('SIGTERM');
        setTimeout(async () => {
          try {
            expect(child!.exitCode).toBeNull(); // still draining
            await expect(get(port, '/health')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
            req.end(body.slice(5));
          } catch (error) {
            reject(error);
          }
        }, 700);
      }, 300);
    });

    const status = await answer;
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(500);
    expect(await exited).toBe(0);
    // The request produced one JSON log line with its correlation id (stdout is not a terminal here).
    const line = stdout.split('\n').find((l) => l.includes('"correlationId":"shutdown-test"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ userId: 'shutdown-test', res: { statusCode: status } });
    expect(stdout).not.toContain(token);
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { ensureBuilt, RunningProcess, startProcess } from '../support/processes';

jest.setTimeout(120_000);

async function exited(proc: RunningProcess, ms = 60_000): Promise<number | null> {
  for (let waited = 0; proc.child.exitCode === null && waited < ms; waited += 100) await new Promise((r) => setTimeout(r, 100));
  return proc.child.exitCode;
}

/** The built API as an operator starts it: the real port with PORT=0, and a start that cannot reach its database. */
describe('API start-up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cert-startup-'));
  const schema = uniqueSchema('startup');
  beforeAll(() => ensureBuilt(), 300_000);
  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('with PORT=0 logs the port it really listens on, and answers there', async () => {
    const api = startProcess('api', { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema });
    try {
      let port = 0;
      for (let waited = 0; !port && waited < 60_000; waited += 100) {
        port = Number(/API listening on http:\/\/localhost:(\d+)/.exec(api.output())?.[1] ?? 0);
        if (api.child.exitCode !== null) throw new Error(api.output());
        if (!port) await new Promise((r) => setTimeout(r, 100));
      }
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // Not a terminal: the JSON log is what it was (one record per line), route map included.
      const lines = api.output().trim().split('\n');
      expect(lines.every((l) => l.startsWith('{'))).toBe(true);
      expect(api.output()).toContain('"context":"RoutesResolver"');
    } finally {
      await api.kill('SIGTERM');
    }
  });

  it('exits 2 with one line naming DATABASE_URL (host:port, no password) when the database cannot be reached', async () => {
    const api = startProcess('api', { DATA_DIR: dataDir, PORT: '0', DATABASE_URL: 'postgres://cert:s3cret-pw@127.0.0.1:1/certification' });
    expect(await exited(api)).toBe(2);
    const output = api.output().trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/DATABASE_URL \(127\.0\.0\.1:1\/certification\): ECONNREFUSED/);
    expect(output).not.toContain('s3cret-pw');
  });

  it('refuses API_WORKERS=2 on the embedded database: exit 2, one line, nothing opened', async () => {
    const api = startProcess('api', { DATA_DIR: dataDir, PORT: '0', DATABASE_URL: '', API_WORKERS: '2' });
    expect(await exited(api)).toBe(2);
    const output = api.output().trim();
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/^configuration error: API_WORKERS=2 needs a PostgreSQL server \(DATABASE_URL\): the embedded database \(PGlite\) belongs to one process/);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess, appProcess, dataDirWithTokens, PROCESS_DEFAULTS } from '../support/api-process';
import { readSealedLog } from '../support/ledger-log';
import { ensureBuilt, startProcess } from '../support/processes';
import { ApiClient, SEED_REFERENTIAL } from '../support/scenario';

jest.setTimeout(180_000);
const root = join(__dirname, '..', '..');
const CLI = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');

/**
 * The embedded default belongs to one process. With the API running on a
 * data directory, every CLI command that opens the database, and a second
 * API, refuse at once (exit 2) naming the API's pid, and the log is exactly
 * what it was: the lost-writes scenario of two processes on one PGlite
 * directory cannot happen.
 */
describe('the embedded data directory while the API runs on it', () => {
  let keys: ReturnType<typeof dataDirWithTokens>;
  let api: AppProcess;
  let admin: ApiClient;
  let regulator: ApiClient;

  beforeAll(async () => {
    ensureBuilt();
    keys = dataDirWithTokens();
    api = await appProcess('api', { DATA_DIR: keys.dataDir });
    admin = new ApiClient(api.base, await keys.token('admin-1', ['admin']));
    regulator = new ApiClient(api.base, await keys.token('regulator-1', ['regulator']), 30_000);
  }, 300_000);
  afterAll(async () => {
    await api?.kill('SIGTERM');
    if (keys) rmSync(`${keys.dataDir}-referential.json`, { force: true });
    keys?.dispose();
  });

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, ...PROCESS_DEFAULTS, DATA_DIR: keys.dataDir, DATABASE_URL: '', ...env }, encoding: 'utf8', timeout: 60_000 });

  it('refuses every database command of the CLI with exit 2 and the holder named, leaving the log and positions as they were', async () => {
    const drafted = await admin.post('/v1/referentials', SEED_REFERENTIAL);
    expect(drafted.status).toBe(201);
    const before = await readSealedLog(regulator, drafted.body.position);
    expect(before.map((e) => e.position)).toEqual([1]);
    const topLevel = readdirSync(keys.dataDir).sort();

    const document = `${keys.dataDir}-referential.json`;
    writeFileSync(document, JSON.stringify(SEED_REFERENTIAL));
    const bundle = join(keys.dataDir, 'bundle.ndjson');
    const commands: Array<{ args: string[]; env?: Record<string, string>; instead: RegExp }> = [
      { args: ['referential', 'import', document, '--publish'], instead: /POST \/v1\/referentials/ },
      { args: ['referential', 'seed', '--publish'], instead: /POST \/v1\/referentials/ },
      { args: ['db', 'migrate'], instead: /applied every migration/ },
      { args: ['accrochage', 'export'], env: { CDC_EMITTER_ID: 'EMT001', CDC_CONTRACT_ID: 'CTR-42' }, instead: /GET \/v1\/exports\/accrochage/ },
      { args: ['audit', 'export', bundle], instead: /GET \/v1\/audit\/export/ },
      { args: ['audit', 'verify'], instead: /GET \/v1\/audit\/verify/ },
      { args: ['projections', 'rebuild', 'candidate-progress'], instead: /stop the API/ },
      { args: ['projections', 'status'], instead: /GET \/v1\/projections/ },
      { args: ['keys', 'rotate'], instead: /stop the API first, rotate/ },
    ];
    for (const c of commands) {
      const run = cli(c.args, c.env);
      expect({ command: c.args.slice(0, 2).join(' '), status: run.status, stdout: run.stdout }).toEqual({ command: c.args.slice(0, 2).join(' '), status: 2, stdout: '' });
      expect(run.stderr).toContain(`is in use by process ${api.proc.child.pid} (api)`);
      expect(run.stderr).toMatch(/stop that process first.*HTTP API.*DATABASE_URL/);
      expect(run.stderr).toMatch(c.instead);
    }
    expect(existsSync(bundle)).toBe(false);
    expect(readdirSync(keys.dataDir).sort()).toEqual(topLevel);
    expect(readdirSync(join(keys.dataDir, 'keys')).filter((f) => f.startsWith('signing-dev-ed25519.') && f !== 'signing-dev-ed25519.pem')).toEqual([]); // no key rotated

    // Commands that read files or print never need the directory, API or not.
    expect(cli(['token', '--sub', 'x', '--role', 'admin']).status).toBe(0);
    expect(cli(['referential', 'seed', '--help']).status).toBe(0);

    // Nothing was written behind the API's back: the next command takes the next position,
    // and after a restart the log is the one the API acknowledged.
    const published = await admin.post(`/v1/referentials/${drafted.body.id}/publish`, {});
    expect(published.status).toBe(201);
    expect(published.body.position).toBe(2);
    expect((await readSealedLog(regulator, 2)).map((e) => e.position)).toEqual([1, 2]);

    expect(await api.kill('SIGTERM')).toBe(0);
    await api.start();
    const after = await readSealedLog(regulator, 2);
    expect(after.map((e) => [e.position, e.type])).toEqual([
      [1, 'ReferentialDrafted'],
      [2, 'ReferentialPublished'],
    ]);
  });

  it('refuses a second API on the same directory before it opens anything (exit 2), the first one serving on', async () => {
    const second = startProcess('api', { ...api.env, PORT: '0' });
    for (let i = 0; i < 300 && second.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(second.child.exitCode).toBe(2);
    expect(second.output()).toContain(`is in use by process ${api.proc.child.pid} (api)`);
    expect(second.output().trim().split('\n')).toHaveLength(1);
    expect((await admin.get('/health')).status).toBe(200);
  });
});

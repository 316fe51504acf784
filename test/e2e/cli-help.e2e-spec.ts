import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../apps/cli/src/commands';
import { ensureBuilt } from '../support/processes';

jest.setTimeout(120_000);
const root = join(__dirname, '..', '..');
const CLI = join(root, 'dist', 'apps', 'cli', 'src', 'main.js');

/**
 * The CLI's manners, on every command of its table: --help and -h print the
 * usage and exit 0, an unknown flag exits 2, and neither opens (or creates)
 * the data directory — checked with a DATA_DIR that does not exist and must
 * still not exist afterwards.
 */
describe('CLI: help, unknown flags and configuration errors on every command', () => {
  const parent = mkdtempSync(join(tmpdir(), 'cert-cli-help-'));
  const absent = join(parent, 'never-created');
  beforeAll(() => ensureBuilt(), 300_000);
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', DATA_DIR: absent, ...env }, encoding: 'utf8', timeout: 30_000 });

  it.each(COMMANDS.map((c) => [c.name]))('%s: --help, -h and help <command> print its usage, exit 0, touch nothing', (name) => {
    const words = name.split(' ');
    for (const args of [[...words, '--help'], [...words, '-h'], ['help', ...words]]) {
      const run = cli(args);
      expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
      expect(run.stdout).toContain(`usage: npm run -s cli -- ${name}`);
    }
    expect(existsSync(absent)).toBe(false);
  });

  it.each(COMMANDS.map((c) => [c.name]))('%s: an unknown flag exits 2 naming it, before anything runs', (name) => {
    const run = cli([...name.split(' '), '--no-such-flag', 'x']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--no-such-flag'");
    expect(run.stderr).toContain(`usage: npm run -s cli -- ${name}`);
    expect(existsSync(absent)).toBe(false);
  });

  it('lists every command with no argument, and refuses an unknown command with exit 2', () => {
    const list = cli([]);
    expect(list.status).toBe(0);
    for (const c of COMMANDS) expect(list.stdout).toContain(c.name);
    expect(cli(['--help']).status).toBe(0);
    expect(cli(['frobnicate']).status).toBe(2);
    expect(existsSync(absent)).toBe(false);
  });

  it('exits 2 on a configuration error, whichever command meets it', () => {
    const badPort = cli(['token', '--sub', 'a', '--role', 'admin'], { PORT: 'eighty' });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/^configuration error: PORT/);
    const dir = join(parent, 'data');
    const accrochage = cli(['accrochage', 'export'], { DATA_DIR: dir, CDC_EMITTER_ID: '', CDC_CONTRACT_ID: '' });
    expect(accrochage.status).toBe(2);
    expect(accrochage.stderr).toMatch(/^configuration error: the accrochage export needs CDC_EMITTER_ID/);
  });

  it('token reads (or creates) its signing key and nothing else: no database, no lock', () => {
    const token = cli(['token', '--sub', 'a', '--role', 'admin'], { DATA_DIR: join(parent, 'keys-only') });
    expect(token.status).toBe(0);
    expect(token.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(existsSync(join(parent, 'keys-only', 'pglite'))).toBe(false);
    expect(existsSync(join(parent, 'keys-only', 'pglite.lock'))).toBe(false);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFParse } from 'pdf-parse';

const ROOT = join(__dirname, '../..');

/** `npm run demo` as a newcomer runs it (the built app through scripts/launch.js), on a data directory of its own. */
function demo(args: string[], dataDir: string) {
  return spawnSync(process.execPath, [join(ROOT, 'scripts/launch.js'), 'api:demo/main', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: '', NODE_ENV: 'development' },
    timeout: 240_000,
  });
}

describe('npm run demo', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cert-demo-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plays a session through the API, seals it, writes the procès-verbal and prints what to open next', async () => {
    const run = demo(['--candidates', '4', '--exit'], dir);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Demo session played in [\d.]+ s: 4 candidates, \d+ commands/);
    for (const line of ['export ADMIN=ey', 'export REGULATOR=ey', 'record.pdf', 'npm run -s verify -- ledger.ndjson']) expect(run.stdout).toContain(line);
    const [pvName] = readdirSync(join(dir, 'demo'));
    expect(run.stdout).toContain(`file://${join(dir, 'demo', pvName)}`);
    const parser = new PDFParse({ data: new Uint8Array(readFileSync(join(dir, 'demo', pvName))) });
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    await parser.destroy();
    expect(text).toContain('Résultats (4 candidats)');
    expect(text).toContain('délibération close et scellée');
    expect(text).toMatch(/Critère neutralisé CE\d+\.\d+/);
    expect(text).toContain('Aménagement accordé : temps majoré de 33 %');
  });

  it('with --deliberate stops once the jury is convened and prints the console address of its sheet, writing no procès-verbal', () => {
    const own = mkdtempSync(join(tmpdir(), 'cert-demo-deliberate-'));
    try {
      const run = demo(['--candidates', '4', '--deliberate', '--exit'], own);
      expect(run.stderr).not.toMatch(/error/i);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/Demo session played in [\d.]+ s up to the jury's convening: 4 candidates scored/);
      expect(run.stdout).toMatch(/\/console\/#\/juries\/[0-9a-f-]{36}/);
      expect(run.stdout).not.toContain('procès-verbal');
      expect(() => readdirSync(join(own, 'demo'))).toThrow();
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('answers --help at once and refuses an unknown flag with exit 2, touching no data', () => {
    const empty = join(dir, 'never-created');
    const help = demo(['--help'], empty);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: npm run demo');
    const bad = demo(['--candidate', '3'], empty);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--candidate'");
    expect(() => readdirSync(empty)).toThrow();
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt } from '../../../test/support/processes';

const ROOT = join(__dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist', 'apps', 'api', 'src');
const HEAVY = ['pdfkit', 'fontkit', '@swc/core', 'typescript'];

/** Runs `script` in a fresh Node process; `loaded()` there names the HEAVY packages it has loaded. */
function inFreshProcess(script: string): any {
  const prelude = `const loaded = () => ${JSON.stringify(HEAVY)}.filter((name) => Object.keys(require.cache).some((k) => k.includes('/node_modules/' + name + '/')));`;
  const run = spawnSync(process.execPath, ['-e', prelude + script], { cwd: ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

/**
 * pdfkit (with fontkit) costs about 20 MB of resident memory: the API loads it
 * with its first document, not at start. Checked on the built app, in a fresh
 * process, from the module the API boots (every controller and service it
 * serves) to a document rendered by the one place that opens PDFs.
 */
describe('PDF library, loaded on first use', () => {
  it('is not loaded by the application module, and is by the first document', () => {
    ensureBuilt();
    const result = inFreshProcess(`
      require('reflect-metadata');
      require(${JSON.stringify(join(DIST, 'app.module.js'))});
      const atStart = loaded();
      const { openFrenchPdf } = require(${JSON.stringify(join(DIST, 'http', 'french-pdf.js'))});
      const pdf = openFrenchPdf({ Title: 'essai' }, { top: 50, bottom: 50, left: 50, right: 50 });
      pdf.para('Procès-verbal');
      pdf.finish(['empreinte'], 10).then((bytes) => console.log(JSON.stringify({ atStart, afterDocument: loaded(), head: bytes.subarray(0, 8).toString('latin1') })));
    `);
    expect(result.atStart).toEqual([]);
    expect(result.afterDocument).toEqual(['pdfkit', 'fontkit']);
    expect(result.head).toBe('%PDF-1.7');
  });
});

/** `npm start` (scripts/launch.js) checks the build in the app's process, and compiles, when it must, in another one. */
describe('build check before a start', () => {
  it('tells an up-to-date build without loading a compiler', () => {
    ensureBuilt();
    const result = inFreshProcess(`
      const { build } = require('./scripts/build');
      console.log(JSON.stringify({ ...build({ check: true }), loaded: loaded() }));
    `);
    expect(result).toEqual({ stale: false, loaded: [] });
  });
});

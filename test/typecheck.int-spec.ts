import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The apps are built with SWC (scripts/build.js), which strips types without
 * checking them, and jest transforms with SWC too: this is where `npm test`
 * type-checks the whole tree, tests included, as `npm run typecheck` does.
 */
describe('type check', () => {
  it('tsc finds no error in apps, libs and test', () => {
    const root = join(__dirname, '..');
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    const diagnostics = tsc.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(diagnostics).toEqual([]);
    expect(tsc.status).toBe(0);
  }, 300_000);

  it('tsc finds no error in the console (browser code, its own tsconfig)', () => {
    const root = join(__dirname, '..');
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'apps', 'console', 'tsconfig.json'), '--noEmit', '--pretty', 'false'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const diagnostics = tsc.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(diagnostics).toEqual([]);
    expect(tsc.status).toBe(0);
  }, 180_000);
});

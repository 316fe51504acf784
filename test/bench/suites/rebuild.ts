import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { round } from '../lib';

/**
 * Suite 3: rebuild of the candidate progress read model from the whole log,
 * through the projection engine (ProjectionRuntime.rebuild), in a child process.
 */
export interface RebuildSuiteResult {
  events: number;
  rows: number;
  ms: number;
  eventsPerSec: number;
  /** CPU time of the rebuilding process during the rebuild (user + system; PostgreSQL's not included). */
  cpuMs: number;
  /** Peak RSS of the rebuilding process, and its RSS just before the rebuild started. */
  peakRssMb: number;
  startRssMb: number;
}

const root = join(__dirname, '..', '..', '..');

export function rebuildAvailable(): boolean {
  return existsSync(join(root, 'libs', 'projections', 'src', 'engine', 'projection-runtime.ts'));
}

export function rebuildSuite(url: string, schema: string): Promise<RebuildSuiteResult> {
  const args = ['-r', join(__dirname, '..', 'register.js'), join(__dirname, '..', 'children', 'rebuild.ts'), url, schema];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20, env: { ...process.env, LOG_LEVEL: 'silent' } }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`rebuild child failed: ${stderr || error.message}`));
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      resolve({ events: r.events, rows: r.rows, ms: r.ms, eventsPerSec: round((r.events / r.ms) * 1000), cpuMs: r.cpuMs, peakRssMb: r.peakRssMb, startRssMb: r.startRssMb });
    });
  });
}

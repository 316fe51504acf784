import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { childResult, round, tsChild } from '../lib';

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

export async function rebuildSuite(url: string, schema: string): Promise<RebuildSuiteResult> {
  const r = await childResult<Omit<RebuildSuiteResult, 'eventsPerSec'>>(tsChild('rebuild.ts', url, schema), 'rebuild child', { ...process.env, LOG_LEVEL: 'silent' });
  return { events: r.events, rows: r.rows, ms: r.ms, eventsPerSec: round((r.events / r.ms) * 1000), cpuMs: r.cpuMs, peakRssMb: r.peakRssMb, startRssMb: r.startRssMb };
}

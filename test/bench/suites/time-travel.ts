import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '@app/event-store/database';
import { PostgresEventStore } from '@app/event-store/postgres-event-store';
import { round } from '../lib';
import type { BigLog } from '../big-log';

/**
 * Suite 5: progress of one candidate as it stood at a past instant (the query
 * behind `GET /v1/candidates/{id}/progress?asOf=`), folded from the large log.
 */
export interface TimeTravelResult {
  logEvents: number;
  samples: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  via: string;
  blocks: number;
}

const root = join(__dirname, '..', '..', '..');

export function timeTravelAvailable(): boolean {
  return existsSync(join(root, 'libs', 'projections', 'src', 'candidate-progress', 'candidate-progress.query.ts'));
}

export async function timeTravelSuite(db: Database, log: BigLog, samples = 30): Promise<TimeTravelResult> {
  const { CandidateProgressQuery } = await import('@app/projections/candidate-progress/candidate-progress.query');
  const { sharedDataSource } = await import('@app/projections/engine/data-source');
  const { READ_MODEL_ENTITIES } = await import('@app/projections/read-model-entities');
  const dataSource = await sharedDataSource(db, READ_MODEL_ENTITIES);
  const query = new CandidateProgressQuery(dataSource, new PostgresEventStore(db.pool));
  // A candidate from the middle of the log, half way through their assessment.
  const index = Math.floor(log.candidates.length / 2);
  const candidateId = log.candidates[index];
  const cohortStart = Math.floor(index / 100) * 100;
  const cohortSize = Math.min(100, log.candidates.length - cohortStart);
  const firstEvent = 2 + cohortStart * 100 + (index - cohortStart);
  const asOf = new Date(log.startsAt + (firstEvent + 50 * cohortSize) * 1000).toISOString();
  const times: number[] = [];
  let blocks = 0;
  for (let i = 0; i < samples + 3; i++) {
    const t0 = performance.now();
    const view = await query.at(candidateId, { asOf });
    const ms = performance.now() - t0;
    if (!view) throw new Error('time travel found no candidate');
    blocks = view.blocks.length;
    if (i >= 3) times.push(ms);
  }
  times.sort((a, b) => a - b);
  const pick = (q: number) => round(times[Math.min(times.length - 1, Math.floor(q * times.length))], 1);
  return { logEvents: log.events, samples, p50Ms: pick(0.5), p95Ms: pick(0.95), maxMs: round(times[times.length - 1], 1), via: 'CandidateProgressQuery.at (the query of progress?asOf=)', blocks };
}

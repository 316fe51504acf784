import type { StoredEvent } from '@app/event-store/event-store';
import { EventApplyError, Projection } from '../engine/projection';
import {
  CandidateProgressState,
  emptySlice,
  evolveProgress,
  keyOf,
  PROGRESS_EVENT_TYPES,
  ProgressSlice,
  progressView,
  ReferentialCriteria,
} from './candidate-progress.evolve';

export const CANDIDATE_PROGRESS = 'candidate-progress';

/**
 * Per batch: load the rows the batch touches, fold the batch with the pure
 * evolve, upsert the rows that changed — three statements whatever the batch
 * size, all in the batch's transaction.
 */
export const candidateProgressProjection: Projection = {
  name: CANDIDATE_PROGRESS,
  codeVersion: 1,
  tables: {
    candidate_progress: (t) => `CREATE TABLE ${t} (
      candidate_id text PRIMARY KEY,
      certified boolean NOT NULL,
      blocks jsonb NOT NULL,
      state jsonb NOT NULL,
      last_position bigint NOT NULL)`,
    progress_referentials: (t) => `CREATE TABLE ${t} (
      referential_id text PRIMARY KEY,
      state jsonb NOT NULL,
      last_position bigint NOT NULL)`,
  },
  handles: (type) => PROGRESS_EVENT_TYPES.has(type),
  async apply(events, { client, table }) {
    const candidateIds = new Set<string>();
    const referentialIds = new Set<string>();
    for (const e of events) {
      const key = keyOf(toProgressEvent(e));
      if (!key) continue;
      (key[0] === 'candidate' ? candidateIds : referentialIds).add(key[1]);
      if (e.type === 'CandidateEnrolled' && e.data?.referentialId) referentialIds.add(String(e.data.referentialId));
    }
    const referentials = new Map<string, ReferentialCriteria>();
    const candidates = new Map<string, CandidateProgressState>();
    if (referentialIds.size) {
      const { rows } = await client.query(`SELECT referential_id, state FROM ${table('progress_referentials')} WHERE referential_id = ANY($1::text[])`, [[...referentialIds]]);
      for (const r of rows) referentials.set(r.referential_id, r.state);
    }
    if (candidateIds.size) {
      const { rows } = await client.query(`SELECT candidate_id, state FROM ${table('candidate_progress')} WHERE candidate_id = ANY($1::text[])`, [[...candidateIds]]);
      for (const r of rows) candidates.set(r.candidate_id, r.state);
    }
    const before: ProgressSlice = { referentials, candidates };
    let slice = before;
    for (const e of events) {
      try {
        slice = evolveProgress(slice, toProgressEvent(e));
      } catch (error) {
        throw new EventApplyError(e, error);
      }
    }
    const changedCandidates = [...slice.candidates.values()].filter((c) => before.candidates.get(c.candidateId) !== c);
    const changedReferentials = [...slice.referentials.values()].filter((r) => before.referentials.get(r.referentialId) !== r);
    if (changedReferentials.length) {
      await client.query(
        `INSERT INTO ${table('progress_referentials')} (referential_id, state, last_position)
         SELECT r.id, r.state, r.pos FROM jsonb_to_recordset($1::jsonb) AS r(id text, state jsonb, pos bigint)
         ON CONFLICT (referential_id) DO UPDATE SET state = excluded.state, last_position = excluded.last_position`,
        [JSON.stringify(changedReferentials.map((r) => ({ id: r.referentialId, state: r, pos: r.at.position })))],
      );
    }
    if (changedCandidates.length) {
      await client.query(
        `INSERT INTO ${table('candidate_progress')} (candidate_id, certified, blocks, state, last_position)
         SELECT r.id, r.certified, r.blocks, r.state, r.pos FROM jsonb_to_recordset($1::jsonb) AS r(id text, certified boolean, blocks jsonb, state jsonb, pos bigint)
         ON CONFLICT (candidate_id) DO UPDATE SET certified = excluded.certified, blocks = excluded.blocks, state = excluded.state, last_position = excluded.last_position`,
        [
          JSON.stringify(
            changedCandidates.map((c) => {
              const view = progressView(c);
              return { id: c.candidateId, certified: view.certified, blocks: view.blocks, state: c, pos: c.at.position };
            }),
          ),
        ],
      );
    }
  },
};

export function toProgressEvent(e: Pick<StoredEvent, 'type' | 'data' | 'transactionId' | 'globalPosition'>) {
  return { type: e.type, data: e.data, transactionId: e.transactionId, globalPosition: e.globalPosition };
}

/** Rebuilding from the log, in memory: the same fold the projection stores. */
export function foldProgress(events: Iterable<Pick<StoredEvent, 'type' | 'data' | 'transactionId' | 'globalPosition'>>): ProgressSlice {
  let slice = emptySlice();
  for (const e of events) slice = evolveProgress(slice, toProgressEvent(e));
  return slice;
}

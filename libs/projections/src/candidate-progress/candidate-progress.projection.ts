import type { StoredEvent } from '@app/event-store/event-store';
import { EventApplyError, FOLD_STATE, Projection, ProjectionContext, REWRITTEN_ROWS } from '../engine/projection';
import { foldState, UpsertColumn, upsertRows } from '../engine/upsert-rows';
import { loadStates } from '../engine/state-memo';
import {
  applyProgressEvent,
  CandidateProgressState,
  emptySlice,
  OwnedProgressSlice,
  PROGRESS_EVENT_TYPES,
  ProgressEvent,
  ProgressSlice,
  progressView,
  ReferentialCriteria,
} from './candidate-progress.evolve';

export const CANDIDATE_PROGRESS = 'candidate-progress';

const REFERENTIAL_COLUMNS: UpsertColumn[] = [['referential_id', 'text'], ['state', 'jsonb'], ['last_position', 'bigint']];
const CANDIDATE_COLUMNS: UpsertColumn[] = [['candidate_id', 'text'], ['certified', 'boolean'], ['blocks', 'json'], ['letters', 'json'], ['vae', 'json'], ['last_position', 'bigint']];
const STATE_COLUMNS: UpsertColumn[] = [['candidate_id', 'text'], foldState('state'), ['last_position', 'bigint']];

/**
 * Per batch, whatever its size: load the candidate rows the batch touches,
 * then the referentials they and the batch name; fold the batch in place with
 * the evolve step time travel uses; upsert the changed rows (upsertRows:
 * multi-row statements of the batch's pieces). All in the batch's transaction.
 *
 * Code version 2: a candidate's state no longer carries copies of the
 * referential's criteria (it names the referential instead), which made every
 * row ~6.6 KB of JSON rewritten on each batch.
 *
 * Code version 3: `certified` follows awards and withdrawals (awards come at
 * the seal), and blocks are kept per certification.
 *
 * Code version 4: each candidate row carries the domain's `Outcome`, and the
 * decision in force, the awards and capitalisation (with lapsed validity
 * periods) are asked of outcome.ts; referential rows carry the version's
 * equivalences and validity period.
 *
 * Code version 5: the decision letters issued (`letters`, DecisionLetterIssued),
 * from which progress shows the appeal deadlines.
 *
 * Code version 6: the VAE path (application, admissibility, file, the jury's
 * interview) and the blocks enrolled on a VAE file.
 *
 * Code version 7: each block's attempt number and not-evaluated override
 * (absences and fraud decisions in the outcome), and a resit's earlier block
 * kept for its session's sheet (docs/paths.md).
 *
 * Code version 8: the fold state is stored as `json` (the text as written)
 * rather than `jsonb`: only the runner reads it back, whole, and PostgreSQL
 * no longer builds the binary form of every state a batch rewrites
 * (FOLD_STATE, engine/projection.ts).
 *
 * Code version 9: the fold state is stored as `text` (PostgreSQL no longer
 * parses it to check it), and the row's views (`blocks`, `letters`) as `json`:
 * the query returns them whole, no query looks inside them.
 *
 * Code version 10: the fold state has a table of its own (progress_states),
 * which a live runner writes behind (StateMemo.stageBehind, writeStates
 * below): every few seconds rather than at every score, which rewrote a
 * candidate's 3.5 kB state with their views (docs/projections.md, "Fold
 * states written behind"). The VAE paths the query showed from the state are
 * a view of their own (`vae`).
 */
export const candidateProgressProjection: Projection = {
  name: CANDIDATE_PROGRESS,
  codeVersion: 10,
  tables: {
    candidate_progress: (t) => `CREATE TABLE ${t} (
      candidate_id text PRIMARY KEY,
      certified boolean NOT NULL,
      blocks json NOT NULL,
      letters json NOT NULL,
      vae json,
      last_position bigint NOT NULL) ${REWRITTEN_ROWS}`,
    progress_states: (t) => `CREATE TABLE ${t} (
      candidate_id text PRIMARY KEY,
      state ${FOLD_STATE} NOT NULL,
      last_position bigint NOT NULL) ${REWRITTEN_ROWS}`,
    progress_referentials: (t) => `CREATE TABLE ${t} (
      referential_id text PRIMARY KEY,
      state jsonb NOT NULL,
      last_position bigint NOT NULL)`,
  },
  handles: (type) => PROGRESS_EVENT_TYPES.has(type),
  async apply(events, tx) {
    const { client, table, memo } = tx;
    const candidateIds = new Set<string>();
    const referentialIds = new Set<string>();
    for (const e of events) {
      if (!PROGRESS_EVENT_TYPES.has(e.type)) continue;
      if (e.type === 'ReferentialDrafted') referentialIds.add(String(e.data?.referentialId));
      else candidateIds.add(String(e.data?.candidateId));
      if (e.type === 'CandidateEnrolled' && e.data?.referentialId) referentialIds.add(String(e.data.referentialId));
    }
    const slice: OwnedProgressSlice = { referentials: new Map(), candidates: new Map() };
    const states = table('progress_states');
    for (const [id, state] of await loadStates<CandidateProgressState>(client, states, 'candidate_id', candidateIds, memo)) {
      slice.candidates.set(id, state);
      for (const b of state.blocks) if (b.referentialId !== null) referentialIds.add(b.referentialId);
    }
    const referentials = table('progress_referentials');
    for (const [id, state] of await loadStates<ReferentialCriteria>(client, referentials, 'referential_id', referentialIds, memo)) slice.referentials.set(id, state);
    const changedCandidates = new Set<string>();
    const changedReferentials = new Set<string>();
    for (const e of events) {
      let changed: ReturnType<typeof applyProgressEvent>;
      try {
        changed = applyProgressEvent(slice, toProgressEvent(e));
      } catch (error) {
        throw new EventApplyError(e, error);
      }
      if (changed) (changed[0] === 'candidate' ? changedCandidates : changedReferentials).add(changed[1]);
    }
    // The fold states: a live runner's written behind (writeStates), a rebuild's now.
    if (memo) for (const id of changedCandidates) memo.stageBehind(states, id, slice.candidates.get(id));
    else await writeStates(tx, [...changedCandidates].map((id) => slice.candidates.get(id)!));
    if (tx.statesOnly) return;
    if (changedReferentials.size) {
      const rows = [...changedReferentials].map((id) => {
        const r = slice.referentials.get(id)!;
        return { referential_id: id, state: r, last_position: r.at.position };
      });
      await upsertRows(tx, referentials, ['referential_id'], REFERENTIAL_COLUMNS, rows);
    }
    // A referential version is drafted once and never changes: the next batch takes the ones
    // this batch read or wrote from the memo as well (each batch of scores read them back).
    for (const [id, r] of slice.referentials) memo?.stage(referentials, id, r);
    if (changedCandidates.size) {
      const rows = [...changedCandidates].map((id) => {
        const c = slice.candidates.get(id)!;
        const view = progressView(c, slice.referentials);
        return { candidate_id: id, certified: c.certified, blocks: view.blocks, letters: view.letters, vae: view.vae ?? null, last_position: c.at.position };
      });
      await upsertRows(tx, table('candidate_progress'), ['candidate_id'], CANDIDATE_COLUMNS, rows);
    }
  },
  writeStates: (states, tx) => writeStates(tx, [...(states.get(tx.table('progress_states'))?.values() ?? [])] as CandidateProgressState[]),
};

async function writeStates(tx: ProjectionContext, states: CandidateProgressState[]): Promise<void> {
  await upsertRows(tx, tx.table('progress_states'), ['candidate_id'], STATE_COLUMNS, states.map((state) => ({ candidate_id: state.candidateId, state, last_position: state.at.position })));
}

/** What the evolve step reads of a stored event (`recordedAt` when the reader has it). */
type LoggedEvent = Pick<StoredEvent, 'type' | 'data' | 'transactionId' | 'globalPosition'> & Partial<Pick<StoredEvent, 'recordedAt'>>;

export function toProgressEvent(e: LoggedEvent): ProgressEvent {
  const event: ProgressEvent = { type: e.type, data: e.data, transactionId: e.transactionId, globalPosition: e.globalPosition };
  if (e.recordedAt) event.recordedAt = e.recordedAt;
  return event;
}

/** Rebuilding from the log, in memory: the same fold the projection stores. */
export function foldProgress(events: Iterable<LoggedEvent>): ProgressSlice {
  const slice = emptySlice();
  for (const e of events) applyProgressEvent(slice, toProgressEvent(e));
  return slice;
}

import type { PoolClient } from 'pg';
import { CandidateState, candidateSpec } from '@app/domain/candidate/candidate';
import { EventApplyError, FOLD_STATE, Projection, ProjectionContext, REWRITTEN_ROWS } from '../engine/projection';
import { foldState, UpsertColumn, upsertRows } from '../engine/upsert-rows';
import { loadStates, StateMemo } from '../engine/state-memo';
import type { ReferentialCriteria } from '../candidate-progress/candidate-progress.evolve';
import {
  applyBackOfficeEvent,
  BACK_OFFICE_EVENT_TYPES,
  BackOfficeSlice,
  Changed,
  decisionCounts,
  emptyBackOfficeSlice,
  JuryListState,
  noChanges,
  SessionListState,
  SheetCandidateState,
  sheetRows,
  touches,
} from './back-office.evolve';

export const BACK_OFFICE = 'back-office';

/**
 * The lists of the back office: sessions, the deliberation sheet of each
 * session, juries. Per batch: load the rows the batch touches (and the
 * referentials their candidates' blocks name), fold the batch in place,
 * upsert what changed, then recount the candidates and juries of the touched
 * sessions. All in the batch's transaction.
 *
 * Tables (base names; queries read the views):
 * - back_office_referentials, back_office_candidates (a candidate's progress
 *   fold and the mark of the last event applied to them), back_office_files
 *   (a candidate's file, the domain's fold): fold states only. A score
 *   rewrites the progress, not the file;
 * - back_office_sessions: one row per session, with its readers (assessors,
 *   members of its juries) for the per-role scope;
 * - deliberation_sheet: one row per (session, candidate), the identity as
 *   stored (ciphertext) and the values the filters match (`tokens`);
 * - back_office_juries: one row per jury.
 *
 * Code version 2: the sheet's blocks carry the VAE path (the progress fold's
 * code version 6).
 *
 * Code version 3: the sheet's blocks carry the attempt number and the
 * not-evaluated override, a resit's earlier session keeps its own block, and
 * the file folds fraud reports (the progress fold's code version 7).
 *
 * Code version 4: a candidate's fold state is stored as `json` (FOLD_STATE,
 * engine/projection.ts); rows are written with one parameter per value
 * (upsertRows).
 *
 * Code version 5: a candidate's file has a row of its own
 * (back_office_files), written only when a file event changes it, so a
 * score no longer rewrites it with the progress; fold states are stored as
 * `text` (FOLD_STATE), the sheet's JSON columns as `json` (its query returns
 * them whole or reads one key), its filter tokens written as one array
 * literal (textArray): PostgreSQL no longer parses what it only stores.
 *
 * Code version 6: a live runner writes the candidates' fold states (progress,
 * file) behind (StateMemo.stageBehind, writeStates below): every few seconds
 * rather than at every score, which rewrote a 3 kB state per score though no
 * query reads it (docs/projections.md, "Fold states written behind"). The
 * progress fold keeps the position of the file's last change (`fileAt`), which
 * the file's row carries when written.
 */
export const backOfficeProjection: Projection = {
  name: BACK_OFFICE,
  codeVersion: 6,
  tables: {
    back_office_referentials: (t) => `CREATE TABLE ${t} (referential_id text PRIMARY KEY, state jsonb NOT NULL, last_position bigint NOT NULL)`,
    back_office_candidates: (t) => `CREATE TABLE ${t} (candidate_id text PRIMARY KEY, state ${FOLD_STATE} NOT NULL, last_position bigint NOT NULL) ${REWRITTEN_ROWS}`,
    back_office_files: (t) => `CREATE TABLE ${t} (candidate_id text PRIMARY KEY, state ${FOLD_STATE} NOT NULL, last_position bigint NOT NULL)`,
    back_office_sessions: (t) => `CREATE TABLE ${t} (
      session_id text PRIMARY KEY,
      referential_id text NOT NULL,
      certification_code text,
      title text NOT NULL,
      starts_on text NOT NULL,
      ends_on text NOT NULL,
      assessors text[] NOT NULL,
      jury_members text[] NOT NULL DEFAULT '{}',
      candidates integer NOT NULL DEFAULT 0,
      juries integer NOT NULL DEFAULT 0,
      state jsonb NOT NULL,
      last_position bigint NOT NULL)`,
    deliberation_sheet: (t) => `CREATE TABLE ${t} (
      session_id text NOT NULL,
      candidate_id text NOT NULL,
      identity json,
      erased boolean NOT NULL,
      blocks json NOT NULL,
      neutralisations json NOT NULL,
      accommodations text[] NOT NULL,
      pending_opinions integer NOT NULL,
      certified boolean NOT NULL,
      tokens text[] NOT NULL,
      last_position bigint NOT NULL,
      PRIMARY KEY (session_id, candidate_id)) ${REWRITTEN_ROWS}`,
    back_office_juries: (t) => `CREATE TABLE ${t} (
      jury_id text PRIMARY KEY,
      session_id text NOT NULL,
      referential_id text NOT NULL,
      status text NOT NULL,
      members jsonb NOT NULL,
      member_ids text[] NOT NULL,
      revises jsonb,
      decisions jsonb NOT NULL,
      convened_position bigint NOT NULL,
      state jsonb NOT NULL,
      last_position bigint NOT NULL)`,
  },
  handles: (type) => BACK_OFFICE_EVENT_TYPES.has(type),
  async apply(events, tx) {
    const slice = emptyBackOfficeSlice();
    await load(tx.client, tx.table, slice, events.map(touches), tx.memo);
    const changed = noChanges();
    for (const e of events) {
      try {
        applyBackOfficeEvent(slice, e, changed);
      } catch (error) {
        throw new EventApplyError(e, error);
      }
    }
    await saveStates(tx, slice, changed);
    if (!tx.statesOnly) await save(tx, slice, changed);
  },
  writeStates: (states, tx) =>
    writeCandidateStates(tx, (states.get(tx.table('back_office_candidates')) ?? new Map()) as ReadonlyMap<string, CandidateFold>, (states.get(tx.table('back_office_files')) ?? new Map()) as ReadonlyMap<string, CandidateState>),
};

type Table = (base: string) => string;

/**
 * A candidate's row of back_office_candidates: the progress fold, the last
 * event applied to the candidate (file or progress) and the position of the
 * last one that changed the file (its row's `last_position`).
 */
interface CandidateFold {
  progress: SheetCandidateState['progress'];
  at: SheetCandidateState['at'];
  fileAt?: number;
}

const STATE_COLUMNS: UpsertColumn[] = [['candidate_id', 'text'], foldState('state'), ['last_position', 'bigint']];

async function load(client: PoolClient, table: Table, slice: BackOfficeSlice, touched: ReturnType<typeof touches>[], memo?: StateMemo): Promise<void> {
  const ids = (key: keyof ReturnType<typeof touches>) => [...new Set(touched.map((t) => t[key]).filter((id): id is string => id !== undefined))];
  const referentialIds = new Set(ids('referential'));
  const candidateIds = ids('candidate');
  const files = new Map(await loadStates<CandidateState>(client, table('back_office_files'), 'candidate_id', candidateIds, memo));
  for (const [id, state] of await loadStates<CandidateFold>(client, table('back_office_candidates'), 'candidate_id', candidateIds, memo)) {
    slice.candidates.set(id, { candidateId: id, file: files.get(id) ?? candidateSpec.initialState(), progress: state.progress, at: state.at, fileAt: state.fileAt });
    for (const b of state.progress.blocks) if (b.referentialId !== null) referentialIds.add(b.referentialId);
  }
  for (const [id, state] of await loadStates<ReferentialCriteria>(client, table('back_office_referentials'), 'referential_id', referentialIds, memo)) slice.referentials.set(id, state);
  const sessionIds = ids('session');
  if (sessionIds.length) {
    const { rows } = await client.query(`SELECT session_id, state FROM ${table('back_office_sessions')} WHERE session_id = ANY($1::text[])`, [sessionIds]);
    for (const r of rows) slice.sessions.set(r.session_id, r.state as SessionListState);
  }
  const juryIds = ids('jury');
  if (juryIds.length) {
    const { rows } = await client.query(`SELECT jury_id, state FROM ${table('back_office_juries')} WHERE jury_id = ANY($1::text[])`, [juryIds]);
    for (const r of rows) slice.juries.set(r.jury_id, r.state as JuryListState);
  }
}

/**
 * The candidates' fold states (progress, file): a live runner's are left to
 * its memo, written behind (Projection.writeStates); a rebuild writes them.
 */
async function saveStates(tx: ProjectionContext, slice: BackOfficeSlice, changed: Changed): Promise<void> {
  const { table, memo } = tx;
  const folds = new Map<string, CandidateFold>();
  for (const id of changed.candidates) {
    const c = slice.candidates.get(id)!;
    c.fileAt = changed.files.get(id) ?? c.fileAt;
    folds.set(id, { progress: c.progress, at: c.at, fileAt: c.fileAt });
  }
  // A file is written when an event changed it. Scores (with their sealed comments) are the progress fold's
  // business: never kept in the file's row.
  const files = new Map([...changed.files.keys()].map((id) => [id, { ...slice.candidates.get(id)!.file, scores: {} }]));
  if (!memo) return writeCandidateStates(tx, folds, files);
  for (const [id, fold] of folds) memo.stageBehind(table('back_office_candidates'), id, fold);
  for (const [id, file] of files) memo.stageBehind(table('back_office_files'), id, file);
  // The files read and left as they were go back to the memo.
  for (const c of slice.candidates.values()) if (!files.has(c.candidateId)) memo.keep(table('back_office_files'), c.candidateId, c.file);
}

/**
 * Rows of candidates' progress folds and of their files: a rebuild's batch,
 * or every state a live runner held behind. A file's row carries the position
 * of its last change, which its candidate's fold keeps (`fileAt`): a file
 * changes only with its candidate, so its fold is always among `folds`.
 */
async function writeCandidateStates(tx: ProjectionContext, folds: ReadonlyMap<string, CandidateFold>, files: ReadonlyMap<string, CandidateState>): Promise<void> {
  await upsertRows(tx, tx.table('back_office_candidates'), ['candidate_id'], STATE_COLUMNS, [...folds].map(([id, state]) => ({ candidate_id: id, state, last_position: state.at.position })));
  const rows = [...files].map(([id, file]) => {
    const fileAt = folds.get(id)?.fileAt;
    if (fileAt === undefined) throw new Error(`back office: the file of ${id} is written without its candidate's fold`);
    return { candidate_id: id, state: file, last_position: fileAt };
  });
  await upsertRows(tx, tx.table('back_office_files'), ['candidate_id'], STATE_COLUMNS, rows);
}

async function save(tx: ProjectionContext, slice: BackOfficeSlice, changed: Changed): Promise<void> {
  const { client, table, memo } = tx;
  await upsertRows(tx, table('back_office_referentials'), ['referential_id'], [['referential_id', 'text'], ['state', 'jsonb'], ['last_position', 'bigint']], [...changed.referentials].map((id) => {
    const state = slice.referentials.get(id)!;
    return { referential_id: id, state, last_position: state.at.position };
  }));
  // Drafted once, never changed: kept in the memo for the next batch, read or written (candidate-progress does the same).
  for (const [id, r] of slice.referentials) memo?.stage(table('back_office_referentials'), id, r);
  const sessions = [...changed.sessions].map((id) => slice.sessions.get(id)!).filter((s) => s.session.opened);
  await upsertRows(
    tx,
    table('back_office_sessions'),
    ['session_id'],
    [['session_id', 'text'], ['referential_id', 'text'], ['certification_code', 'text'], ['title', 'text'], ['starts_on', 'text'], ['ends_on', 'text'], ['assessors', 'text[]'], ['state', 'jsonb'], ['last_position', 'bigint']],
    sessions.map((s) => ({
      session_id: s.session.sessionId,
      referential_id: s.session.referentialId,
      certification_code: s.certificationCode,
      title: s.session.title,
      starts_on: s.session.startsOn,
      ends_on: s.session.endsOn,
      assessors: s.session.assessors,
      state: s,
      last_position: s.at.position,
    })),
  );
  const juries = [...changed.juries].map((id) => slice.juries.get(id)!).filter((j) => j.jury.status !== 'none');
  await upsertRows(
    tx,
    table('back_office_juries'),
    ['jury_id'],
    [['jury_id', 'text'], ['session_id', 'text'], ['referential_id', 'text'], ['status', 'text'], ['members', 'jsonb'], ['member_ids', 'text[]'], ['revises', 'jsonb'], ['decisions', 'jsonb'], ['convened_position', 'bigint'], ['state', 'jsonb'], ['last_position', 'bigint']],
    juries.map((j) => ({
      jury_id: j.jury.juryId,
      session_id: j.jury.sessionId,
      referential_id: j.jury.referentialId,
      status: j.jury.status,
      members: j.jury.members,
      member_ids: j.jury.members.map((m) => m.userId),
      revises: j.jury.revises,
      decisions: decisionCounts(j.jury),
      convened_position: j.convenedPosition,
      state: j,
      last_position: j.at.position,
    })),
  );
  const candidates = [...changed.candidates].map((id) => slice.candidates.get(id)!);
  const lines = candidates.flatMap((c) => sheetRows(c, slice.referentials).map((row) => ({ ...row, last_position: c.at.position })));
  const newLines = await upsertRows(
    tx,
    table('deliberation_sheet'),
    ['session_id', 'candidate_id'],
    [['session_id', 'text'], ['candidate_id', 'text'], ['identity', 'json'], ['erased', 'boolean'], ['blocks', 'json'], ['neutralisations', 'json'], ['accommodations', 'text[]'], ['pending_opinions', 'integer'], ['certified', 'boolean'], ['tokens', 'text[]'], ['last_position', 'bigint']],
    lines.map((l) => ({
      session_id: l.sessionId,
      candidate_id: l.candidateId,
      identity: l.identity,
      erased: l.erased,
      blocks: l.blocks,
      neutralisations: l.neutralisations,
      accommodations: l.accommodations,
      pending_opinions: l.pendingOpinions,
      certified: l.certified,
      tokens: l.tokens,
      last_position: l.last_position,
    })),
    'session_id',
  );
  // Counts and readers of the sessions that changed, gained a candidate or whose juries changed (a session
  // never loses a candidate: enrolments are not withdrawn). A score changes none of them: counting a
  // session's lines at every batch of scores cost a scan of the whole session each time.
  const recount = new Set<string>(sessions.map((s) => s.session.sessionId!));
  for (const l of newLines) recount.add(l.session_id as string);
  for (const j of juries) recount.add(j.jury.sessionId!);
  if (recount.size) {
    await client.query(
      `UPDATE ${table('back_office_sessions')} s SET
         candidates = (SELECT count(*) FROM ${table('deliberation_sheet')} c WHERE c.session_id = s.session_id),
         juries = (SELECT count(*) FROM ${table('back_office_juries')} j WHERE j.session_id = s.session_id),
         jury_members = COALESCE((SELECT array_agg(DISTINCT m ORDER BY m) FROM ${table('back_office_juries')} j, unnest(j.member_ids) m WHERE j.session_id = s.session_id), '{}')
       WHERE s.session_id = ANY($1::text[])`,
      [[...recount]],
    );
  }
}

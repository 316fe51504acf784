import { Injectable, PipeTransform } from '@nestjs/common';
import { invalid, notFound } from '@app/domain/shared/errors';
import { RecordedEvent, StateSpec } from '@app/domain/shared/decider';
import { JuryState, jurySpec, juryStream } from '@app/domain/jury/jury';
import { CandidateState, candidateSpec, candidateStream } from '@app/domain/candidate/candidate';
import { ReferentialState, referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { UnitOfWork } from '@app/platform/commands/command-runner';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const UUID_PATTERN = UUID;

/** Path ids are UUIDs: anything else names nothing, so 404 before the database is asked. */
@Injectable()
export class JuryIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw notFound('jury', String(value).slice(0, 100));
    return value.toLowerCase();
  }
}

@Injectable()
export class CandidateIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) throw notFound('candidate', String(value).slice(0, 100));
    return value.toLowerCase();
  }
}

/** Routes whose body is `{}`: no body or an empty object, anything else is a 400 naming the fields. */
export function requireEmptyBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('the body must be an empty JSON object {}');
  const keys = Object.keys(body);
  if (keys.length > 0) throw invalid(`unknown field(s): ${keys.map((k) => `$.${k}`).join(', ')} (the body must be {})`);
}

export async function loadJury(uow: UnitOfWork, juryId: string): Promise<JuryState> {
  return (await uow.loadExisting(juryStream(juryId), jurySpec, 'jury', juryId)).state;
}

/** The candidate's file (the candidate stream's one fold); loaded in the unit of work so a concurrent change to it is a conflict. */
export async function loadCandidate(uow: UnitOfWork, candidateId: string): Promise<CandidateState> {
  return (await uow.load(candidateStream(candidateId), candidateSpec)).state;
}

export async function loadReferential(uow: UnitOfWork, referentialId: string): Promise<ReferentialState & { document: NonNullable<ReferentialState['document']> }> {
  const { state } = await uow.load(referentialStream(referentialId), referentialSpec);
  if (!state.document) throw notFound('referential', referentialId);
  return state as ReferentialState & { document: NonNullable<ReferentialState['document']> };
}

/** The candidates' files, in one round trip. */
export async function loadCandidates(uow: UnitOfWork, candidateIds: string[]): Promise<Record<string, CandidateState>> {
  const loaded = await uow.loadMany(candidateIds.map((id) => ({ streamId: candidateStream(id), spec: candidateSpec })));
  return Object.fromEntries(candidateIds.map((id, i) => [id, loaded[i].state as CandidateState]));
}

/**
 * juryId → closing time (null while not closed) of every deliberation that
 * decided these candidates, except `except`: which decisions are sealed, and
 * since when (the four-month rule, validity periods).
 */
export async function loadClosings(uow: UnitOfWork, views: Array<Pick<CandidateState, 'outcome'>>, except?: string): Promise<Record<string, string | null>> {
  const ids = [...new Set(views.flatMap((v) => v.outcome.decisions.map((d) => d.juryId)))].filter((id) => id !== except).sort();
  const loaded = await uow.loadMany(ids.map((id) => ({ streamId: juryStream(id), spec: jurySpec })));
  return Object.fromEntries(ids.map((id, i) => [id, (loaded[i].state as JuryState).seal?.closedAt ?? null]));
}

/** Folds events cut at a point in time and/or a global position (time travel). */
export function foldCut<S>(spec: StateSpec<S, RecordedEvent>, events: RecordedEvent[], cut: Cut): S {
  let state = spec.initialState();
  for (const e of events) if (within(e, cut)) state = spec.evolve(state, e);
  return state;
}

export interface Cut {
  asOf?: string;
  atPosition?: number;
}

export function within(e: RecordedEvent, cut: Cut): boolean {
  if (cut.atPosition !== undefined && (e.globalPosition ?? 0) > cut.atPosition) return false;
  if (cut.asOf !== undefined && e.recordedAt !== undefined && Date.parse(e.recordedAt) > Date.parse(cut.asOf)) return false;
  return true;
}

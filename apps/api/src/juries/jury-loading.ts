import { notFound } from '@app/domain/shared/errors';
import { JuryState, jurySpec, juryStream } from '@app/domain/jury/jury';
import { CandidateState, candidateSpec, candidateStream } from '@app/domain/candidate/candidate';
import { ReferentialState, referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { UnitOfWork } from '@app/platform/commands/command-runner';

/**
 * What jury commands read, inside the command's unit of work: a concurrent
 * change to anything a decision rests on is a conflict, and the command is
 * decided again.
 */

export async function loadJury(uow: UnitOfWork, juryId: string): Promise<JuryState> {
  return (await uow.loadExisting(juryStream(juryId), jurySpec, 'jury', juryId)).state;
}

/**
 * The candidate's file, possibly not registered: a jury command refuses an
 * unknown candidate by its own rules (candidates/candidate-loading.ts answers
 * 404 instead, for the candidate's own commands).
 */
export async function loadCandidateFile(uow: UnitOfWork, candidateId: string): Promise<CandidateState> {
  return (await uow.load(candidateStream(candidateId), candidateSpec)).state;
}

/** The candidates' files, in one round trip. */
export async function loadCandidateFiles(uow: UnitOfWork, candidateIds: string[]): Promise<Record<string, CandidateState>> {
  const loaded = await uow.loadMany(candidateIds.map((id) => ({ streamId: candidateStream(id), spec: candidateSpec })));
  return Object.fromEntries(candidateIds.map((id, i) => [id, loaded[i].state as CandidateState]));
}

export async function loadReferential(uow: UnitOfWork, referentialId: string): Promise<ReferentialState & { document: NonNullable<ReferentialState['document']> }> {
  const { state } = await uow.load(referentialStream(referentialId), referentialSpec);
  if (!state.document) throw notFound('referential', referentialId);
  return state as ReferentialState & { document: NonNullable<ReferentialState['document']> };
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

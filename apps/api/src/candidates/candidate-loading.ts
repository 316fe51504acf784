import { Injectable } from '@nestjs/common';
import { candidateSpec, CandidateState, candidateStream } from '@app/domain/candidate/candidate';
import { notFound } from '@app/domain/shared/errors';
import { ReferentialState, referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { SessionState, sessionSpec, sessionStream } from '@app/domain/session/session';
import { UnitOfWork } from '@app/platform/commands/command-runner';
import { StreamFold, StreamStates } from '@app/platform/commands/stream-states';

/** The candidate's file, 404 when it does not exist. */
export async function loadCandidate(uow: UnitOfWork, candidateId: string): Promise<{ stream: string; state: CandidateState }> {
  const stream = candidateStream(candidateId);
  const { state } = await uow.load(stream, candidateSpec);
  if (!state.registered) throw notFound('candidate', candidateId);
  return { stream, state };
}

/** What a candidate command assessed in a session decides on. */
export interface CandidateInSession {
  stream: string;
  state: CandidateState;
  /** Empty when the session does not exist (the decider refuses). */
  deps: { session?: SessionState; referential?: ReferentialState };
}

/**
 * Reads for candidate commands, through the folded states kept between
 * commands (StreamStates): each read brings only what was appended since.
 */
@Injectable()
export class CandidateContextReader {
  constructor(private readonly states: StreamStates) {}

  /**
   * The candidate's file (404 when it does not exist), the session and the
   * referential version it pins, in one round trip once this process has
   * seen the session (a session's referential never changes), in two
   * otherwise. Called inside the command's retry loop: a retry re-reads only
   * what moved.
   */
  async withSession(uow: UnitOfWork, candidateId: string, sessionId: string): Promise<CandidateInSession> {
    const stream = candidateStream(candidateId);
    const seen = this.states.peek(sessionStream(sessionId), sessionSpec)?.state;
    const referentialId = seen?.opened ? seen.referentialId : null;
    const reads: StreamFold[] = [
      { streamId: stream, spec: candidateSpec },
      { streamId: sessionStream(sessionId), spec: sessionSpec },
    ];
    if (referentialId) reads.push({ streamId: referentialStream(referentialId), spec: referentialSpec });
    const [candidate, session, pinned] = await uow.loadMany(reads);
    const state = candidate.state as CandidateState;
    if (!state.registered) throw notFound('candidate', candidateId);
    const opened = session.state as SessionState;
    if (!opened.opened) return { stream, state, deps: {} };
    const referential = opened.referentialId === referentialId ? (pinned.state as ReferentialState) : await this.referential(uow, opened.referentialId!);
    return { stream, state, deps: { session: opened, referential } };
  }

  /**
   * A referential, read like every other stream of the command: in its unit
   * of work, so a change to it meanwhile is a conflict. The document is tens
   * of kilobytes of JSON: StreamStates folds it once, then only what was
   * appended since.
   */
  async referential(uow: UnitOfWork, referentialId: string): Promise<ReferentialState> {
    return (await uow.load(referentialStream(referentialId), referentialSpec)).state;
  }
}

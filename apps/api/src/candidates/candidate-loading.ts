import { Inject, Injectable } from '@nestjs/common';
import { candidateSpec, CandidateState, candidateStream } from '@app/domain/candidate/candidate';
import { fold } from '@app/domain/shared/decider';
import { notFound } from '@app/domain/shared/errors';
import { ReferentialState, referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { SessionState, sessionSpec, sessionStream } from '@app/domain/session/session';
import { EventStore } from '@app/event-store/event-store';
import { asRecorded, UnitOfWork } from '@app/platform/commands/command-runner';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { UuidParam } from '../sessions/uuid-param.pipe';

export const CandidateIdParam = () => new UuidParam('candidate');

/** The candidate's file, 404 when it does not exist. */
export async function loadCandidate(uow: UnitOfWork, candidateId: string): Promise<{ stream: string; state: CandidateState }> {
  const stream = candidateStream(candidateId);
  const { state } = await uow.load(stream, candidateSpec);
  if (!state.registered) throw notFound('candidate', candidateId);
  return { stream, state };
}

/**
 * What a candidate command reads but never writes: the session and the
 * referential version it pins. Read once per command, outside the retry loop,
 * so that when many commands race on one candidate's stream each retry only
 * re-reads that stream (a published referential never changes; an assessor
 * assigned a moment later simply counts from the next command).
 */
@Injectable()
export class CandidateContextReader {
  /**
   * Folded referentials by stream version. The document is tens of kilobytes
   * of JSON and every score needs it: asking the stream's version is one small
   * query, and the fold is redone only when the stream moved (publish, retire).
   */
  private readonly referentials = new Map<string, { version: number; state: ReferentialState }>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** The session (undefined when it does not exist) and its referential. */
  async session(sessionId: string): Promise<{ session?: SessionState; referential?: ReferentialState }> {
    const session = fold(sessionSpec, (await this.store.readStream(sessionStream(sessionId))).map(asRecorded));
    if (!session.opened) return {};
    return { session, referential: await this.referential(session.referentialId!) };
  }

  async referential(referentialId: string): Promise<ReferentialState> {
    const stream = referentialStream(referentialId);
    const version = await this.store.streamVersion(stream);
    const cached = this.referentials.get(referentialId);
    if (cached && cached.version === version) return cached.state;
    const events = await this.store.readStream(stream);
    const state = fold(referentialSpec, events.map(asRecorded));
    const folded = events.length ? events[events.length - 1].version : 0;
    if (folded > 0) this.referentials.set(referentialId, { version: folded, state });
    return state;
  }
}

import { DecisionContext, DomainEvent } from '../shared/decider';
import type { Decider } from '../shared/decider';
import { assertNever, conflict, invalid, notFound, rule } from '../shared/errors';
import { ReferentialState } from '../referential/referential-state';
import { SessionEvent, SessionState, sessionSpec } from './session';

export type OpenSession = {
  type: 'OpenSession';
  data: { sessionId: string; referentialId: string; title: string; startsOn: string; endsOn: string };
};
export type AssignAssessor = { type: 'AssignAssessor'; data: { sessionId: string; userId: string } };
export type SessionCommand = OpenSession | AssignAssessor;

/** What a session command reads besides its own stream: the referential it pins (OpenSession). */
export interface SessionDeps {
  referential?: ReferentialState;
}

export const TITLE_MAX = 200;
export const USER_ID_MAX = 200;

export function decideSession(command: SessionCommand, state: SessionState, context: DecisionContext & SessionDeps): SessionEvent[] {
  switch (command.type) {
    case 'OpenSession': {
      const { sessionId, referentialId, startsOn, endsOn } = command.data;
      if (state.opened) throw conflict('SESSION_ALREADY_OPENED', `session ${sessionId} is already open`);
      const title = command.data.title.trim();
      if (!title || title.length > TITLE_MAX) throw invalid(`title must be 1 to ${TITLE_MAX} characters`, [{ path: 'title', message: 'length' }]);
      if (!isCalendarDate(startsOn)) throw invalid('startsOn must be a real date YYYY-MM-DD', [{ path: 'startsOn', message: 'date' }]);
      if (!isCalendarDate(endsOn)) throw invalid('endsOn must be a real date YYYY-MM-DD', [{ path: 'endsOn', message: 'date' }]);
      if (startsOn > endsOn) throw rule('SESSION_DATES_INVERTED', `the session cannot end (${endsOn}) before it starts (${startsOn})`);
      const referential = context.referential;
      if (!referential || referential.status === 'none') throw notFound('referential', referentialId);
      if (referential.status !== 'published') {
        throw rule('REFERENTIAL_NOT_PUBLISHED', `referential ${referentialId} is ${referential.status}: a session pins a published version`);
      }
      return [{ type: 'SessionOpened', data: { sessionId, referentialId, title, startsOn, endsOn } }];
    }
    case 'AssignAssessor': {
      const { sessionId } = command.data;
      if (!state.opened) throw notFound('session', sessionId);
      const userId = command.data.userId.trim();
      if (!userId || userId.length > USER_ID_MAX) throw invalid(`userId must be 1 to ${USER_ID_MAX} characters`, [{ path: 'userId', message: 'length' }]);
      if (state.assessors.includes(userId)) throw conflict('ASSESSOR_ALREADY_ASSIGNED', `${userId} is already an assessor of session ${sessionId}`);
      return [{ type: 'AssessorAssigned', data: { sessionId, userId } }];
    }
    default:
      return assertNever(command, 'session command');
  }
}

export const sessionDecider: Decider<SessionState, SessionCommand, SessionEvent, SessionDeps> = {
  ...sessionSpec,
  decide: decideSession,
};

/** A real calendar date in the form YYYY-MM-DD (2026-02-30 is not). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

import { RecordedEvent, StateSpec } from '../shared/decider';
import { upcastEvent } from '../shared/upcasters';
import { streamName } from '../shared/streams';

/** An exam session (docs/events.md, stream `session-{id}`): pinned to one published referential version. */
export type SessionEvent =
  | RecordedEvent<'SessionOpened', { sessionId: string; referentialId: string; title: string; startsOn: string; endsOn: string }>
  | RecordedEvent<'AssessorAssigned', { sessionId: string; userId: string }>;

export type SessionEventType = SessionEvent['type'];

export interface SessionState {
  sessionId: string | null;
  opened: boolean;
  referentialId: string | null;
  title: string | null;
  startsOn: string | null;
  endsOn: string | null;
  /** User ids (token `sub`) of the assessors assigned, in assignment order. */
  assessors: string[];
}

export const initialSessionState = (): SessionState => ({
  sessionId: null,
  opened: false,
  referentialId: null,
  title: null,
  startsOn: null,
  endsOn: null,
  assessors: [],
});

/** The session stream's upcast, applied by its fold to every event (shared/upcasters.ts). */
export const upcastSessionEvent = (event: RecordedEvent): SessionEvent => upcastEvent(event) as SessionEvent;

/** THE fold of the session stream. */
export function evolveSession(state: SessionState, raw: RecordedEvent): SessionState {
  const event = upcastSessionEvent(raw);
  switch (event.type) {
    case 'SessionOpened': {
      const { sessionId, referentialId, title, startsOn, endsOn } = event.data;
      return { ...state, sessionId, opened: true, referentialId, title, startsOn, endsOn };
    }
    case 'AssessorAssigned':
      return state.assessors.includes(event.data.userId) ? state : { ...state, assessors: [...state.assessors, event.data.userId] };
    default:
      return state; // an event of a later schema this code does not know yet leaves the state as is
  }
}

export const sessionSpec: StateSpec<SessionState> = {
  initialState: initialSessionState,
  evolve: evolveSession,
};

export const sessionStream = (id: string) => streamName('session', id);

export function isAssessorOf(state: SessionState, userId: string): boolean {
  return state.assessors.includes(userId);
}

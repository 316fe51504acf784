import fc from 'fast-check';
import { DomainError } from '../shared/errors';
import { fold } from '../shared/decider';
import { given, testContext } from '../testing/given-when-then';
import { ReferentialState } from '../referential/referential-state';
import { isAssessorOf, SessionEvent, sessionSpec } from './session';
import { decideSession, isCalendarDate, sessionDecider, SessionCommand } from './session-decider';

const SESSION = 's1';
const REFERENTIAL = 'r1';
const referential = (status: ReferentialState['status']): ReferentialState => ({ referentialId: REFERENTIAL, status, version: 1, document: null, publishedAt: null });
const open = (overrides: Partial<{ title: string; startsOn: string; endsOn: string }> = {}): SessionCommand => ({
  type: 'OpenSession',
  data: { sessionId: SESSION, referentialId: REFERENTIAL, title: 'June 2026', startsOn: '2026-06-01', endsOn: '2026-06-30', ...overrides },
});
const opened: SessionEvent = { type: 'SessionOpened', data: { sessionId: SESSION, referentialId: REFERENTIAL, title: 'June 2026', startsOn: '2026-06-01', endsOn: '2026-06-30' } };
const assign = (userId: string): SessionCommand => ({ type: 'AssignAssessor', data: { sessionId: SESSION, userId } });

describe('session decider', () => {
  it('opens a session on a published referential', () => {
    given(sessionDecider, []).when(open({ title: '  June 2026 ' }), { referential: referential('published') }).then([opened]);
  });
  it('opens a one-day session', () => {
    given(sessionDecider, []).when(open({ startsOn: '2026-06-01', endsOn: '2026-06-01' }), { referential: referential('published') }).thenMatch([{ type: 'SessionOpened' }]);
  });
  it('refuses a draft or retired referential', () => {
    given(sessionDecider, []).when(open(), { referential: referential('draft') }).thenThrows('REFERENTIAL_NOT_PUBLISHED');
    given(sessionDecider, []).when(open(), { referential: referential('retired') }).thenThrows('REFERENTIAL_NOT_PUBLISHED');
  });
  it('answers NOT_FOUND for an unknown referential', () => {
    given(sessionDecider, []).when(open(), { referential: referential('none') }).thenThrows('NOT_FOUND');
    given(sessionDecider, []).when(open(), {}).thenThrows('NOT_FOUND');
  });
  it('refuses a session ending before it starts', () => {
    given(sessionDecider, []).when(open({ startsOn: '2026-07-01', endsOn: '2026-06-30' }), { referential: referential('published') }).thenThrows('SESSION_DATES_INVERTED');
  });
  it('refuses dates that do not exist and a blank title', () => {
    given(sessionDecider, []).when(open({ startsOn: '2026-02-30' }), { referential: referential('published') }).thenThrows('VALIDATION_FAILED');
    given(sessionDecider, []).when(open({ endsOn: '30/06/2026' }), { referential: referential('published') }).thenThrows('VALIDATION_FAILED');
    given(sessionDecider, []).when(open({ title: '   ' }), { referential: referential('published') }).thenThrows('VALIDATION_FAILED');
  });
  it('refuses opening twice (409)', () => {
    given(sessionDecider, [opened]).when(open(), { referential: referential('published') }).thenThrows('SESSION_ALREADY_OPENED');
  });
  it('assigns an assessor', () => {
    given(sessionDecider, [opened]).when(assign('bob')).then([{ type: 'AssessorAssigned', data: { sessionId: SESSION, userId: 'bob' } }]);
    expect(isAssessorOf(fold(sessionSpec, [opened, { type: 'AssessorAssigned', data: { sessionId: SESSION, userId: 'bob' } }]), 'bob')).toBe(true);
  });
  it('refuses assigning twice (409), to an unknown session (404), a blank user', () => {
    given(sessionDecider, [opened, { type: 'AssessorAssigned', data: { sessionId: SESSION, userId: 'bob' } }]).when(assign('bob')).thenThrows('ASSESSOR_ALREADY_ASSIGNED');
    given(sessionDecider, []).when(assign('bob')).thenThrows('NOT_FOUND');
    given(sessionDecider, [opened]).when(assign(' ')).thenThrows('VALIDATION_FAILED');
  });
  it('knows real calendar dates', () => {
    expect(['2024-02-29', '2026-12-31'].every(isCalendarDate)).toBe(true);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', ''].some(isCalendarDate)).toBe(false);
  });
});

describe('session decider, properties', () => {
  it('rebuilds from the log the state its accepted decisions produced', () => {
    const cmd = fc.oneof(
      fc.record({ type: fc.constant('OpenSession' as const), data: fc.record({ sessionId: fc.constant(SESSION), referentialId: fc.constant(REFERENTIAL), title: fc.constantFrom('', 'June'), startsOn: fc.constantFrom('2026-06-01', '2026-02-30'), endsOn: fc.constantFrom('2026-05-31', '2026-06-30') }) }),
      fc.record({ type: fc.constant('AssignAssessor' as const), data: fc.record({ sessionId: fc.constant(SESSION), userId: fc.constantFrom('a', 'b', 'c', ' ') }) }),
    );
    const status = fc.constantFrom<ReferentialState['status']>('none', 'draft', 'published', 'retired');
    fc.assert(
      fc.property(fc.array(fc.tuple(cmd, status), { maxLength: 30 }), (steps) => {
        let state = sessionSpec.initialState();
        const log: SessionEvent[] = [];
        for (const [command, s] of steps) {
          let events: SessionEvent[];
          try {
            events = decideSession(command, state, { ...testContext(), referential: referential(s) });
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            continue;
          }
          if (command.type === 'OpenSession') expect(s).toBe('published');
          for (const e of events) {
            state = sessionSpec.evolve(state, e);
            log.push(e);
          }
        }
        expect(fold(sessionSpec, JSON.parse(JSON.stringify(log)))).toEqual(state);
        expect(new Set(state.assessors).size).toBe(state.assessors.length);
        expect(log.filter((e) => e.type === 'SessionOpened').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});

import { Decider, DecisionContext, DomainEvent, RecordedEvent, StateSpec, fold } from '../shared/decider';
import { DomainError } from '../shared/errors';

/**
 * Decider tests read as the rule: given these events, when this command,
 * then these events (or this refusal). Used by every *.spec.ts of the domain.
 * A test kit: lives under testing/, which the build does not ship.
 */
export function testContext(overrides: Partial<DecisionContext> = {}): DecisionContext {
  let n = 0;
  return {
    now: '2026-06-15T10:00:00.000Z',
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    actor: { id: 'user-1', role: 'admin' },
    ...overrides,
  };
}

/**
 * States are frozen, deeply, at every step: an evolve or decide that changed a
 * state in place throws here. The API keeps folded states between commands
 * (StreamStates), which is only sound because nothing ever changes them.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export function given<S, C extends DomainEvent, E extends DomainEvent, X>(decider: Decider<S, C, E, X>, events: RecordedEvent[] = []) {
  const frozen: StateSpec<S, RecordedEvent> = { initialState: () => deepFreeze(decider.initialState()), evolve: (state, event) => deepFreeze(decider.evolve(state, event)) };
  return {
    when(command: C, context: Partial<DecisionContext> & X = {} as Partial<DecisionContext> & X) {
      const run = () => decider.decide(command, fold(frozen, events), { ...testContext(), ...context } as DecisionContext & X);
      return {
        then(expected: DomainEvent[]) {
          expect(run()).toEqual(expected);
        },
        thenMatch(expected: Array<Partial<DomainEvent> & Record<string, unknown>>) {
          expect(run()).toMatchObject(expected);
        },
        thenThrows(code: string) {
          let caught: unknown;
          try {
            run();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(DomainError);
          expect((caught as DomainError).code).toBe(code);
        },
        events: run,
      };
    },
  };
}

/**
 * The shape of every aggregate: `decide(command, state, context)` returns the
 * events a command produces (or throws a DomainError), `evolve(state, event)`
 * folds one event into the state. Time, ids and the actor come in through the
 * context; the domain never reads a clock or draws a random number itself.
 */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/** What an evolve sees of a stored event: its type and data, and when it was recorded. */
export interface RecordedEvent<T extends string = string, D = any> extends DomainEvent<T, D> {
  /** The stored event id: an award is withdrawn by naming the event that made it. */
  eventId?: string;
  recordedAt?: string;
  globalPosition?: number;
  /** The schema version the data is at; absent: the current one. Each stream's fold upcasts (shared/upcasters.ts). */
  schemaVersion?: number;
  /** Who recorded it, where the reader has the stored metadata (the actor comes from the token). */
  metadata?: { actor?: { id?: string } };
}

export type Role = 'admin' | 'assessor' | 'referent' | 'jury' | 'regulator';
export const ROLES: readonly Role[] = ['admin', 'assessor', 'referent', 'jury', 'regulator'];

export interface Actor {
  id: string;
  name?: string;
  /** The role under which this command was sent (one of the token's roles allowed by the route). */
  role: Role;
}

export interface DecisionContext {
  /** ISO 8601 UTC timestamp of the decision. */
  now: string;
  newId(): string;
  actor: Actor;
}

export interface StateSpec<S, E extends RecordedEvent = RecordedEvent> {
  initialState(): S;
  evolve(state: S, event: E): S;
}

export function fold<S, E extends RecordedEvent>(spec: StateSpec<S, E>, events: Iterable<E>): S {
  let state = spec.initialState();
  for (const event of events) state = spec.evolve(state, event);
  return state;
}

/**
 * An aggregate's decider: `decide(command, state, context)` takes a command
 * `{ type, data }` and the context (the clock, ids, the actor, and `X`: what
 * the command reads beyond its own stream, loaded by the handler), and
 * returns the events of the decision, typed (`E`).
 */
export interface Decider<S, C extends DomainEvent, E extends DomainEvent = DomainEvent, X = unknown> extends StateSpec<S, RecordedEvent> {
  decide(command: C, state: S, context: DecisionContext & X): E[];
}

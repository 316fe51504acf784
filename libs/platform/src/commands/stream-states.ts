import { Inject, Injectable, Optional } from '@nestjs/common';
import { RecordedEvent, StateSpec } from '@app/domain/shared/decider';
import { EventStore, StoredEvent } from '@app/event-store/event-store';
import { EVENT_STORE } from '../persistence.module';

/** How many folded streams one process keeps (a candidate's file is a few kilobytes of state). */
const DEFAULT_CAPACITY = 2_000;
export const STREAM_STATES_CAPACITY = 'STREAM_STATES_CAPACITY';

export interface FoldedStream<S> {
  state: S;
  /** The version of the last event folded (0: the stream does not exist). */
  version: number;
}

export interface StreamFold {
  streamId: string;
  spec: StateSpec<any, RecordedEvent>;
}

interface Entry {
  spec: StateSpec<any, RecordedEvent>;
  state: unknown;
  version: number;
}

/**
 * Folded stream states, kept between commands. A stream only grows and its
 * events never change, so the state at version v plus the events after v is
 * exactly the state of the whole stream: `fold` reads only what was appended
 * since this process last looked (usually nothing or one event) instead of the
 * whole file, and folds only that; it always asks the database, so appends of
 * other processes are seen. `peek` does not ask: the command runner decides on
 * peeked states only because the append then checks every stream the decision
 * read (docs/event-store.md). After an append of its own the runner
 * `advance`s the kept states, so they stay current without a read.
 *
 * States are shared between commands and must not be changed in place: the
 * evolve functions and deciders of the domain build new objects (their tests
 * freeze the state to be sure of it). Entries are per stream and state spec;
 * the least recently used is dropped beyond the capacity.
 */
@Injectable()
export class StreamStates {
  private readonly entries = new Map<string, Entry[]>();
  private size = 0;

  private readonly capacity: number;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Optional() @Inject(STREAM_STATES_CAPACITY) capacity?: number) {
    this.capacity = capacity ?? DEFAULT_CAPACITY;
  }

  async fold<S>(streamId: string, spec: StateSpec<S, RecordedEvent>): Promise<FoldedStream<S>> {
    return (await this.foldMany([{ streamId, spec }]))[0] as FoldedStream<S>;
  }

  /** Several streams brought up to date in one round trip; one result per stream, in order. */
  async foldMany(streams: StreamFold[]): Promise<FoldedStream<unknown>[]> {
    const known = streams.map((s) => this.take(s.streamId, s.spec));
    const newer =
      streams.length === 1
        ? [await this.store.readStream(streams[0].streamId, known[0] ? { fromVersion: known[0].version + 1, upcast: true } : { upcast: true })]
        : await this.store.readStreams(streams.map((s, i) => ({ streamId: s.streamId, fromVersion: (known[i]?.version ?? 0) + 1 })), { upcast: true });
    return streams.map(({ streamId, spec }, i) => {
      let state = known[i] ? known[i]!.state : spec.initialState();
      for (const event of newer[i]) state = spec.evolve(state, asRecorded(event));
      const version = newer[i].length ? newer[i][newer[i].length - 1].version : (known[i]?.version ?? 0);
      // Kept even at version 0 (no such stream yet): the command that creates it advances it.
      this.keep(streamId, { spec, state, version });
      return { state, version };
    });
  }

  /**
   * Folds events this process just appended at `from + 1`… into the states kept
   * at version `from`, so the next command does not read them back. States at
   * another version are left alone (the next fold reads what they miss).
   */
  advance(streamId: string, from: number, events: RecordedEvent[]): void {
    const list = this.entries.get(streamId);
    if (!list) return;
    for (const entry of list) {
      if (entry.version !== from) continue;
      let state = entry.state;
      for (const event of events) state = entry.spec.evolve(state, event);
      entry.state = state;
      entry.version = from + events.length;
    }
  }

  /** The state last folded here, without asking the database: it may be behind, use it only to know what to read. */
  peek<S>(streamId: string, spec: StateSpec<S, RecordedEvent>): FoldedStream<S> | undefined {
    const entry = this.take(streamId, spec);
    return entry ? { state: entry.state as S, version: entry.version } : undefined;
  }

  /** Finds the entry and marks it as the most recently used. */
  private take(streamId: string, spec: StateSpec<any, RecordedEvent>): Entry | undefined {
    const list = this.entries.get(streamId);
    const entry = list?.find((e) => e.spec === spec);
    if (list) {
      this.entries.delete(streamId);
      this.entries.set(streamId, list);
    }
    return entry;
  }

  private keep(streamId: string, entry: Entry): void {
    const list = this.entries.get(streamId) ?? [];
    const at = list.findIndex((e) => e.spec === entry.spec);
    // Two commands may fold the same stream at once: keep the further one.
    if (at >= 0 && list[at].version >= entry.version) return;
    if (at >= 0) list[at] = entry;
    else {
      list.push(entry);
      this.size++;
    }
    this.entries.delete(streamId);
    this.entries.set(streamId, list);
    while (this.size > this.capacity) {
      const [oldest, dropped] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.size -= dropped.length;
    }
  }
}

/** Stored events as the domain sees them (read with `upcast: true`, so in the current shape of their type). */
export function asRecorded(event: StoredEvent): RecordedEvent {
  return { type: event.type, data: event.data, eventId: event.eventId, recordedAt: event.recordedAt, globalPosition: event.globalPosition, metadata: event.metadata };
}

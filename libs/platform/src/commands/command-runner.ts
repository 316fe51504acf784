import { Inject, Injectable, Optional } from '@nestjs/common';
import { DecisionContext, DomainEvent, RecordedEvent, StateSpec, fold } from '@app/domain/shared/decider';
import { DomainError, notFound } from '@app/domain/shared/errors';
import { currentSchemaVersion } from '@app/domain/shared/upcasters';
import { ConcurrencyError, EventCount, EventStore, ExpectedVersion, NewEvent, StoredEvent, StreamVersion, StreamWrite } from '@app/event-store/event-store';
import { EVENT_STORE } from '../persistence.module';
import { CommandMeta } from './command-meta';
import { Clock } from './clock';
import { CommandIds } from './command-ids';
import { asRecorded, StreamFold, StreamStates } from './stream-states';

export { asRecorded };

/** What every command route answers (docs/api.md "Commands"), plus fields of its own. */
export interface CommandResult {
  id: string;
  position: number;
  version: number;
  [extra: string]: unknown;
}

export interface Loaded<S> {
  state: S;
  version: number;
}

/**
 * Under heavy contention on one stream (fifty assessors scoring one candidate
 * at once) only one append wins each round: the others back off with full
 * jitter, growing exponentially up to a cap, so they spread out and all land.
 */
const MAX_ATTEMPTS = 40;
const MAX_BACKOFF_MS = 100;

/**
 * Collects what a command reads and writes. Each stream it writes is appended
 * with the version it was loaded at, and every stream it only read must still
 * be at the version it read (`unchanged`): a concurrent change to anything the
 * decision rests on is a conflict, and the whole command is run again.
 *
 * With `trustKept`, streams whose folded state this process kept (StreamStates)
 * are not read at all: the append's checks prove them current, and a refusal
 * decided on them is decided again on fresh reads before it is answered.
 */
export class UnitOfWork {
  private readonly versions = new Map<string, number>();
  private readonly writes: Array<{ streamId: string; events: DomainEvent[]; expected: ExpectedVersion }> = [];
  /** This command's own events, found already stored by a retry with the same Idempotency-Key. */
  readonly applied = new Map<string, StoredEvent[]>();
  readonly context: DecisionContext;
  /** True when some state this command decided on was kept, not read. */
  usedKept = false;

  constructor(
    private readonly store: EventStore,
    private readonly states: StreamStates,
    readonly meta: CommandMeta,
    now: string,
    /** This command's ids: deterministic under an Idempotency-Key, so a retry decides and writes the same ids. */
    private readonly ids: CommandIds = new CommandIds(meta),
    private readonly trustKept = false,
  ) {
    this.context = { now, newId: ids.newIdSource(), actor: meta.actor };
  }

  /** Loads and folds a stream (empty state and version 0 when it does not exist). */
  async load<S>(streamId: string, spec: StateSpec<S, RecordedEvent>): Promise<Loaded<S>> {
    if (!this.ids.deterministic) return (await this.loadMany([{ streamId, spec }]))[0] as Loaded<S>;
    // A retry (same Idempotency-Key) of a command whose append landed but whose answer was
    // lost (the process died in between): decide again on the state before its own events,
    // which are kept aside so the runner answers with them instead of appending. This needs
    // the whole stream, not a folded state that may already include them.
    let events = await this.store.readStream(streamId, { upcast: true });
    const first = this.ids.eventId(streamId, 0);
    const at = events.findIndex((e) => e.eventId === first);
    if (at >= 0) {
      const own: StoredEvent[] = [];
      for (let j = at; j < events.length && events[j].eventId === this.ids.eventId(streamId, j - at); j++) own.push(events[j]);
      this.applied.set(streamId, own);
      events = events.slice(0, at);
    }
    const version = events.length ? events[events.length - 1].version : 0;
    this.versions.set(streamId, version);
    return { state: fold(spec, events.map(asRecorded)), version };
  }

  /** Several streams in one round trip (one at a time under an Idempotency-Key, see load). */
  async loadMany(streams: StreamFold[]): Promise<Loaded<unknown>[]> {
    if (this.ids.deterministic) {
      const loaded: Loaded<unknown>[] = [];
      for (const s of streams) loaded.push(await this.load(s.streamId, s.spec));
      return loaded;
    }
    const kept = this.trustKept ? streams.map((s) => this.states.peek(s.streamId, s.spec)) : [];
    const folded = kept.length > 0 && kept.every((k) => k !== undefined) ? (kept as Loaded<unknown>[]) : await this.states.foldMany(streams);
    if (folded === kept) this.usedKept = true;
    streams.forEach((s, i) => this.versions.set(s.streamId, folded[i].version));
    return folded;
  }

  /**
   * A count across streams (the drafts of a certification code), read through
   * this command's store like its streams, and again on every retry of the command.
   */
  countEvents(count: EventCount): Promise<number> {
    return this.store.countEvents(count);
  }

  /** The streams this command read but does not write, at the versions it read. */
  get unchanged(): StreamVersion[] {
    const written = new Set(this.writes.map((w) => w.streamId));
    return [...this.versions].filter(([streamId]) => !written.has(streamId)).map(([streamId, version]) => ({ streamId, version }));
  }

  /** Like load, but a stream that does not exist is a 404. */
  async loadExisting<S>(streamId: string, spec: StateSpec<S, RecordedEvent>, what: string, id: string): Promise<Loaded<S>> {
    const loaded = await this.load(streamId, spec);
    if (loaded.version === 0) throw notFound(what, id);
    return loaded;
  }

  /** Queues events for a stream; the expected version is the one it was loaded at ('no-stream' if never loaded). */
  append(streamId: string, events: DomainEvent[]): void {
    if (events.length === 0) return;
    const existing = this.writes.find((w) => w.streamId === streamId);
    if (existing) {
      existing.events.push(...events);
      return;
    }
    const loaded = this.versions.get(streamId);
    this.writes.push({ streamId, events: [...events], expected: loaded === undefined ? 'no-stream' : loaded });
  }

  /** The version a stream was loaded at (0 if it did not exist or was not loaded). */
  versionOf(streamId: string): number {
    return this.versions.get(streamId) ?? 0;
  }

  get pendingWrites() {
    return this.writes;
  }
}

type Work = (uow: UnitOfWork) => Promise<Outcome>;
interface Outcome {
  id: string;
  primaryStream: string;
  extra?: Record<string, unknown>;
}

/** Said by a step when the attempt must be decided again on fresh reads. */
const DECIDE_AGAIN = Symbol('decide again');

/**
 * Runs a command: load, decide, append, answer `{ id, position, version }`.
 * Each attempt goes through the steps below in order; a concurrency conflict
 * or a doubt about a kept state starts a new attempt on fresh state (two
 * assessors scoring one candidate both land); with If-Match the client's
 * version must be the primary stream's.
 */
@Injectable()
export class CommandRunner {
  private readonly states: StreamStates;
  private readonly clock: Clock;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore, @Optional() states?: StreamStates, @Optional() clock?: Clock) {
    this.states = states ?? new StreamStates(store);
    this.clock = clock ?? new Clock();
  }

  async run(meta: CommandMeta, work: Work): Promise<CommandResult> {
    const ids = new CommandIds(meta);
    const trust = new KeptStateTrust(meta);
    for (let attempt = 1; ; attempt++) {
      const uow = new UnitOfWork(this.store, this.states, meta, this.clock.now(), ids, trust.allowed);
      const outcome = await decide(uow, work, trust);
      if (outcome === DECIDE_AGAIN) continue;
      const replayed = replayedAnswer(uow, outcome);
      if (replayed) return replayed;
      checkIfMatch(meta, uow.versionOf(outcome.primaryStream));
      const writes = buildWrites(uow, ids);
      if (writes.length === 0) {
        // Nothing to write is an answer too: not on kept states.
        if (trust.doubt(uow)) continue;
        return { id: outcome.id, position: await this.store.headPosition(), version: uow.versionOf(outcome.primaryStream), ...outcome.extra };
      }
      try {
        return await this.append(writes, uow.unchanged, outcome);
      } catch (error) {
        if (!isRetryable(error, meta, writes, attempt)) throw error;
        trust.withdraw();
        // A kept state that was behind is no contention: decide again at once.
        if (!uow.usedKept) await backOff(attempt);
      }
    }
  }

  /** Appends every write at once (checking the streams only read), keeps the states current, answers. */
  private async append(writes: StreamWrite[], unchanged: StreamVersion[], outcome: Outcome): Promise<CommandResult> {
    const results =
      writes.length === 1
        ? [await this.store.append(writes[0].streamId, writes[0].events, { expectedVersion: writes[0].expectedVersion, unchanged })]
        : await this.store.appendMany(writes, { unchanged });
    writes.forEach((w, i) => {
      // As a read would give them back: JSON data (no undefined, no class instances).
      const recorded = w.events.map((e, j) => ({ type: e.type, data: JSON.parse(JSON.stringify(e.data)), eventId: e.eventId, recordedAt: e.metadata.recordedAt, globalPosition: results[i].positions[j] }));
      this.states.advance(w.streamId, results[i].streamVersion - w.events.length, recorded);
    });
    const primary = results.find((r) => r.streamId === outcome.primaryStream) ?? results[0];
    return { id: outcome.id, position: Math.max(...results.map((r) => r.lastPosition)), version: primary.streamVersion, ...outcome.extra };
  }
}

/**
 * Whether an attempt may decide on folded states kept between commands
 * (StreamStates) instead of reading them: only where a stale one cannot leak
 * into the answer, so not under If-Match (the version is the answer's subject)
 * nor an Idempotency-Key. Once a kept state is in doubt, every later attempt
 * reads.
 */
class KeptStateTrust {
  private trusted: boolean;

  constructor(meta: CommandMeta) {
    this.trusted = meta.ifMatch === undefined && !meta.idempotencyKey;
  }

  get allowed(): boolean {
    return this.trusted;
  }

  withdraw(): void {
    this.trusted = false;
  }

  /** True (and trust withdrawn) when this attempt's answer rests on a kept state: decide again on fresh reads. */
  doubt(uow: UnitOfWork): boolean {
    if (!uow.usedKept) return false;
    this.withdraw();
    return true;
  }
}

/** Runs the command's work; a refusal is answered only when decided on what the database holds now. */
async function decide(uow: UnitOfWork, work: Work, trust: KeptStateTrust): Promise<Outcome | typeof DECIDE_AGAIN> {
  try {
    return await work(uow);
  } catch (error) {
    if (error instanceof DomainError && trust.doubt(uow)) return DECIDE_AGAIN;
    throw error;
  }
}

/** A retry (same Idempotency-Key) of a command already applied: answered as it was, nothing written. */
function replayedAnswer(uow: UnitOfWork, outcome: Outcome): CommandResult | undefined {
  if (uow.applied.size === 0) return undefined;
  const own = [...uow.applied.values()].flat();
  const primary = uow.applied.get(outcome.primaryStream);
  return { id: outcome.id, position: Math.max(...own.map((e) => e.globalPosition)), version: primary ? primary[primary.length - 1].version : uow.versionOf(outcome.primaryStream), ...outcome.extra };
}

function checkIfMatch(meta: CommandMeta, loadedVersion: number): void {
  if (meta.ifMatch !== undefined && meta.ifMatch !== loadedVersion) {
    throw new DomainError('precondition', 'PRECONDITION_FAILED', `If-Match "${meta.ifMatch}" does not match the current version "${loadedVersion}"`);
  }
}

/**
 * The queued events as the store takes them: ids from CommandIds, the schema
 * version they are written at, and who, why and when in the metadata. The
 * recording time is the instant of writing; the decision's time is the
 * Clock's (`context.now`), which a test may fix.
 */
function buildWrites(uow: UnitOfWork, ids: CommandIds): StreamWrite[] {
  const { meta } = uow;
  const recordedAt = new Date().toISOString();
  return uow.pendingWrites.map((w) => ({
    streamId: w.streamId,
    expectedVersion: w.expected,
    events: w.events.map(
      (e, index): NewEvent => ({
        eventId: ids.eventId(w.streamId, index),
        type: e.type,
        schemaVersion: currentSchemaVersion(e.type),
        data: e.data,
        metadata: { actor: { id: meta.actor.id, role: meta.actor.role }, correlationId: meta.correlationId, causationId: meta.commandId, recordedAt },
      }),
    ),
  }));
}

/**
 * A concurrency conflict is decided again, up to MAX_ATTEMPTS, except that
 * with If-Match the client asked for exactly that version of the stream it
 * writes: a concurrent append that won the race is reported (409
 * CONCURRENCY_CONFLICT), never silently retried. A stream only read (the
 * session, the referential) that moved is not the client's concern.
 */
function isRetryable(error: unknown, meta: CommandMeta, writes: StreamWrite[], attempt: number): error is ConcurrencyError {
  if (!(error instanceof ConcurrencyError)) return false;
  const onWritten = writes.some((w) => w.streamId === error.streamId);
  return !(meta.ifMatch !== undefined && onWritten) && attempt < MAX_ATTEMPTS;
}

/** Full jitter, growing exponentially up to a cap. */
function backOff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)));
}

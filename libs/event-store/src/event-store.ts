import type { StreamCategory } from '@app/domain/shared/streams';

/**
 * The event store port: small enough that a KurrentDB adapter fits behind it
 * (append with expected version, read a stream, read all from a checkpoint,
 * subscribe). Everything the domain and the projections need goes through it.
 */

/** Who did it, when, why, and how it relates to other messages. Hashed with the event. */
export interface EventMetadata {
  actor: { id: string; role: string };
  correlationId: string;
  causationId: string | null;
  recordedAt: string;
  [key: string]: unknown;
}

export interface NewEvent<T extends string = string, D = unknown> {
  /** Omit to get a fresh uuid; give one to make the append idempotent. */
  eventId?: string;
  type: T;
  schemaVersion?: number;
  data: D;
  metadata: EventMetadata;
}

export interface StoredEvent<T extends string = string, D = any> {
  globalPosition: number;
  /** PostgreSQL transaction id (xid8) as a decimal string: the gap-safe ordering key. */
  transactionId: string;
  streamId: string;
  version: number;
  eventId: string;
  type: T;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  recordedAt: string;
  /** Leaf hash: SHA-256 of the RFC 8785 canonical JSON of the event (see libs/proof/src/canonical.js). */
  hash: string;
}

/**
 * 'no-stream': the stream must not exist yet; 'any': no check;
 * a number: the stream's current version must be exactly that (0 = no stream).
 */
export type ExpectedVersion = 'no-stream' | 'any' | number;

export interface AppendResult {
  streamId: string;
  /** Stream version after the append (the version of its last event). */
  streamVersion: number;
  /** Global positions of the appended events, in order. */
  positions: number[];
  lastPosition: number;
}

export interface StreamWrite {
  streamId: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
}

/** A reader's place in the gap-safe global order: (transaction id, position). */
export interface LogCheckpoint {
  transactionId: string;
  position: number;
}

export const LOG_START: LogCheckpoint = Object.freeze({ transactionId: '0', position: 0 });

/**
 * Order of the gap-safe log: transaction id (xid8, compared as a big
 * integer), then position. The one comparator of checkpoints.
 */
export function compareCheckpoints(a: LogCheckpoint, b: LogCheckpoint): number {
  const ta = BigInt(a.transactionId);
  const tb = BigInt(b.transactionId);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.position - b.position;
}

/** The checkpoint just after an event: where a reader that handled it goes on from. */
export const checkpointOf = (event: Pick<StoredEvent, 'transactionId' | 'globalPosition'>): LogCheckpoint => ({ transactionId: event.transactionId, position: event.globalPosition });

export interface ReadOptions {
  /**
   * Bring each event to the current schema version of its type (the domain's
   * upcasters: data and schemaVersion). Off by default: the stored shape is
   * what the ledger hashes; readers that fold or show events turn it on.
   */
  upcast?: boolean;
}

export interface ReadAllOptions extends ReadOptions {
  after?: LogCheckpoint;
  limit?: number;
  /**
   * False: each event's `metadata` and `hash` are not read (they come back as
   * `null`), for readers that fold the events' data only, such as a
   * projection rebuild, where parsing them was about a third of the time.
   * Default true.
   */
  metadata?: boolean;
}

export interface ReadStreamOptions extends ReadOptions {
  fromVersion?: number;
  toVersion?: number;
}

/** One stream of a readStreams call, from a version on (default 1). */
export interface StreamRead {
  streamId: string;
  fromVersion?: number;
}

/**
 * A cut of the log: only events at or below a position and/or recorded at or
 * before a time. Every committed event up to the cut counts (not only those
 * past the gap-safe horizon, which another session's open transaction may hold back).
 */
export interface LogCut {
  position?: number;
  /** ISO timestamp, compared with recordedAt. */
  recordedAt?: string;
}

/** What a filtered read keeps: event types, a cut, a recordedAt window, events past a position. */
export interface EventFilter extends ReadOptions {
  /** Only these types (all when absent). */
  types?: readonly string[];
  cut?: LogCut;
  /** recordedAt at or after this ISO timestamp. */
  recordedFrom?: string;
  /** Only events past this global position (paging). */
  afterPosition?: number;
}

/** A filter with a page size: the first `limit` events in position order. */
export interface PagedFilter extends EventFilter {
  limit?: number;
}


/** A count of events: of some types, in streams of one category, with one data field equal to a value. */
export interface EventCount {
  types?: readonly string[];
  category?: StreamCategory;
  /** A field of the data by its path (['document', 'code']) and the text it must equal. */
  field?: { path: readonly string[]; equals: string };
  /** Count only what gap-safe readers can see (progress totals), not every committed event. */
  gapSafe?: boolean;
}

export interface Subscription {
  stop(): Promise<void>;
  /** A reader waits for what the subscriber writes: the next batch is read now, not after `minIntervalMs`. */
  hurry?(): void;
}

export interface SubscribeOptions extends ReadOptions {
  from: LogCheckpoint;
  batchSize?: number;
  /** As in readAll: false leaves `metadata` and `hash` unread (null). Default true. */
  metadata?: boolean;
  /**
   * Least time between two batches while appends keep coming, in ms (default
   * 0: every wake-up reads). The first append after a quiet spell is handed
   * over at once; under a steady flow, one batch per interval, fewer and
   * larger, each paying its transaction once. A full batch is followed at once
   * (catching up).
   */
  minIntervalMs?: number;
  /** Called with each batch in gap-safe order; the next batch starts after the last event handled. */
  handle(events: StoredEvent[]): Promise<void>;
  onError?(error: unknown): void;
}

/** A stream a decision read without writing it, at the version it read (0: it did not exist). */
export interface StreamVersion {
  streamId: string;
  version: number;
}

export interface AppendOptions {
  expectedVersion: ExpectedVersion;
  /**
   * Streams that must still be at these versions when the events are written
   * (what the decision read besides the stream it writes): otherwise nothing
   * is written and a ConcurrencyError names the stream that moved.
   */
  unchanged?: StreamVersion[];
}

/** The reads of the log. */
export interface LogReader {
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /**
   * Several streams in one round trip (a command's reads, a time-travel fold):
   * one array per read, in the order asked, each in version order; with a
   * filter, only its types up to its cut.
   */
  readStreams(reads: StreamRead[], filter?: EventFilter): Promise<StoredEvent[][]>;
  /** Gap-safe global reading from a checkpoint, in (transaction id, position) order. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
}

/** A connection whose transaction the caller holds open, as the adapter knows it (a pg client for PostgreSQL). */
export type OpenTransaction = object;

export interface EventStore extends LogReader {
  /**
   * The reads on a connection whose transaction the caller holds open: a
   * projection switching generations reads the log inside its own
   * transaction (on the embedded database that connection is the only one).
   */
  within(transaction: OpenTransaction): LogReader;
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Several streams in one transaction: all appended or none (e.g. a jury decision and the candidate's file). */
  appendMany(writes: StreamWrite[], options?: { unchanged?: StreamVersion[] }): Promise<AppendResult[]>;
  streamVersion(streamId: string): Promise<number>;
  subscribe(options: SubscribeOptions): Subscription;
  /** The highest global position committed and visible to gap-safe readers. */
  headPosition(): Promise<number>;
  /** The highest global position committed, whether or not gap-safe readers see it yet (0 for an empty log). */
  lastPosition(): Promise<number>;
  /**
   * The greatest (transaction id, position) among committed events at or
   * below `position`: once a gap-safe reader passes it, nothing at or below
   * `position` is left to read. Null when no event is at or below it.
   */
  checkpointAtOrBefore(position: number): Promise<LogCheckpoint | null>;
  /** True when no event holds `position` and the log has passed it (a sequence value lost to a rolled-back append). */
  positionSkipped(position: number): Promise<boolean>;
  /** The ids (after the category's prefix) of the streams of a category that hold events, in id order. */
  streamIdsOf(category: StreamCategory): Promise<string[]>;
  /** The jury events naming this candidate (`data.candidateId`), in position order, through events_jury_by_candidate. */
  readJuryEventsAbout(candidateId: string, filter?: PagedFilter): Promise<StoredEvent[]>;
  /** Every event of these types, in position order (a scan of the log: exports and back-office folds only). */
  readByType(types: readonly string[], options?: ReadOptions): Promise<StoredEvent[]>;
  countEvents(count?: EventCount): Promise<number>;
}

export class ConcurrencyError extends Error {
  readonly code = 'CONCURRENCY_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
    this.name = 'ConcurrencyError';
  }
}

export class EventStoreInputError extends Error {
  readonly code = 'INVALID_EVENT_STORE_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreInputError';
  }
}

/** The database refused or could not be reached: the caller should answer 503, not 500. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

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

export interface ReadAllOptions {
  after?: LogCheckpoint;
  limit?: number;
}

export interface ReadStreamOptions {
  fromVersion?: number;
  toVersion?: number;
}

/** One stream of a readStreams call, from a version on (default 1). */
export interface StreamRead {
  streamId: string;
  fromVersion?: number;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface SubscribeOptions {
  from: LogCheckpoint;
  batchSize?: number;
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

export interface EventStore {
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Several streams in one transaction: all appended or none (e.g. a jury decision and the candidate's file). */
  appendMany(writes: StreamWrite[], options?: { unchanged?: StreamVersion[] }): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** Several streams in one round trip (a command's reads): one array per read, in the order asked. */
  readStreams(reads: StreamRead[]): Promise<StoredEvent[][]>;
  streamVersion(streamId: string): Promise<number>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  subscribe(options: SubscribeOptions): Subscription;
  /** The highest global position committed and visible to gap-safe readers. */
  headPosition(): Promise<number>;
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

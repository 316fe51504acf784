/// <reference types="node" />
// Type declarations for verify-bundle.js (a dependency-free CommonJS module, also runnable as a CLI).
import type { KeyObject } from 'node:crypto';

/** 64 '0' hex characters: the chain value before the first event, h(0). */
export declare const GENESIS: string;
/** The `format` field of a bundle header: "cert-ledger-bundle/1". */
export declare const BUNDLE_FORMAT: 'cert-ledger-bundle/1';

/** The seven fields of a stored event that are hashed into its leaf (other properties are ignored). */
export interface LedgerEvent {
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: unknown;
  /** recordedAt, actor, correlationId, causationId...: the whole object is hashed. */
  metadata: unknown;
}

/** The signed fields of a checkpoint: `head` = h(size), `time` an ISO timestamp. */
export interface CheckpointFields {
  origin: string;
  size: number;
  head: string;
  time: string;
}

export interface SignedCheckpoint extends CheckpointFields {
  /** Base64 Ed25519 signature over canonicalize({ origin, size, head, time }) as UTF-8. */
  signature: string;
}

/** An older checkpoint used to prove that a newer bundle only appended (origin/time/signature optional). */
export interface PreviousCheckpoint {
  size: number;
  head: string;
  origin?: string;
  time?: string;
  signature?: string;
}

/** Line 1 of a bundle. */
export interface BundleHeader {
  kind: 'header';
  format: 'cert-ledger-bundle/1';
  origin: string;
  /** SPKI PEM of the Ed25519 key that signed the checkpoints. */
  publicKey: string;
  /** keyFingerprint(publicKey). */
  keyFingerprint: string;
  /** First seq in the bundle (1 for a full export). */
  from: number;
  /** h(from - 1); GENESIS when from = 1. */
  previousHead: string;
  exportedAt: string;
}

export interface BundleEventLine {
  kind: 'event';
  seq: number;
  /** Global log position: informative, not verified. */
  position: number | string;
  leaf: string;
  chain: string;
  event: LedgerEvent;
}

export interface BundleCheckpointLine extends SignedCheckpoint {
  kind: 'checkpoint';
}

export type BundleLine = BundleHeader | BundleEventLine | BundleCheckpointLine;

export interface VerifyOptions {
  /** Older checkpoint (see loadPrevious): the bundle must extend it. */
  previous?: PreviousCheckpoint;
  /** Pinned public key (PEM): the bundle header key must be this key. */
  publicKeyPem?: string | KeyObject;
  /** Called after each verified event with its seq. */
  onProgress?: (seq: number) => void;
  /**
   * File input only: worker threads recomputing leaves (0 = all in this thread). Default: one per
   * CPU core (at most 8) for a file of 32 MiB or more on a machine with several cores, else 0.
   * The verdict does not depend on it.
   */
  workers?: number;
  /** File input only: bytes read at a time (default 120,000); a smaller value is for tests. */
  blockBytes?: number;
}

export interface VerifyOk {
  ok: true;
  /** Number of event lines verified. */
  events: number;
  /** Seq of the last event (from - 1 when the bundle holds no event). */
  lastSeq: number;
  /** h(lastSeq), recomputed. */
  head: string;
  /** Number of signed checkpoints verified. */
  checkpoints: number;
  keyFingerprint: string;
  from: number;
  origin: string;
}

export interface VerifyFailure {
  ok: false;
  /** Sequence number at which verification failed (for a header fault: the bundle's first seq). */
  firstBadSeq: number;
  /** 1-based line number where the fault was detected (the last line for end-of-bundle faults). */
  line: number;
  /** What is wrong, as an English sentence. */
  reason: string;
}

export type VerifyResult = VerifyOk | VerifyFailure;

/** RFC 8785 canonical JSON. Throws TypeError on non-JSON values (function, symbol, bigint, NaN/Infinity, cycles). */
export declare function canonicalize(value: unknown): string;
/** Lowercase hex SHA-256 (strings are hashed as UTF-8). */
export declare function sha256Hex(data: string | Buffer | Uint8Array): string;
/** sha256Hex(canonicalize({ eventId, streamId, version, type, schemaVersion, data, metadata })). */
export declare function leafHash(event: LedgerEvent): string;
/** sha256Hex(bytes(prevHex) || bytes(leafHex)); both must be 64 lowercase hex characters. */
export declare function chainHash(prevHex: string, leafHex: string): string;
/** 'sha256:' + hex SHA-256 of the key's DER SPKI encoding. Throws unless the key is Ed25519. */
export declare function keyFingerprint(publicKeyPem: string | Buffer | KeyObject): string;
/** Sign with an Ed25519 private key; returns { origin, size, head, time, signature }. */
export declare function signCheckpoint(checkpoint: CheckpointFields, privateKey: string | Buffer | KeyObject): SignedCheckpoint;
/** True iff the signature is valid for this key; never throws. */
export declare function verifyCheckpointSignature(
  checkpoint: Partial<SignedCheckpoint>,
  publicKeyPem: string | Buffer | KeyObject,
): boolean;
/**
 * Streaming verification of a bundle given as a file path, a readable byte stream, or an
 * (async) iterable of lines. Resolves to a result; rejects only on I/O errors or invalid options.
 */
export declare function verifyBundle(
  input: string | NodeJS.ReadableStream | AsyncIterable<string> | Iterable<string>,
  options?: VerifyOptions,
): Promise<VerifyResult>;
/** Last checkpoint of an older bundle file, or the checkpoint held in a JSON file. */
export declare function loadPrevious(path: string): Promise<PreviousCheckpoint>;

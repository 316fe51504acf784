import * as crypto from 'node:crypto';
import { BUNDLE_FORMAT, chainHash, GENESIS, keyFingerprint, leafHash, type LedgerEvent, signCheckpoint } from '../canonical';
import { cosignCheckpoint, rawPublicKey } from '../witness';

/**
 * Bundles with witness cosignatures, built without a server exactly as the export
 * writes them: for the verifier's tests, the bench, and the test vectors of
 * docs/auditors.md (which need everything deterministic: keys from seeds, fixed
 * times and ids).
 */

/** An Ed25519 key pair from a 32-byte seed (PKCS#8 prefix + seed): deterministic keys for tests and vectors only. */
export function keyFromSeed(seed: string): { privateKey: crypto.KeyObject; publicKeyPem: string } {
  const bytes = crypto.createHash('sha256').update(seed).digest();
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), bytes]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKeyPem: crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string };
}

export interface Witness {
  name: string;
  privateKey: crypto.KeyObject;
}

export interface BundleBuilderOptions {
  origin: string;
  certifier: { privateKey: crypto.KeyObject; publicKeyPem: string };
  /** A checkpoint every this many events. */
  every: number;
  /** Checkpoint times and event times start here, one second apart. */
  start?: Date;
  /** Unix seconds of the cosignatures. */
  cosignTime?: number;
}

/** Appends events; signs a checkpoint every `every`; `cosign` adds CheckpointCosigned events for the last checkpoint. */
export class WitnessBundleBuilder {
  readonly lines: string[] = [];
  private head = GENESIS;
  private size = 0;
  private sinceCheckpoint = 0;
  private lastCheckpoint: { size: number; head: string } | null = null;
  private counter = 0;

  constructor(private readonly options: BundleBuilderOptions) {
    const { certifier, origin } = options;
    this.lines.push(
      JSON.stringify({ kind: 'header', format: BUNDLE_FORMAT, origin, publicKey: certifier.publicKeyPem, keyFingerprint: keyFingerprint(certifier.publicKeyPem), from: 1, previousHead: GENESIS, exportedAt: this.time(0) }),
    );
  }

  private time(n: number): string {
    return new Date((this.options.start ?? new Date('2026-01-01T00:00:00.000Z')).getTime() + n * 1000).toISOString();
  }

  /** A deterministic UUID-shaped id. */
  private id(): string {
    const h = crypto.createHash('sha256').update(`${this.options.origin}:${++this.counter}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  event(streamId: string, type: string, data: unknown, actor = { id: 'admin-1', role: 'admin' }): this {
    const event: LedgerEvent = {
      eventId: this.id(),
      streamId,
      version: 1,
      type,
      schemaVersion: 1,
      data,
      metadata: { actor, correlationId: this.id(), causationId: null, recordedAt: this.time(this.size + 1) },
    };
    const leaf = leafHash(event);
    this.head = chainHash(this.head, leaf);
    this.size++;
    this.lines.push(JSON.stringify({ kind: 'event', seq: this.size, position: this.size, leaf, chain: this.head, event }));
    if (++this.sinceCheckpoint >= this.options.every) this.checkpoint();
    return this;
  }

  checkpoint(): this {
    if (this.lastCheckpoint?.size === this.size) return this;
    const cp = signCheckpoint({ origin: this.options.origin, size: this.size, head: this.head, time: this.time(this.size) }, this.options.certifier.privateKey);
    this.lines.push(JSON.stringify({ kind: 'checkpoint', ...cp }));
    this.lastCheckpoint = { size: this.size, head: this.head };
    this.sinceCheckpoint = 0;
    return this;
  }

  registerWitness(w: Witness): this {
    const raw = rawPublicKey(w.privateKey);
    const pem = crypto.createPublicKey(w.privateKey).export({ type: 'spki', format: 'pem' }) as string;
    return this.event(`witness-${w.name}`, 'WitnessRegistered', { name: w.name, publicKey: raw.toString('base64'), keyFingerprint: keyFingerprint(pem) });
  }

  /** `w` cosigns the last checkpoint (or the one given). */
  cosign(w: Witness, checkpoint = this.lastCheckpoint, previousSize: number | null = null): this {
    if (!checkpoint) throw new Error('no checkpoint to cosign');
    const timestamp = this.options.cosignTime ?? 1_767_225_600;
    const { signature } = cosignCheckpoint({ origin: this.options.origin, ...checkpoint }, w.name, w.privateKey, timestamp);
    return this.event(`cosignature-${w.name}@${checkpoint.size}`, 'CheckpointCosigned', {
      witness: w.name,
      publicKey: rawPublicKey(w.privateKey).toString('base64'),
      origin: this.options.origin,
      size: checkpoint.size,
      head: checkpoint.head,
      signature,
      timestamp,
      previousSize,
    }, { id: `${w.name}-operator`, role: 'regulator' });
  }

  /** Closes with a checkpoint covering everything. */
  finish(): string[] {
    this.checkpoint();
    return this.lines;
  }
}

/**
 * A fork made by whoever holds the certifier's key: `change` rewrites some events,
 * then every leaf, chain value and checkpoint is recomputed and re-signed with
 * that key. Witness cosignatures cannot be re-made: they are kept as they were.
 */
export function forkAndResign(lines: string[], certifierKey: crypto.KeyObject, change: (event: LedgerEvent, seq: number) => LedgerEvent): string[] {
  let head = GENESIS;
  return lines.map((text) => {
    const rec = JSON.parse(text);
    if (rec.kind === 'header') {
      head = rec.previousHead;
      return text;
    }
    if (rec.kind === 'event') {
      const event = change(rec.event, rec.seq);
      const leaf = leafHash(event);
      head = chainHash(head, leaf);
      return JSON.stringify({ ...rec, leaf, chain: head, event });
    }
    const { kind: _kind, signature: _signature, ...fields } = rec;
    return JSON.stringify({ kind: 'checkpoint', ...signCheckpoint({ ...fields, head }, certifierKey) });
  });
}

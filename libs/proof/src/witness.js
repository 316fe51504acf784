// @ts-check
'use strict';
/**
 * Witness cosignatures of ledger checkpoints: the bytes a witness signs, and the checks the offline
 * verifier makes of the cosignatures a bundle carries. Node.js built-ins only, like the other files of
 * the verifier, and used by the server, the witness command line and the verifier alike.
 *
 * The format follows C2SP tlog-cosignature ("cosignature/v1"), over a C2SP tlog-checkpoint body:
 *
 *   body     = origin "\n" size (decimal) "\n" base64(32 raw bytes of head) "\n"
 *   message  = "cosignature/v1\n" "time " timestamp (decimal Unix seconds) "\n" body
 *   keyId    = first 4 bytes of SHA-256(name "\n" 0x04 publicKey(32 raw bytes))
 *   blob     = keyId (4) || timestamp (8, big-endian) || Ed25519 signature of message (64)
 *   the note signature line: "\u2014 " name " " base64(blob) "\n"
 *
 * The ledger keeps a cosignature as a `CheckpointCosigned` event and a witness key as a
 * `WitnessRegistered` event, so both are hashed into the chain like any other event: dropping or
 * changing one breaks the chain, and the bundle carries them without a line kind of its own.
 */
const crypto = require('node:crypto');
const { isHex64 } = require('./canonical');

/** Event types the verifier reads the content of (every other event only has its leaf recomputed). */
const WITNESS_REGISTERED = 'WitnessRegistered';
const CHECKPOINT_COSIGNED = 'CheckpointCosigned';
const WITNESS_EVENT_TYPES = /** @type {const} */ ([WITNESS_REGISTERED, CHECKPOINT_COSIGNED]);

/** A witness name: what its note signature lines and key id carry (no spaces, no '+', as C2SP asks). */
const WITNESS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo: what precedes the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The 32 raw bytes of an Ed25519 public key given as SPKI PEM, as base64 of the 32 bytes, or as a
 * KeyObject. Throws on anything else.
 * @param {string | Buffer | crypto.KeyObject} key @returns {Buffer}
 */
function rawPublicKey(key) {
  if (typeof key === 'string' && !key.includes('-----BEGIN')) {
    const text = key.trim();
    const raw = Buffer.from(text, 'base64');
    if (raw.length !== 32 || raw.toString('base64') !== text) throw new TypeError('expected an Ed25519 public key: SPKI PEM, or base64 of its 32 bytes');
    return raw;
  }
  const k = key instanceof crypto.KeyObject ? key : crypto.createPublicKey(key);
  const pub = k.type === 'private' ? crypto.createPublicKey(k) : k;
  if (pub.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 key, got ${pub.asymmetricKeyType}`);
  return pub.export({ type: 'spki', format: 'der' }).subarray(ED25519_SPKI_PREFIX.length);
}

/** KeyObjects by base64 raw key: a bundle carries a handful of witness keys, each in many cosignatures. */
const keyCache = new Map();
const KEY_CACHE_MAX = 64;

/** A KeyObject from the 32 raw bytes of an Ed25519 public key (making one costs about ten signature checks). @param {Buffer} raw */
function publicKeyFromRaw(raw) {
  const id = raw.toString('base64');
  let key = keyCache.get(id);
  if (key === undefined) {
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    key = crypto.createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    keyCache.set(id, key);
  }
  return key;
}

/** SPKI PEM of a raw Ed25519 public key. @param {Buffer} raw @returns {string} */
function pemFromRaw(raw) {
  return /** @type {string} */ (publicKeyFromRaw(raw).export({ type: 'spki', format: 'pem' }));
}

/** C2SP key id of a witness: 4 bytes. @param {string} name @param {Buffer} raw */
function witnessKeyId(name, raw) {
  return crypto.createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, 0x04])).update(raw).digest().subarray(0, 4);
}

/**
 * The checkpoint body a witness cosigns (C2SP tlog-checkpoint, without extension lines).
 * @param {{origin: string, size: number, head: string}} checkpoint @returns {string}
 */
function checkpointBody({ origin, size, head }) {
  if (typeof origin !== 'string' || origin === '' || origin.includes('\n') || !Number.isSafeInteger(size) || size < 0 || !isHex64(head)) {
    throw new TypeError('checkpointBody: expects {origin: one line, size: integer >= 0, head: 64-hex}');
  }
  return `${origin}\n${size}\n${Buffer.from(head, 'hex').toString('base64')}\n`;
}

/** The exact bytes a witness signs. @param {{origin: string, size: number, head: string}} checkpoint @param {number} timestamp Unix seconds */
function cosignedMessage(checkpoint, timestamp) {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('cosignedMessage: timestamp must be an integer >= 0 (Unix seconds)');
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointBody(checkpoint)}`, 'utf8');
}

/**
 * Cosign a checkpoint (the witness's side). Returns the base64 blob that the API takes and the
 * bundle carries, and the note signature line.
 * @param {{origin: string, size: number, head: string}} checkpoint
 * @param {string} name @param {string | Buffer | crypto.KeyObject} privateKey Ed25519 private key (PEM or KeyObject)
 * @param {number} timestamp Unix seconds
 * @returns {{signature: string, line: string}}
 */
function cosignCheckpoint(checkpoint, name, privateKey, timestamp) {
  if (!WITNESS_NAME.test(name)) throw new TypeError(`a witness name is 1 to 64 of [A-Za-z0-9._-], got ${JSON.stringify(name)}`);
  const key = privateKey instanceof crypto.KeyObject ? privateKey : crypto.createPrivateKey(privateKey);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('cosignCheckpoint: expects an Ed25519 private key');
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const sig = crypto.sign(null, cosignedMessage(checkpoint, timestamp), key);
  const signature = Buffer.concat([witnessKeyId(name, rawPublicKey(key)), time, sig]).toString('base64');
  return { signature, line: `\u2014 ${name} ${signature}\n` };
}

/**
 * Why a cosignature does not verify, or null when it does: `signature` (base64 of keyId ||
 * timestamp || Ed25519 signature) by the witness `name` holding `publicKey` over the checkpoint.
 * Never throws.
 * @param {{origin: string, size: number, head: string}} checkpoint
 * @param {{name: unknown, publicKey: unknown, signature: unknown}} cosignature publicKey: base64 of the 32 raw bytes
 * @returns {{problem: string} | {timestamp: number}}
 */
function checkCosignature(checkpoint, { name, publicKey, signature }) {
  try {
    if (typeof name !== 'string' || !WITNESS_NAME.test(name)) return { problem: 'the witness name is malformed' };
    if (typeof publicKey !== 'string') return { problem: 'the witness public key is missing' };
    const raw = rawPublicKey(publicKey);
    if (typeof signature !== 'string') return { problem: 'the cosignature is missing' };
    const blob = Buffer.from(signature, 'base64');
    if (blob.length !== 76 || blob.toString('base64') !== signature) return { problem: 'the cosignature is not base64 of 76 bytes (key id, timestamp, signature)' };
    if (!blob.subarray(0, 4).equals(witnessKeyId(name, raw))) return { problem: `the cosignature's key id is not that of witness ${name} with this key` };
    const timestamp = Number(blob.readBigUInt64BE(4));
    if (!Number.isSafeInteger(timestamp)) return { problem: 'the cosignature timestamp is out of range' };
    if (!crypto.verify(null, cosignedMessage(checkpoint, timestamp), publicKeyFromRaw(raw), blob.subarray(12))) {
      return { problem: `the Ed25519 signature of witness ${name} does not verify over checkpoint size ${checkpoint.size}, head ${checkpoint.head}` };
    }
    return { timestamp };
  } catch (e) {
    return { problem: `the cosignature cannot be checked: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Whether a line's event is a CheckpointCosigned whose cosignature verifies over the origin, size
 * and head it names: depends on the event alone, so a worker thread can do it (the signature check
 * is the costly part); the checker still compares the origin with the bundle's and the head with
 * its chain.
 * @param {any} event @returns {boolean}
 */
function preverify(event) {
  const data = event.type === CHECKPOINT_COSIGNED ? event.data : null;
  if (data === null || typeof data !== 'object' || typeof data.origin !== 'string') return false;
  try {
    return 'timestamp' in checkCosignature({ origin: data.origin, size: data.size, head: data.head }, { name: data.witness, publicKey: data.publicKey, signature: data.signature });
  } catch {
    return false;
  }
}

/** Chain hash folding, for a consistency proof: h(M) from h(N) and the leaves N+1..M. @param {string} head @param {Iterable<string>} leaves */
function foldLeaves(head, leaves) {
  let running = head;
  for (const leaf of leaves) {
    if (!isHex64(leaf)) throw new TypeError('foldLeaves: a leaf is not a 64-character lowercase hex digest');
    running = crypto.createHash('sha256').update(Buffer.from(running, 'hex')).update(Buffer.from(leaf, 'hex')).digest('hex');
  }
  return running;
}

/**
 * A witness key pinned on the verifier's command line (`--witness-key FILE`).
 * @typedef {{file: string, raw: Buffer}} PinnedWitness
 */
/**
 * A checkpoint cosigned in an older export (`--previous`): this bundle must agree with it.
 * @typedef {{size: number, head: string, witness: string}} CosignedCheckpoint
 */

/**
 * The witness checks of a bundle, fed in bundle order by the BundleChecker: the checkpoints it
 * verified, and the witness events. Each method returns null, or what is wrong.
 */
class WitnessChecks {
  /**
   * @param {PinnedWitness[]} pinned witnesses that must have cosigned something in the bundle
   * @param {CosignedCheckpoint[]} previousCosigned from an older export, any order
   */
  constructor(pinned = [], previousCosigned = []) {
    this.pinned = pinned;
    /** @type {number[]} how many valid cosignatures each pinned witness made */
    this.pinnedCount = pinned.map(() => 0);
    /** @type {Map<number, string>} head of every checkpoint verified so far, by size */
    this.heads = new Map();
    /** @type {Map<string, string>} witness name -> base64 public key, from WitnessRegistered events */
    this.registered = new Map();
    this.cosignatures = 0;
    this.origin = '';
    this.from = 1;
    this.previousCosigned = [...previousCosigned].sort((a, b) => a.size - b.size);
    this.nextPrevious = 0;
    /** The next size at which the chain must equal a head cosigned in the older export (Infinity: none). */
    this.watchSize = this.previousCosigned.length ? this.previousCosigned[0].size : Infinity;
  }

  /** The header: the ledger's origin, the first seq and h(from - 1). @param {string} origin @param {number} from @param {string} previousHead @returns {string|null} */
  start(origin, from, previousHead) {
    this.origin = origin;
    this.from = from;
    this.heads.set(from - 1, previousHead);
    while (this.watchSize < from - 1) this.advanceWatch();
    return this.chainAt(from - 1, previousHead);
  }

  advanceWatch() {
    this.nextPrevious++;
    this.watchSize = this.nextPrevious < this.previousCosigned.length ? this.previousCosigned[this.nextPrevious].size : Infinity;
  }

  /**
   * The chain at `size` (called at the header for from-1, then when seq reaches watchSize):
   * a split view if it differs from a head cosigned in the older export.
   * @param {number} size @param {string} head @returns {string|null}
   */
  chainAt(size, head) {
    while (this.watchSize === size) {
      const cp = this.previousCosigned[this.nextPrevious];
      this.advanceWatch();
      if (cp.head !== head) {
        return `split view: the previous export holds checkpoint (size ${size}, head ${cp.head}) cosigned by witness ${cp.witness}, but this bundle's chain has head ${head} at size ${size}`;
      }
    }
    return null;
  }

  /** A checkpoint the checker verified. @param {number} size @param {string} head */
  checkpoint(size, head) {
    this.heads.set(size, head);
  }

  /**
   * A witness event (already verified as part of the chain at `seq`). `preverified`: its
   * cosignature was checked already (preverify(), in a worker thread) over the origin it names.
   * @param {number} seq @param {any} event @param {boolean} [preverified] @returns {string|null}
   */
  event(seq, event, preverified = false) {
    const data = event.data;
    if (data === null || typeof data !== 'object') return `event ${seq} (${event.type}) has no data`;
    if (event.type === WITNESS_REGISTERED) {
      let raw;
      try {
        raw = rawPublicKey(data.publicKey);
      } catch {
        return `event ${seq} registers witness ${JSON.stringify(data.name)} with a key that is not an Ed25519 public key`;
      }
      if (typeof data.name !== 'string' || !WITNESS_NAME.test(data.name)) return `event ${seq} registers a witness with a malformed name`;
      this.registered.set(data.name, raw.toString('base64'));
      return null;
    }
    // CheckpointCosigned: {witness, publicKey, origin, size, head, signature, timestamp, previousSize}
    const { witness, publicKey, size, head } = data;
    if (!Number.isSafeInteger(size) || size < 0 || !isHex64(head)) return `event ${seq}: a cosignature without a checkpoint size and head`;
    const named = `checkpoint (size ${size}, head ${head}) cosigned by witness ${JSON.stringify(witness)} (event ${seq})`;
    if (data.origin !== this.origin) return `${named}: it names the origin ${JSON.stringify(data.origin)}, not the bundle's`;
    if (!preverified) {
      const checked = checkCosignature({ origin: this.origin, size, head }, { name: witness, publicKey, signature: data.signature });
      if ('problem' in checked) return `${named}: ${checked.problem}`;
    }
    const registeredKey = this.registered.get(witness);
    if (registeredKey !== undefined && registeredKey !== publicKey) return `${named}: the key is not the one registered for this witness`;
    if (registeredKey === undefined && this.from === 1) return `${named}: no WitnessRegistered event before it registers this witness`;
    if (size >= this.from - 1) {
      const ours = this.heads.get(size);
      if (ours === undefined) return `${named}: this bundle has no checkpoint at size ${size}`;
      if (ours !== head) return `the bundle's history diverges from ${named}: the bundle's checkpoint at size ${size} has head ${ours}`;
    }
    this.cosignatures++;
    const raw = Buffer.from(publicKey, 'base64');
    this.pinned.forEach((p, i) => {
      if (p.raw.equals(raw)) this.pinnedCount[i]++;
    });
    return null;
  }

  /** A pinned witness signed a key rotation of this bundle (the verifier checked it): it vouched for this ledger. @param {Buffer} raw */
  rotationCosignedBy(raw) {
    this.pinned.forEach((p, i) => {
      if (p.raw.equals(raw)) this.pinnedCount[i]++;
    });
  }

  /** End of bundle: every pinned witness must have cosigned something (a checkpoint, or a key rotation). @returns {string|null} */
  end() {
    for (let i = 0; i < this.pinned.length; i++) {
      if (this.pinnedCount[i] === 0) {
        return `witness key ${this.pinned[i].file} (${this.pinned[i].raw.toString('base64')}) cosigned no checkpoint of this bundle`;
      }
    }
    return null;
  }
}

module.exports = {
  WITNESS_REGISTERED,
  CHECKPOINT_COSIGNED,
  WITNESS_EVENT_TYPES,
  WITNESS_NAME,
  rawPublicKey,
  pemFromRaw,
  publicKeyFromRaw,
  witnessKeyId,
  checkpointBody,
  cosignedMessage,
  cosignCheckpoint,
  checkCosignature,
  preverify,
  foldLeaves,
  WitnessChecks,
};

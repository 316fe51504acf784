// @ts-check
'use strict';
/**
 * Rotation of the ledger's signing key, as the server writes it and as the verifier follows it.
 *
 * A rotation is an ordinary event of the log, in the stream KEY_STREAM, of type ROTATION_TYPE: the
 * chain and the checkpoints cover it like any other event, and every export carries it. Its data
 * is a *statement* naming the key in force before it and the key that replaces it, signed
 *
 *  - by the key in force before it (`signatures.previous`): the certifier vouches for its new key;
 *  - by the new key (`signatures.next`): whoever announced it holds it (proof of possession);
 *
 * both over the same bytes, the canonical JSON of the statement (rotationPayload). A rotation that
 * the previous key cannot sign (that key was lost or stolen) carries `witnessSignatures` instead:
 * signatures of the same bytes by witnesses the verifier is told to trust (`--witness-key`).
 *
 * The key in force at a ledger size s is the one named by the last rotation at seq <= s (the key
 * the verifier started from when there is none): the checkpoint at size s must be signed by it.
 *
 * Plain CommonJS, Node.js built-ins, canonical.js and witness.js only, like the rest of the verifier.
 */
const crypto = require('node:crypto');
const { canonicalize, isHex64, keyFingerprint, toPublicKey } = require('./canonical');
const { publicKeyFromRaw } = require('./witness');

/** The stream that holds the rotations of the ledger's key. */
const KEY_STREAM = 'ledger-keys';
/** The event type of a rotation. */
const ROTATION_TYPE = 'SigningKeyRotated';
/** The `format` of a rotation statement. */
const ROTATION_FORMAT = /** @type {const} */ ('cert-ledger-key-rotation/1');

/**
 * What a rotation states (the signed part of the event's data).
 * @typedef {object} RotationStatement
 * @property {typeof ROTATION_FORMAT} format
 * @property {string} origin the ledger
 * @property {string} previousKeyFingerprint the key in force before the rotation
 * @property {string} previousPublicKey its SPKI PEM
 * @property {string} keyFingerprint the new key
 * @property {string} publicKey its SPKI PEM
 * @property {{size: number, head: string}} after the last checkpoint signed by the previous key before the rotation
 * @property {string} rotatedAt ISO timestamp
 */
/**
 * @typedef {{keyFingerprint: string, signature: string}} WitnessSignature
 * @typedef {RotationStatement & {signatures: {previous: string | null, next: string}, witnessSignatures?: WitnessSignature[]}} RotationData
 */

/** @param {unknown} event @returns {boolean} whether this stored event is a rotation of the ledger's key */
function isRotation(event) {
  const e = /** @type {any} */ (event);
  return e !== null && typeof e === 'object' && e.streamId === KEY_STREAM && e.type === ROTATION_TYPE;
}

/** The signed bytes: canonical JSON of the statement's fields (signatures left out), UTF-8. @param {any} data */
function rotationPayload(data) {
  const { format, origin, previousKeyFingerprint, previousPublicKey, keyFingerprint: next, publicKey, after, rotatedAt } = data;
  return Buffer.from(canonicalize({ format, origin, previousKeyFingerprint, previousPublicKey, keyFingerprint: next, publicKey, after, rotatedAt }), 'utf8');
}

/** @param {crypto.KeyObject} privateKey @returns {string} SPKI PEM */
const publicPem = (privateKey) => crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();

/**
 * The data of a rotation event (used by the server). `previousKey` null: the previous key is lost,
 * the statement must then be cosigned by witnesses (addWitnessSignature) to be accepted.
 * @param {{origin: string, previousPublicKey: string, after: {size: number, head: string}, rotatedAt: string}} fields
 * @param {crypto.KeyObject | null} previousKey private key in force before the rotation
 * @param {crypto.KeyObject} nextKey the new private key
 * @returns {RotationData}
 */
function signRotation(fields, previousKey, nextKey) {
  if (!Number.isSafeInteger(fields.after.size) || fields.after.size < 0 || !isHex64(fields.after.head)) throw new TypeError('signRotation: after must be {size: integer >= 0, head: 64-hex}');
  const publicKey = publicPem(nextKey);
  /** @type {RotationStatement} */
  const statement = {
    format: ROTATION_FORMAT,
    origin: fields.origin,
    previousKeyFingerprint: keyFingerprint(fields.previousPublicKey),
    previousPublicKey: fields.previousPublicKey,
    keyFingerprint: keyFingerprint(publicKey),
    publicKey,
    after: { size: fields.after.size, head: fields.after.head },
    rotatedAt: fields.rotatedAt,
  };
  if (statement.keyFingerprint === statement.previousKeyFingerprint) throw new TypeError('signRotation: the new key is the key in force');
  if (previousKey !== null && keyFingerprint(publicPem(previousKey)) !== statement.previousKeyFingerprint) {
    throw new TypeError('signRotation: the previous private key does not match the previous public key');
  }
  const payload = rotationPayload(statement);
  return {
    ...statement,
    signatures: {
      previous: previousKey === null ? null : crypto.sign(null, payload, previousKey).toString('base64'),
      next: crypto.sign(null, payload, nextKey).toString('base64'),
    },
  };
}

/**
 * A witness's signature of a rotation statement (the lost-key procedure).
 * @param {any} data @param {crypto.KeyObject} witnessKey @returns {WitnessSignature}
 */
function witnessSignRotation(data, witnessKey) {
  return { keyFingerprint: keyFingerprint(publicPem(witnessKey)), signature: crypto.sign(null, rotationPayload(data), witnessKey).toString('base64') };
}

/** @param {unknown} sig @param {Buffer} payload @param {crypto.KeyObject} key @returns {boolean} never throws */
function verifies(sig, payload, key) {
  try {
    if (typeof sig !== 'string' || Buffer.from(sig, 'base64').toString('base64') !== sig) return false;
    return crypto.verify(null, payload, key, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

/**
 * A verified key: its fingerprint and public key.
 * @typedef {{fingerprint: string, key: crypto.KeyObject, publicKeyPem: string}} ChainKey
 */

/**
 * Why this rotation must not be followed, or null when it may: it belongs to `origin`, names the key
 * in force as its previous key, names a valid Ed25519 key as the new one, is signed by the new key,
 * and by the key in force, or else (that key lost) by at least one of the trusted witness keys.
 * @param {any} data the rotation event's data
 * @param {ChainKey} inForce the key in force before it
 * @param {string} origin
 * @param {ReadonlyArray<ChainKey>} [witnesses] witness keys the verifier trusts
 * @returns {string | null}
 */
function rotationProblem(data, inForce, origin, witnesses = []) {
  if (data === null || typeof data !== 'object') return 'the rotation has no statement';
  if (data.format !== ROTATION_FORMAT) return `unknown rotation format ${JSON.stringify(data.format)} (expected "${ROTATION_FORMAT}")`;
  if (data.origin !== origin) return `the rotation belongs to another ledger (origin ${JSON.stringify(data.origin)})`;
  if (data.previousKeyFingerprint !== inForce.fingerprint) {
    return `the rotation replaces key ${data.previousKeyFingerprint}, but the key in force is ${inForce.fingerprint}`;
  }
  let next;
  try {
    next = toPublicKey(data.publicKey);
    if (keyFingerprint(next) !== data.keyFingerprint) return 'the rotation\'s keyFingerprint does not match its public key';
  } catch {
    return 'the rotation does not name a valid Ed25519 public key';
  }
  if (data.keyFingerprint === inForce.fingerprint) return 'the rotation names the key in force as the new key';
  const after = data.after;
  if (after === null || typeof after !== 'object' || !Number.isSafeInteger(after.size) || after.size < 0 || !isHex64(after.head)) {
    return 'the rotation does not name the checkpoint it follows';
  }
  const signatures = data.signatures !== null && typeof data.signatures === 'object' ? data.signatures : {};
  let payload;
  try {
    payload = rotationPayload(data);
  } catch (e) {
    return `the rotation cannot be canonicalized: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!verifies(signatures.next, payload, next)) return `the rotation is not signed by its new key ${data.keyFingerprint} (no proof of possession)`;
  if (verifies(signatures.previous, payload, inForce.key)) return null;
  if (cosignersOf(data, payload, witnesses).length > 0) return null;
  if (signatures.previous === null && Array.isArray(data.witnessSignatures)) {
    return witnesses.length === 0
      ? 'the rotation is not signed by the key in force and is cosigned by witnesses, but no witness key was given (--witness-key)'
      : 'the rotation is not signed by the key in force and no trusted witness key cosigned it';
  }
  return `the rotation is not signed by the key in force ${inForce.fingerprint}`;
}

/**
 * The trusted witness keys whose signature of the rotation's statement verifies.
 * @param {any} data @param {Buffer} payload @param {ReadonlyArray<ChainKey>} witnesses @returns {ChainKey[]}
 */
function cosignersOf(data, payload, witnesses) {
  if (!Array.isArray(data.witnessSignatures)) return [];
  return witnesses.filter((k) => data.witnessSignatures.some(
    (/** @type {any} */ w) => w !== null && typeof w === 'object' && k.fingerprint === w.keyFingerprint && verifies(w.signature, payload, k.key),
  ));
}

/**
 * The trusted witness keys that cosigned a rotation (read once it was accepted): a witness that vouched
 * for a rotation vouched for this ledger.
 * @param {any} data @param {ReadonlyArray<ChainKey>} witnesses @returns {ChainKey[]}
 */
function rotationCosigners(data, witnesses) {
  return witnesses.length === 0 ? [] : cosignersOf(data, rotationPayload(data), witnesses);
}

const HEADS_KEPT = 64;

/**
 * A key of the chain, from a public key (PEM or KeyObject), or from `{raw}`, the 32 raw bytes of an
 * Ed25519 public key (the form witness keys are pinned in).
 * @param {string | Buffer | crypto.KeyObject | {raw: Uint8Array}} publicKey @returns {ChainKey}
 */
function chainKey(publicKey) {
  const given = /** @type {any} */ (publicKey);
  const key = given !== null && typeof given === 'object' && !(given instanceof crypto.KeyObject) && !Buffer.isBuffer(given) && given.raw instanceof Uint8Array
    ? toPublicKey(publicKeyFromRaw(Buffer.from(given.raw)))
    : toPublicKey(/** @type {string | Buffer | crypto.KeyObject} */ (publicKey));
  return { fingerprint: keyFingerprint(key), key, publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * The chain of keys while a bundle is read: the key in force, the rotations followed so far, and
 * the heads at the sizes the bundle vouched for (to check where each rotation says it stands).
 */
class KeyChain {
  /** @param {ChainKey} start the key in force at the start of the bundle @param {string} origin @param {ReadonlyArray<ChainKey>} [witnesses] */
  constructor(start, origin, witnesses = []) {
    this.start = start;
    this.current = start;
    this.origin = origin;
    this.witnesses = witnesses;
    this.rotations = 0;
    /** @type {ChainKey[]} keys in force earlier in the bundle, for a clearer message when one signs after it was replaced */
    this.replaced = [];
    /** @type {Map<number, string>} head of the chain at each size a checkpoint (or the bundle's start) vouched for */
    this.heads = new Map();
  }

  /** @param {number} size @param {string} head */
  vouched(size, head) {
    this.heads.set(size, head);
    // A rotation follows the checkpoint signed just before it: the latest few heads are enough, and memory stays flat.
    if (this.heads.size > HEADS_KEPT) this.heads.delete(/** @type {number} */ (this.heads.keys().next().value));
  }

  /**
   * Follow the rotation at `seq`: null when it is valid (the new key is in force from `seq` on),
   * else what is wrong with it.
   * @param {any} data @param {number} seq @returns {string | null}
   */
  rotate(data, seq) {
    const problem = rotationProblem(data, this.current, this.origin, this.witnesses);
    if (problem) return problem;
    if (data.after.size >= seq) return `the rotation claims to follow the checkpoint at size ${data.after.size}, which is not before it`;
    const head = this.heads.get(data.after.size);
    if (head !== undefined && head !== data.after.head) return `the rotation claims to follow a checkpoint at size ${data.after.size} whose head is not this ledger's`;
    this.replaced.push(this.current);
    this.current = chainKey(data.publicKey);
    this.rotations++;
    return null;
  }
}

/**
 * Follow `rotations` (statements in ledger order, e.g. read from an older bundle) from the key
 * `from`: the keys they lead to, `from` first, up to the first one that does not verify from the
 * key reached before it. Rotations that do not replace the key reached so far are skipped.
 * @param {ChainKey} from @param {ReadonlyArray<any>} rotations @param {string} origin @param {ReadonlyArray<ChainKey>} [witnesses]
 * @returns {ChainKey[]}
 */
function followRotations(from, rotations, origin, witnesses = []) {
  const reached = [from];
  for (const data of rotations) {
    const current = reached[reached.length - 1];
    if (data === null || typeof data !== 'object' || data.previousKeyFingerprint !== current.fingerprint) continue;
    if (rotationProblem(data, current, origin, witnesses) !== null) break;
    reached.push(chainKey(data.publicKey));
  }
  return reached;
}

module.exports = {
  KEY_STREAM,
  ROTATION_TYPE,
  ROTATION_FORMAT,
  isRotation,
  rotationPayload,
  signRotation,
  witnessSignRotation,
  rotationProblem,
  rotationCosigners,
  chainKey,
  KeyChain,
  followRotations,
};

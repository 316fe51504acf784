// @ts-check
'use strict';
/**
 * The canonical forms this system hashes and signs, in one place, for the server and for whoever
 * checks its proofs (the offline verifier beside this file, a regulator, a credential holder):
 *
 *  - canonical JSON (RFC 8785, "JCS"): canonicalize();
 *  - the ledger leaf of a stored event: SHA-256 of the canonical JSON of its seven stored fields
 *    (leafHash, or leafHashOfCanonical when data and metadata are already canonical text);
 *  - the hash chain: h(n) = SHA-256(h(n-1) || leaf(n)), h(0) = GENESIS (chainHash);
 *  - Ed25519 checkpoints: the signed bytes are the canonical JSON of {origin, size, head, time}
 *    (signCheckpoint, verifyCheckpointSignature), and a key is named by its fingerprint;
 *  - the name of the export format, BUNDLE_FORMAT, and the shape of its lines.
 *
 * Plain CommonJS with Node.js (>= 20) built-ins only, type-checked through its JSDoc (`// @ts-check`),
 * so that node runs it as it is, without a build, and a reader needs nothing else to follow it.
 * The server and the verifier requiring this very file is what guarantees that they hash alike.
 */
const crypto = require('node:crypto');

/** @param {unknown} s @returns {s is string} a 64-character lowercase hex digest */
const isHex64 = (s) => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

// ---- Canonical JSON (RFC 8785, "JCS") ---------------------------------------------------------
//
// The canonical form is written straight into UTF-8 bytes (the bytes that are hashed), in one
// reusable buffer, instead of being assembled from many small strings: for a typical event this
// is about twice as fast, and leafHash() never builds the canonical string at all. The output is
// byte for byte what the earlier string-building implementation produced (the tests compare the
// two on random and adversarial inputs): strings escaped exactly as JSON.stringify escapes them,
// numbers exactly as JSON.stringify writes them, keys sorted by UTF-16 code units.

/** The canonical bytes being written, and how many. One writer per call (see withWriter). */
let out = new Uint8Array(64 * 1024);
let len = 0;
/** @type {object[]} objects being serialised (cycle guard): a short array, scanned, cheaper than a Set at JSON depths */
let ancestors = [];
let writing = false;
const WRITER_KEEP = 1024 * 1024; // a buffer grown past this for one huge value is not kept afterwards

/** Make room for `n` more bytes. @param {number} n */
function reserve(n) {
  if (len + n <= out.length) return;
  let size = out.length * 2;
  while (size < len + n) size *= 2;
  const bigger = new Uint8Array(size);
  bigger.set(out.subarray(0, len));
  out = bigger;
}

/**
 * Run `write` with a fresh writer, then `finish` on the bytes written (a view, valid only during
 * the call). Re-entrant: a toJSON() that itself calls canonicalize() gets a writer of its own.
 * @template T @param {() => void} write @param {(bytes: Buffer) => T} finish @returns {T}
 */
function withWriter(write, finish) {
  const saved = writing ? { out, len, ancestors } : null;
  if (saved) {
    out = new Uint8Array(1024);
    ancestors = [];
  }
  len = 0;
  writing = true;
  try {
    write();
    return finish(Buffer.from(out.buffer, out.byteOffset, len));
  } finally {
    if (saved) {
      ({ out, len, ancestors } = saved);
    } else {
      writing = false;
      ancestors.length = 0;
      if (out.length > WRITER_KEEP) out = new Uint8Array(64 * 1024); // memory stays flat
    }
  }
}

/** Append an ASCII string (punctuation, literals, numbers). @param {string} s */
function writeAscii(s) {
  const n = s.length;
  reserve(n);
  const b = out;
  let at = len;
  for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
  len = at;
}

const HEX_DIGITS = '0123456789abcdef';

/**
 * Write at b[at...] the escape JSON.stringify writes for this code unit (a control character,
 * '"', '\\' or a lone surrogate). @param {Uint8Array} b @param {number} at @param {number} c
 * @returns {number} the position after it
 */
function writeEscape(b, at, c) {
  b[at++] = 0x5c; // backslash
  switch (c) {
    case 0x22: b[at++] = 0x22; return at; // \"
    case 0x5c: b[at++] = 0x5c; return at; // \\
    case 0x08: b[at++] = 0x62; return at; // \b
    case 0x09: b[at++] = 0x74; return at; // \t
    case 0x0a: b[at++] = 0x6e; return at; // \n
    case 0x0c: b[at++] = 0x66; return at; // \f
    case 0x0d: b[at++] = 0x72; return at; // \r
  }
  b[at++] = 0x75; // \u and four lowercase hex digits
  b[at++] = HEX_DIGITS.charCodeAt(c >> 12);
  b[at++] = HEX_DIGITS.charCodeAt((c >> 8) & 15);
  b[at++] = HEX_DIGITS.charCodeAt((c >> 4) & 15);
  b[at++] = HEX_DIGITS.charCodeAt(c & 15);
  return at;
}

/**
 * Append a string as JSON.stringify quotes it (RFC 8785 §3.2.2.2), encoded in UTF-8: '"', '\\' and
 * controls below U+0020 escaped (\b \t \n \f \r, otherwise \u00xx), lone surrogates escaped as
 * \udxxx (well-formed JSON.stringify), every other character written as itself.
 * @param {string} s
 */
function writeString(s) {
  const n = s.length;
  reserve(6 * n + 2); // the worst case: every code unit escaped as \uxxxx
  const b = out;
  let at = len;
  b[at++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) b[at++] = c;
      else at = writeEscape(b, at, c);
    } else if (c < 0x800) {
      b[at++] = 0xc0 | (c >> 6);
      b[at++] = 0x80 | (c & 63);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[at++] = 0xe0 | (c >> 12);
      b[at++] = 0x80 | ((c >> 6) & 63);
      b[at++] = 0x80 | (c & 63);
    } else {
      const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) { // a surrogate pair: one code point, four bytes
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        b[at++] = 0xf0 | (cp >> 18);
        b[at++] = 0x80 | ((cp >> 12) & 63);
        b[at++] = 0x80 | ((cp >> 6) & 63);
        b[at++] = 0x80 | (cp & 63);
        i++;
      } else {
        at = writeEscape(b, at, c);
      }
    }
  }
  b[at++] = 0x22;
  len = at;
}

/**
 * Object keys in RFC 8785 order (UTF-16 code units, what Array.prototype.sort does without a
 * comparator and what `<` compares). Already sorted keys are left alone; short lists are
 * insertion-sorted, which is faster than Array.prototype.sort for a handful of keys.
 * @param {string[]} keys @returns {string[]}
 */
function sortKeys(keys) {
  const n = keys.length;
  let i = 1;
  while (i < n && keys[i - 1] < keys[i]) i++;
  if (i >= n) return keys;
  if (n > 16) return keys.sort();
  for (; i < n; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/**
 * Append the canonical JSON of `value`. Non-JSON values throw a TypeError instead of being
 * silently altered the way JSON.stringify does (NaN -> null, functions dropped). As in
 * JSON.stringify, `undefined` object members are omitted and toJSON is honoured.
 * @param {any} value
 */
function writeValue(value) {
  if (value !== null && typeof value === 'object' && typeof value.toJSON === 'function') value = value.toJSON();
  switch (typeof value) {
    case 'string':
      writeString(value);
      return;
    case 'boolean':
      writeAscii(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalize: ${value} is not a JSON number`);
      writeAscii('' + value); // as JSON.stringify: shortest round-trip form (RFC 8785 §3.2.2.3); -0 becomes "0"
      return;
    case 'object':
      break;
    default: // undefined (outside an object), function, symbol, bigint
      throw new TypeError(`canonicalize: a ${typeof value} is not a JSON value`);
  }
  if (value === null) {
    writeAscii('null');
    return;
  }
  for (let i = 0; i < ancestors.length; i++) if (ancestors[i] === value) throw new TypeError('canonicalize: cyclic structure');
  ancestors.push(value); // the same object may legitimately appear twice, just not inside itself
  if (Array.isArray(value)) {
    writeAscii('[');
    // An index loop (not map) so that holes in sparse arrays are rejected as undefined.
    for (let i = 0; i < value.length; i++) {
      if (i > 0) writeAscii(',');
      writeValue(value[i]);
    }
    writeAscii(']');
  } else {
    const keys = sortKeys(Object.keys(value));
    writeAscii('{');
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const member = value[keys[i]];
      if (member === undefined) continue;
      if (!first) writeAscii(',');
      first = false;
      writeString(keys[i]);
      writeAscii(':');
      writeValue(member);
    }
    writeAscii('}');
  }
  ancestors.pop();
}

/**
 * Canonical JSON: keys sorted by UTF-16 code units, no whitespace, numbers and strings written
 * exactly as JSON.stringify writes them (as RFC 8785 specifies), so equal data always hashes alike.
 * Non-JSON values throw a TypeError (functions, symbols, bigints, NaN/Infinity, cycles, undefined
 * outside an object). As in JSON.stringify, `undefined` object members are omitted (they do not
 * survive storage as JSON) and toJSON is honoured (a Date hashes like its stored ISO string).
 * @param {unknown} value @returns {string}
 */
function canonicalize(value) {
  // The bytes are well-formed UTF-8 (lone surrogates are escaped), so decoding gives back the exact string.
  return withWriter(() => writeValue(value), (bytes) => bytes.toString('utf8'));
}

// ---- Hashes -----------------------------------------------------------------------------------

/** SHA-256 of bytes or of a string's UTF-8; crypto.hash (one call, Node >= 20.12) when there is one. */
const sha256 = typeof crypto.hash === 'function'
  ? /** @type {(data: string|Uint8Array, enc: any) => any} */ ((data, enc) => crypto.hash('sha256', data, enc))
  : /** @type {(data: string|Uint8Array, enc: any) => any} */ ((data, enc) => {
    const digest = crypto.createHash('sha256').update(data).digest();
    return enc === 'hex' ? digest.toString('hex') : digest;
  });

/** SHA-256 as lowercase hex; strings are hashed as UTF-8. @param {string|Buffer|Uint8Array} data */
function sha256Hex(data) {
  return sha256(data, 'hex');
}

// ---- The ledger leaf ---------------------------------------------------------------------------

/**
 * The seven stored fields of an event that its leaf hashes (other properties are ignored).
 * @typedef {object} LedgerEvent
 * @property {string} eventId
 * @property {string} streamId
 * @property {number} version
 * @property {string} type
 * @property {number} schemaVersion
 * @property {unknown} data
 * @property {unknown} metadata recordedAt, actor, correlationId, causationId...: the whole object is hashed
 */

/**
 * The leaf layout, the only place it is written: the seven fields in canonical (sorted) key order,
 * each with its quoted key, and whether it holds a JSON document (data, metadata) rather than a
 * scalar. Transport fields of a bundle (seq, position) are not hashed: seq is bound by the chain.
 * @type {ReadonlyArray<readonly [keyof LedgerEvent, string, boolean]>}
 */
const LEAF_FIELDS = /** @type {const} */ (['data', 'eventId', 'metadata', 'schemaVersion', 'streamId', 'type', 'version'])
  .map((name) => /** @type {const} */ ([name, `"${name}":`, name === 'data' || name === 'metadata']));

const utf8 = new TextEncoder();

/**
 * Append text that is already canonical JSON, encoded in UTF-8 (canonical text has no lone
 * surrogate; one that is there anyway becomes U+FFFD, as when Node.js hashes a string).
 * @param {string} s
 */
function writeCanonicalText(s) {
  reserve(3 * s.length); // at most three UTF-8 bytes per UTF-16 code unit
  len += utf8.encodeInto(s, out.subarray(len)).written;
}

/**
 * Write the canonical JSON of the seven leaf fields of `event` without building that object: its
 * keys are known, already in sorted order. With `documentsAsText`, data and metadata are given as
 * their canonical JSON text and written as they are.
 * @param {any} event @param {boolean} documentsAsText
 */
function writeLeafObject(event, documentsAsText) {
  writeAscii('{');
  let first = true;
  for (const [name, quotedKey, isDocument] of LEAF_FIELDS) {
    const member = event[name];
    if (member === undefined) continue; // omitted, as canonicalize omits undefined members
    if (!first) writeAscii(',');
    first = false;
    writeAscii(quotedKey);
    if (documentsAsText && isDocument) {
      if (typeof member !== 'string') throw new TypeError(`leafHashOfCanonical: ${name} must be canonical JSON text`);
      writeCanonicalText(member);
    } else {
      writeValue(member);
    }
  }
  writeAscii('}');
}

/**
 * Leaf hash of a stored event: sha256Hex(canonicalize({ eventId, streamId, version, type,
 * schemaVersion, data, metadata })).
 * @param {LedgerEvent} event @returns {string}
 */
function leafHash(event) {
  return withWriter(() => writeLeafObject(event, false), (bytes) => sha256(bytes, 'hex'));
}

/**
 * The same leaf, for an event whose data and metadata are already canonical JSON text
 * (data === canonicalize(parsed data)): what the event store has in hand when it appends, so that
 * it does not parse and re-serialise them. leafHashOfCanonical({...e, data: canonicalize(e.data),
 * metadata: canonicalize(e.metadata)}) === leafHash(e).
 * @param {Omit<LedgerEvent, 'data' | 'metadata'> & {data: string, metadata: string}} event @returns {string}
 */
function leafHashOfCanonical(event) {
  return withWriter(() => writeLeafObject(event, true), (bytes) => sha256(bytes, 'hex'));
}

// ---- The hash chain ----------------------------------------------------------------------------

/** The chain value before the first event, h(0): 64 '0' hex characters. */
const GENESIS = '0'.repeat(64);

/**
 * One chain step: SHA-256 over the 32 raw bytes of the previous head followed by the 32 raw
 * bytes of the leaf. Inputs are validated because Buffer.from(..., 'hex') silently ignores
 * malformed hex, which would make a garbage value hash "successfully".
 * @param {string} prevHex @param {string} leafHex @returns {string}
 */
function chainHash(prevHex, leafHex) {
  if (!isHex64(prevHex) || !isHex64(leafHex)) throw new TypeError('chainHash: expects two 64-character lowercase hex digests');
  return chainHashOfBytes(Buffer.concat([Buffer.from(prevHex, 'hex'), Buffer.from(leafHex, 'hex')]));
}

/**
 * The same step on raw bytes, for a caller that keeps them (the verifier, per event).
 * @param {Uint8Array} pair the 32 bytes of h(n-1) followed by the 32 bytes of leaf(n) @returns {string} h(n), hex
 */
function chainHashOfBytes(pair) {
  if (pair.length !== 64) throw new TypeError('chainHashOfBytes: expects 64 bytes');
  return sha256Hex(pair);
}

// ---- Keys and checkpoint signatures (Ed25519) -------------------------------------------------

/**
 * The signed fields of a checkpoint: `head` = h(size), `time` an ISO timestamp.
 * @typedef {object} CheckpointFields
 * @property {string} origin
 * @property {number} size
 * @property {string} head
 * @property {string} time
 */
/**
 * A checkpoint with its base64 Ed25519 signature over canonicalize({ origin, size, head, time }) as UTF-8.
 * @typedef {CheckpointFields & {signature: string}} SignedCheckpoint
 */

/** @param {string|Buffer|crypto.KeyObject} key a public key (PEM) or a KeyObject @returns {crypto.KeyObject} */
function toPublicKey(key) {
  const k = key instanceof crypto.KeyObject && key.type === 'public' ? key : crypto.createPublicKey(key);
  if (k.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 key, got ${k.asymmetricKeyType}`);
  return k;
}

/**
 * 'sha256:' + hex SHA-256 of the key's DER (SPKI) encoding: independent of PEM line wrapping.
 * @param {string|Buffer|crypto.KeyObject} publicKeyPem a public key (PEM or KeyObject); throws unless Ed25519
 * @returns {string}
 */
function keyFingerprint(publicKeyPem) {
  return 'sha256:' + sha256Hex(toPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }));
}

/** The exact bytes that are signed: canonical JSON of the four checkpoint fields, in UTF-8.
 * @param {{origin?: unknown, size?: unknown, head?: unknown, time?: unknown}} checkpoint */
function checkpointPayload({ origin, size, head, time }) {
  return Buffer.from(canonicalize({ origin, size, head, time }), 'utf8');
}

/**
 * Sign a checkpoint (used by the server). Returns {origin, size, head, time, signature(base64)}.
 * @param {CheckpointFields} checkpoint
 * @param {string|Buffer|crypto.KeyObject} privateKey Ed25519 private key (PEM or KeyObject)
 * @returns {SignedCheckpoint}
 */
function signCheckpoint(checkpoint, privateKey) {
  const { origin, size, head, time } = checkpoint;
  if (typeof origin !== 'string' || typeof time !== 'string' || !isHex64(head) || !(Number.isSafeInteger(size) && size >= 0)) {
    throw new TypeError('signCheckpoint: expects {origin: string, size: integer >= 0, head: 64-hex, time: string}');
  }
  const key = privateKey instanceof crypto.KeyObject ? privateKey : crypto.createPrivateKey(privateKey);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('signCheckpoint: expects an Ed25519 private key');
  const signature = crypto.sign(null, checkpointPayload(checkpoint), key).toString('base64');
  return { origin, size, head, time, signature };
}

/**
 * True only if `checkpoint.signature` is a canonical base64 Ed25519 signature of the checkpoint
 * by `publicKeyPem`. Never throws: any malformed input simply does not verify.
 * @param {{origin?: unknown, size?: unknown, head?: unknown, time?: unknown, signature?: unknown}} checkpoint
 * @param {string|Buffer|crypto.KeyObject} publicKeyPem @returns {boolean}
 */
function verifyCheckpointSignature(checkpoint, publicKeyPem) {
  try {
    const sig = checkpoint.signature;
    // Node's base64 decoder is lenient; insisting on the canonical spelling keeps one meaning per string.
    if (typeof sig !== 'string' || Buffer.from(sig, 'base64').toString('base64') !== sig) return false;
    return crypto.verify(null, checkpointPayload(checkpoint), toPublicKey(publicKeyPem), Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

// ---- The export bundle (cert-ledger-bundle/1) -------------------------------------------------
//
// Newline-delimited JSON: a header, then each event with its leaf and chain value, each signed
// checkpoint right after the event whose seq is its size, the last line a checkpoint covering all.

/** The `format` of a bundle header. */
const BUNDLE_FORMAT = /** @type {const} */ ('cert-ledger-bundle/1');

/**
 * Line 1 of a bundle.
 * @typedef {object} BundleHeader
 * @property {'header'} kind
 * @property {typeof BUNDLE_FORMAT} format
 * @property {string} origin
 * @property {string} publicKey SPKI PEM of the Ed25519 key that signed the checkpoints
 * @property {string} keyFingerprint keyFingerprint(publicKey)
 * @property {number} from first seq in the bundle (1 for a full export)
 * @property {string} previousHead h(from - 1); GENESIS when from = 1
 * @property {string} exportedAt
 */
/**
 * An event line: `position` (the global log position) is informative, not verified.
 * @typedef {{kind: 'event', seq: number, position: number | string, leaf: string, chain: string, event: LedgerEvent}} BundleEventLine
 */
/**
 * A checkpoint line; `keyFingerprint` (not signed, informative) names the key that signed it when
 * that is not the header key, i.e. after a key rotation (key-chain.js).
 * @typedef {SignedCheckpoint & {kind: 'checkpoint', keyFingerprint?: string}} BundleCheckpointLine
 */
/** @typedef {BundleHeader | BundleEventLine | BundleCheckpointLine} BundleLine */

module.exports = {
  canonicalize,
  sha256Hex,
  isHex64,
  leafHash,
  leafHashOfCanonical,
  GENESIS,
  chainHash,
  chainHashOfBytes,
  toPublicKey,
  keyFingerprint,
  signCheckpoint,
  verifyCheckpointSignature,
  BUNDLE_FORMAT,
};

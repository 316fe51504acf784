#!/usr/bin/env node
'use strict';
/**
 * Offline verifier for cert-ledger bundles (format "cert-ledger-bundle/1").
 *
 * This file is self-contained (Node.js >= 20 built-ins only) so that a regulator can
 * read it in full and run it without installing anything:
 *
 *   node verify-bundle.js <bundle.ndjson> [--previous <older bundle or checkpoint.json>] [--key <public-key.pem>]
 *
 * Exit code 0: intact (one-line summary on stdout); 1: tampering or damage found ("FAILED at seq N:
 * <reason>" on stderr); 2: bad arguments or unreadable file.
 *
 * What is proven, and how:
 *  - Every event is hashed into a "leaf": SHA-256 of its canonical JSON (RFC 8785), so
 *    changing any byte of an event changes its leaf.
 *  - Leaves are folded into a hash chain: h(n) = SHA-256(h(n-1) || leaf(n)), h(0) = 64 zeros.
 *    Removing, inserting or reordering events therefore changes every later chain value.
 *  - The ledger operator periodically signs "checkpoints" {origin, size, head = h(size), time}
 *    with an Ed25519 key. A valid signature on the final checkpoint vouches for the whole chain.
 *  - With --previous, the chain at the older checkpoint's size must equal the older head:
 *    the newer export only appended events and never rewrote history.
 *  - With --key, the bundle must be signed by the key the regulator obtained independently
 *    (otherwise a forger could simply re-sign a rewritten log with a key of their own).
 *
 * The bundle is read line by line, so memory use does not grow with the size of the ledger.
 * The same module is imported by the server for the hashing and signing primitives, which
 * guarantees that the server and the verifier hash exactly the same way.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const readline = require('node:readline');
const { StringDecoder } = require('node:string_decoder');
const { isAscii } = require('node:buffer'); // Node >= 18.15; without it, blocks are decoded as UTF-8

const GENESIS = '0'.repeat(64);
const BUNDLE_FORMAT = 'cert-ledger-bundle/1';
const PROGRESS_EVERY = 100000;

/** @param {unknown} s @returns {s is string} */
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
/** Objects being serialised (cycle guard): a short array, scanned, cheaper than a Set at JSON depths. */
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

/** The seven hashed fields, in canonical (sorted) key order, each with its quoted key. */
const LEAF_FIELDS = ['data', 'eventId', 'metadata', 'schemaVersion', 'streamId', 'type', 'version'].map((name) => [name, `"${name}":`]);

/**
 * Write the canonical JSON of { eventId, streamId, version, type, schemaVersion, data, metadata }
 * of `event` without building that object: its keys are known, already in sorted order.
 * @param {any} event
 */
function writeLeafObject(event) {
  writeAscii('{');
  let first = true;
  for (const [name, quotedKey] of LEAF_FIELDS) {
    const member = event[name];
    if (member === undefined) continue; // omitted, as canonicalize omits undefined members
    if (!first) writeAscii(',');
    first = false;
    writeAscii(quotedKey);
    writeValue(member);
  }
  writeAscii('}');
}

/**
 * Leaf hash of a stored event: sha256Hex(canonicalize({ eventId, streamId, version, type,
 * schemaVersion, data, metadata })). Only these seven fields are hashed; transport fields of the
 * bundle (seq, position) are not, because seq is already bound by the chain position.
 * @param {{eventId:any, streamId:any, version:any, type:any, schemaVersion:any, data:any, metadata:any}} event
 */
function leafHash(event) {
  return withWriter(() => writeLeafObject(event), (bytes) => sha256(bytes, 'hex'));
}

/**
 * One chain step: SHA-256 over the 32 raw bytes of the previous head followed by the 32 raw
 * bytes of the leaf. Inputs are validated because Buffer.from(..., 'hex') silently ignores
 * malformed hex, which would make a garbage value hash "successfully".
 * @param {string} prevHex @param {string} leafHex
 */
function chainHash(prevHex, leafHex) {
  if (!isHex64(prevHex) || !isHex64(leafHex)) throw new TypeError('chainHash: expects two 64-character lowercase hex digests');
  return sha256Hex(Buffer.concat([Buffer.from(prevHex, 'hex'), Buffer.from(leafHex, 'hex')]));
}

/** Value of each lowercase hex digit by char code, -1 for any other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_DIGITS.charCodeAt(i)] = i;

/**
 * Decode a 64-character lowercase hex digest into into[at..at+32); false (and nothing promised
 * about `into`) for anything else, so that only the exact spelling isHex64 accepts ever matches.
 * @param {unknown} hex @param {Uint8Array} into @param {number} at @returns {boolean}
 */
function hexInto(hex, into, at) {
  if (typeof hex !== 'string' || hex.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const a = hex.charCodeAt(2 * i);
    const b = hex.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a] : -1;
    const lo = b < 128 ? HEX_VALUE[b] : -1;
    if ((hi | lo) < 0) return false;
    into[at + i] = (hi << 4) | lo;
  }
  return true;
}

// ---- Keys and checkpoint signatures (Ed25519) -------------------------------------------------

/** @param {string|Buffer|crypto.KeyObject} key a public key (PEM) or a KeyObject @returns {crypto.KeyObject} */
function toPublicKey(key) {
  const k = key instanceof crypto.KeyObject && key.type === 'public' ? key : crypto.createPublicKey(key);
  if (k.asymmetricKeyType !== 'ed25519') throw new TypeError(`expected an Ed25519 key, got ${k.asymmetricKeyType}`);
  return k;
}

/**
 * 'sha256:' + hex SHA-256 of the key's DER (SPKI) encoding: independent of PEM line wrapping.
 * @param {string|Buffer|crypto.KeyObject} publicKeyPem
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
 * @param {{origin:string, size:number, head:string, time:string}} checkpoint
 * @param {string|Buffer|crypto.KeyObject} privateKey Ed25519 private key (PEM or KeyObject)
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
 * @param {string|Buffer|crypto.KeyObject} publicKeyPem
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

// ---- Bundle verification ----------------------------------------------------------------------

/** Why the header cannot be trusted, or null when it is well formed. @param {any} h @returns {string|null} */
function headerProblem(h) {
  if (h.kind !== 'header') return 'the first line is not a bundle header';
  if (h.format !== BUNDLE_FORMAT) return `unknown bundle format ${JSON.stringify(h.format)} (expected "${BUNDLE_FORMAT}")`;
  if (typeof h.origin !== 'string' || h.origin === '') return 'the header does not name the ledger origin';
  if (!Number.isSafeInteger(h.from) || h.from < 1) return 'the header "from" is not an integer >= 1';
  if (!isHex64(h.previousHead)) return 'the header "previousHead" is not a 64-character hex digest';
  if (h.from === 1 && h.previousHead !== GENESIS) return 'a bundle starting at seq 1 must have the genesis previousHead';
  try {
    if (h.keyFingerprint !== keyFingerprint(h.publicKey)) return 'the header keyFingerprint does not match its public key';
  } catch {
    return 'the header does not contain a valid Ed25519 public key';
  }
  return null;
}

/**
 * Verify a bundle, streaming, stopping at the first fault.
 *
 * How the work is laid out (the checks themselves are the same whatever the input):
 *  - Reading a line, parsing it and recomputing its event's leaf depend on that line alone
 *    (analyzeLine). For a bundle file of some size this runs in worker threads, one per CPU core,
 *    on blocks of whole lines that the main thread reads from the file (a few blocks in flight at
 *    most, so memory does not grow with the bundle).
 *  - Everything that depends on order (contiguous seq, the chain, the checkpoints, --previous,
 *    --key) runs in the main thread, line after line, in BundleChecker: the chain is recomputed
 *    there from the recomputed leaves, never read from the bundle.
 * @param {string | NodeJS.ReadableStream | AsyncIterable<string> | Iterable<string>} input
 *   a file path, a readable byte stream, or the lines themselves
 * @param {import('./verify-bundle').VerifyOptions} [options]
 * @returns {Promise<import('./verify-bundle').VerifyResult>} I/O errors reject instead.
 */
async function verifyBundle(input, options = {}) {
  const { previous, publicKeyPem, onProgress } = options;
  if (previous !== undefined) assertCheckpointShape(previous, 'options.previous');
  const pinned = publicKeyPem === undefined ? null : keyFingerprint(publicKeyPem);
  const checker = new BundleChecker(previous, pinned, onProgress);

  if (typeof input === 'string') {
    const file = await fs.promises.open(input, 'r'); // streams we open, we close
    try {
      const workers = options.workers !== undefined ? options.workers : defaultWorkers((await file.stat()).size);
      const reader = new BlockReader(file, options.blockBytes || BLOCK_BYTES);
      await (workers > 0 ? checkFileInWorkers(reader, checker, workers) : checkFile(reader, checker));
    } finally {
      await file.close();
    }
  } else if (typeof (/** @type {any} */ (input)).pipe === 'function') {
    await checkStream(/** @type {NodeJS.ReadableStream} */ (input), checker);
  } else {
    for await (const text of /** @type {AsyncIterable<string> | Iterable<string>} */ (input)) {
      if (!checker.line(text)) break;
    }
  }
  return checker.result();
}

// Per-line results. A line that is a well-formed event (integer seq, an event body that can be
// canonicalized) is FAST: we keep its seq, the leaf recomputed from its content, whether that
// equals the leaf it states, and the chain value it states. Any other line (the header,
// checkpoints, anything malformed) keeps its text, and the checker parses and judges it itself.
const FAST = 1;
const LEAF_MATCHES = 2; // the stated leaf is the 64-hex spelling of the recomputed one
const CHAIN_STATED = 4; // the stated chain is a 64-hex digest (copied into `chains`)

/** Results of `size` consecutive lines, in one transferable ArrayBuffer (plus texts for the others). */
class LineResults {
  /** @param {number} size @param {ArrayBuffer} [buffer] */
  constructor(size, buffer = new ArrayBuffer(size * 73)) {
    this.size = size;
    this.buffer = buffer;
    this.seqs = new Float64Array(buffer, 0, size);
    this.leaves = new Uint8Array(buffer, size * 8, size * 32);
    this.chains = new Uint8Array(buffer, size * 40, size * 32);
    this.flags = new Uint8Array(buffer, size * 72, size);
    /** @type {Map<number, string>} the text of each line that is not FAST, by index */
    this.texts = new Map();
  }
}

/**
 * Parse one line and, when it is an event, recompute its leaf from the event's content.
 * Depends on nothing but the line: safe to run anywhere, in any order.
 * @param {string} text @param {boolean} first the bundle's first line (always judged as a header)
 * @param {LineResults} into @param {number} i
 */
function analyzeLine(text, first, into, i) {
  into.texts.delete(i);
  if (!first) {
    const rec = parseObject(text);
    if (rec !== null && rec.kind === 'event' && Number.isSafeInteger(rec.seq) && rec.event !== null && typeof rec.event === 'object') {
      let leaf = null;
      try {
        leaf = leafHash(rec.event);
      } catch {
        // cannot be canonicalized: the checker reports it, with the reason
      }
      if (leaf !== null) {
        into.seqs[i] = rec.seq;
        hexInto(leaf, into.leaves, 32 * i);
        let flags = FAST;
        if (leaf === rec.leaf) flags |= LEAF_MATCHES;
        if (hexInto(rec.chain, into.chains, 32 * i)) flags |= CHAIN_STATED;
        into.flags[i] = flags;
        return;
      }
    }
  }
  into.flags[i] = 0;
  into.texts.set(i, text);
}

/** @param {Uint8Array} a @param {number} i @param {Uint8Array} b @param {number} j */
function sameBytes(a, i, b, j) {
  for (let k = 0; k < 32; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/**
 * The order-dependent checks, fed one line at a time in bundle order. Each method returns false
 * once a fault has been found (and result() then reports it).
 */
class BundleChecker {
  /**
   * @param {import('./verify-bundle').PreviousCheckpoint | undefined} previous
   * @param {string|null} pinned fingerprint the header key must have
   * @param {((seq: number) => void) | undefined} onProgress
   */
  constructor(previous, pinned, onProgress) {
    this.previous = previous;
    this.pinned = pinned;
    this.onProgress = onProgress;
    this.lineNo = 0;
    /** @type {any} */
    this.header = null;
    /** @type {crypto.KeyObject | undefined} the header key, once validated */
    this.key = undefined;
    this.lastKind = ''; // kind of the previous line: a checkpoint may only follow the header or an event
    this.lastSeq = 0; // seq of the last event read (from-1 before the first one)
    /** h(lastSeq), recomputed by us, never taken from the bundle; its 32 bytes are kept in pair[0..32) */
    this.running = GENESIS;
    this.covered = 0; // size of the last valid checkpoint
    this.events = 0;
    this.checkpoints = 0;
    /** @type {import('./verify-bundle').VerifyFailure | null} */
    this.failure = null;
    this.pair = new Uint8Array(64); // h(n-1) || leaf(n), the input of one chain step (h(0) = zeros)
    this.one = new LineResults(1); // for lines fed one by one
    this.leaf = new Uint8Array(32);
    this.statedChain = new Uint8Array(32);
  }

  /** @param {number} firstBadSeq @param {string} reason @returns {false} */
  fail(firstBadSeq, reason) {
    this.failure = { ok: false, firstBadSeq, line: this.lineNo, reason };
    return false;
  }

  /** Judge the next line of the bundle. @param {string} text @returns {boolean} */
  line(text) {
    analyzeLine(text, this.lineNo === 0, this.one, 0);
    return this.results(this.one, 1);
  }

  /** Judge the next `count` lines, analysed into `r`. @param {LineResults} r @param {number} count @returns {boolean} */
  results(r, count) {
    const { seqs, leaves, chains, flags, texts } = r;
    for (let i = 0; i < count; i++) {
      const flag = flags[i];
      let ok;
      if (flag & FAST && this.header !== null) {
        this.lineNo++;
        ok = this.sequence(seqs[i]) && this.extend(seqs[i], (flag & LEAF_MATCHES) !== 0, leaves, 32 * i, (flag & CHAIN_STATED) !== 0, chains, 32 * i);
      } else {
        ok = this.record(/** @type {string} */ (texts.get(i)));
      }
      if (!ok) return false;
    }
    return true;
  }

  /** 2a. The next event's seq must be exactly lastSeq + 1. @param {number} seq */
  sequence(seq) {
    const expected = this.lastSeq + 1;
    if (seq > expected) return this.fail(expected, `sequence gap: expected ${expected}, found ${seq}`);
    if (seq < expected) return this.fail(expected, `sequence out of order: expected ${expected}, found ${seq} (duplicated or reordered event)`);
    return true;
  }

  /**
   * 2b. The event at `seq` (already in sequence) with its recomputed leaf: the leaf it states must
   * be that one, and the chain it states must be the one we recompute from our own previous value.
   * @param {number} seq @param {boolean} leafMatches
   * @param {Uint8Array} leaves @param {number} at the recomputed leaf is leaves[at..at+32)
   * @param {boolean} chainStated @param {Uint8Array} chains @param {number} cat the stated chain, if any, is chains[cat..cat+32)
   */
  extend(seq, leafMatches, leaves, at, chainStated, chains, cat) {
    if (!leafMatches) return this.fail(seq, `event ${seq} was modified: leaf hash mismatch`);
    const pair = this.pair;
    for (let k = 0; k < 32; k++) pair[32 + k] = leaves[at + k];
    this.running = sha256(pair, 'hex'); // h(seq) = SHA-256(h(seq-1) || leaf(seq))
    hexInto(this.running, pair, 0); // (a hex string rather than a Buffer: no native allocation per event)
    if (!chainStated || !sameBytes(pair, 0, chains, cat)) return this.fail(seq, `event ${seq}: chain hash mismatch (the hash chain is broken)`);
    this.lastSeq = seq;
    this.events++;
    this.lastKind = 'event';
    // Append-only proof: when we pass the older checkpoint's size, our chain must equal its head.
    const previous = this.previous;
    if (previous !== undefined && previous.size === seq && previous.head !== this.running) {
      return this.fail(seq, `history was rewritten: the chain at seq ${seq} differs from the previous export's head`);
    }
    if (this.onProgress) this.onProgress(seq);
    return true;
  }

  /** Any line that is not a well-formed event, and the first line: parsed and judged here. @param {string} text */
  record(text) {
    this.lineNo++;
    const lineNo = this.lineNo;
    const rec = parseObject(text);
    if (rec === null) return this.fail(this.lastSeq + 1, `line ${lineNo} is not a valid JSON object`);

    // 1. Header: must come first; it fixes the origin, the signing key and the chain start.
    const header = this.header;
    if (header === null) {
      const problem = headerProblem(rec);
      if (problem) return this.fail(Number.isSafeInteger(rec.from) && rec.from > 0 ? rec.from : 1, problem);
      this.header = rec;
      this.key = toPublicKey(rec.publicKey);
      if (this.pinned !== null && rec.keyFingerprint !== this.pinned) {
        return this.fail(rec.from, `bundle signed by an unexpected key (fingerprint ${rec.keyFingerprint}, expected ${this.pinned})`);
      }
      this.lastSeq = this.covered = rec.from - 1;
      this.running = rec.previousHead;
      hexInto(rec.previousHead, this.pair, 0);
      if (this.previous !== undefined) {
        const problem2 = previousProblem(this.previous, rec, this.key);
        if (problem2) return this.fail(rec.from, problem2);
      }
      this.lastKind = 'header';
      return true;
    }

    if (rec.kind === 'event') {
      // 2. Events: contiguous seq, leaf recomputed from the content, chain recomputed from the leaf.
      const expected = this.lastSeq + 1;
      if (!Number.isSafeInteger(rec.seq)) return this.fail(expected, `line ${lineNo}: event without an integer seq`);
      if (!this.sequence(rec.seq)) return false;
      if (rec.event === null || typeof rec.event !== 'object') return this.fail(expected, `event ${expected} has no event body`);
      let leaf;
      try {
        leaf = leafHash(rec.event);
      } catch (e) {
        return this.fail(expected, `event ${expected} cannot be canonicalized: ${errorMessage(e)}`);
      }
      hexInto(leaf, this.leaf, 0);
      return this.extend(expected, leaf === rec.leaf, this.leaf, 0, hexInto(rec.chain, this.statedChain, 0), this.statedChain, 0);
    } else if (rec.kind === 'checkpoint') {
      // 3. Checkpoints: right after the event they cover, matching our chain, signed by the header key.
      const lastSeq = this.lastSeq;
      const at = Math.max(lastSeq, header.from);
      if (!Number.isSafeInteger(rec.size)) return this.fail(at, `line ${lineNo}: checkpoint without an integer size`);
      if (rec.size !== lastSeq) {
        return this.fail(Math.max(Math.min(rec.size, lastSeq) + 1, header.from), `checkpoint at size ${rec.size} is misplaced: it follows seq ${lastSeq}`);
      }
      if (this.lastKind === 'checkpoint') return this.fail(at, `checkpoint at size ${rec.size} is repeated on line ${lineNo}`);
      if (rec.origin !== header.origin) {
        return this.fail(at, `checkpoint at size ${rec.size}: origin ${JSON.stringify(rec.origin)} is not the bundle origin ${JSON.stringify(header.origin)}`);
      }
      if (rec.head !== this.running) return this.fail(at, `checkpoint at size ${rec.size}: head does not match the hash chain`);
      if (typeof rec.time !== 'string') return this.fail(at, `checkpoint at size ${rec.size}: missing time`);
      if (!this.key || !verifyCheckpointSignature(rec, this.key)) return this.fail(at, `checkpoint at size ${rec.size}: bad signature`);
      this.covered = rec.size;
      this.checkpoints++;
    } else if (rec.kind === 'header') {
      return this.fail(this.lastSeq + 1, `line ${lineNo}: unexpected second header`);
    } else {
      return this.fail(this.lastSeq + 1, `line ${lineNo}: unknown record kind ${JSON.stringify(rec.kind)}`);
    }
    this.lastKind = rec.kind;
    return true;
  }

  /** 4. End of bundle: everything must be vouched for by a signature, and nothing may be missing. @returns {import('./verify-bundle').VerifyResult} */
  result() {
    const { header, lastSeq, covered, previous } = this;
    if (this.failure === null) {
      if (header === null) this.fail(1, 'the bundle is empty: no header line');
      else if (lastSeq > covered) this.fail(covered + 1, `the tail is not covered by a signed checkpoint: events after seq ${covered}`);
      else if (previous !== undefined && previous.size > lastSeq) {
        this.fail(lastSeq + 1, `the newer bundle is shorter than the previous export (it ends at seq ${lastSeq}, the previous checkpoint covers ${previous.size} events)`);
      }
    }
    if (this.failure !== null) return this.failure;
    return { ok: true, events: this.events, lastSeq, head: this.running, checkpoints: this.checkpoints, keyFingerprint: header.keyFingerprint, from: header.from, origin: header.origin };
  }
}

// ---- Reading: lines as readline splits them, in blocks of whole lines ---------------------------

// Read size; a longer line gets a larger block of its own. Small enough for a block's text to be an
// ordinary young-generation string (under V8's 128 KiB), which dies young: memory stays flat and low.
const BLOCK_BYTES = 120_000;
// Below this (about 40,000 events), starting worker threads and warming up their JIT costs about
// as much as it saves, and more on a busy machine.
const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;
const BLOCKS_PER_WORKER = 2; // in flight at once per worker: bounds memory, keeps every worker busy

/** Worker threads used by default for a bundle file of `size` bytes. @param {number} size */
function defaultWorkers(size) {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return size >= PARALLEL_MIN_BYTES && cores > 1 ? Math.min(cores, 8) : 0;
}

/**
 * Call `line` for each line of `text`, split as readline splits (at "\r\n", "\n" or "\r"); the
 * final piece counts as a line only if it is not empty. Stops early when `line` returns false.
 * @param {string} text @param {(line: string) => boolean} line @returns {boolean}
 */
function splitLines(text, line) {
  const n = text.length;
  let i = 0;
  if (text.indexOf('\r') === -1) {
    while (i < n) {
      let j = text.indexOf('\n', i);
      if (j === -1) j = n;
      if (!line(text.slice(i, j))) return false;
      i = j + 1;
    }
    return true;
  }
  while (i < n) {
    let j = i;
    while (j < n && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
    if (!line(text.slice(i, j))) return false;
    i = j < n - 1 && text.charCodeAt(j) === 13 && text.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
  }
  return true;
}

/**
 * Reads a file as blocks that each hold whole lines: [start, end) of a fresh buffer, ending just
 * after a line break, or at the end of the file. A "\r\n" split across two reads stays one break.
 */
class BlockReader {
  /** @param {fs.promises.FileHandle} file @param {number} blockBytes */
  constructor(file, blockBytes) {
    this.file = file;
    this.blockBytes = blockBytes;
    /** @type {Uint8Array} bytes read after the last line break, carried into the next block */
    this.carry = new Uint8Array(0);
    this.skipLF = false; // the previous block ended with "\r": a "\n" right after it belongs to it
    this.done = false;
    /** @type {ArrayBuffer[]} buffers handed back, reused */
    this.spare = [];
  }

  /** @returns {Promise<{buffer: ArrayBuffer, start: number, end: number} | null>} null at the end */
  async next() {
    while (!this.done) {
      const carried = this.carry.length;
      const size = Math.max(this.blockBytes, 2 * carried);
      const spare = size === this.blockBytes ? this.spare.pop() : undefined;
      const buf = new Uint8Array(spare || new ArrayBuffer(size));
      buf.set(this.carry, 0);
      const { bytesRead } = await this.file.read(buf, carried, size - carried, null);
      const filled = carried + bytesRead;
      let start = 0;
      if (this.skipLF && carried === 0 && filled > 0 && buf[0] === 10) start = 1;
      if (filled > 0) this.skipLF = false;
      if (bytesRead === 0) { // end of file: the last line, if it has no line break
        this.done = true;
        this.carry = new Uint8Array(0);
        if (filled > start) return { buffer: buf.buffer, start, end: filled };
        return null;
      }
      let last = filled - 1;
      while (last >= start && buf[last] !== 10 && buf[last] !== 13) last--;
      if (last < start) { // no line break yet: a long line, read on with a larger buffer
        this.carry = buf.slice(start, filled);
        continue;
      }
      this.carry = buf.slice(last + 1, filled);
      this.skipLF = buf[last] === 13 && last === filled - 1;
      return { buffer: buf.buffer, start, end: last + 1 };
    }
    return null;
  }

  /** A buffer back from a worker, to be read into again. @param {ArrayBuffer} buffer */
  recycle(buffer) {
    if (buffer.byteLength === this.blockBytes && this.spare.length < 4) this.spare.push(buffer);
  }
}

/**
 * Analyse the lines of one block (in a worker, or inline for small files).
 * @param {ArrayBuffer} buffer @param {number} start @param {number} end @param {boolean} firstBlock
 * @returns {LineResults}
 */
function analyzeBlock(buffer, start, end, firstBlock) {
  const bytes = Buffer.from(buffer, start, end - start);
  // ASCII (what an export without accented characters is) decodes alike as latin1, several times faster.
  const text = typeof isAscii === 'function' && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  /** @type {string[]} */
  const lines = [];
  splitLines(text, (line) => lines.push(line) > 0);
  const results = new LineResults(lines.length);
  for (let i = 0; i < lines.length; i++) analyzeLine(lines[i], firstBlock && i === 0, results, i);
  return results;
}

/** A small file, in this thread. @param {BlockReader} reader @param {BundleChecker} checker */
async function checkFile(reader, checker) {
  for (let first = true; ; first = false) {
    const block = await reader.next();
    if (block === null) return;
    const results = analyzeBlock(block.buffer, block.start, block.end, first);
    reader.recycle(block.buffer);
    if (!checker.results(results, results.size)) return;
  }
}

/**
 * A file, with the per-line work in `count` worker threads running this same file. Blocks are
 * handed to the least busy worker and their results judged strictly in file order; at most
 * BLOCKS_PER_WORKER blocks per worker are in flight, so memory stays flat.
 * @param {BlockReader} reader @param {BundleChecker} checker @param {number} count
 */
async function checkFileInWorkers(reader, checker, count) {
  const { Worker } = require('node:worker_threads');
  /** @type {Map<number, {resolve: (r: any) => void, reject: (e: Error) => void}>} */
  const waiting = new Map();
  /** @param {Error} error */
  const failAll = (error) => {
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  const pool = Array.from({ length: count }, () => {
    // A small young generation: each line's objects die young, and peak memory then stays flat.
    const worker = new Worker(__filename, { workerData: { role: WORKER_ROLE }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const entry = { worker, busy: 0 };
    worker.on('message', (/** @type {any} */ m) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      entry.busy--;
      w.resolve(m);
    });
    worker.on('error', failAll);
    worker.on('exit', (/** @type {number} */ code) => failAll(new Error(`a verification worker stopped (exit code ${code})`)));
    return entry;
  });
  /** @type {Promise<any>[]} results, in file order */
  const queue = [];
  let id = 0;
  try {
    let reading = true;
    for (;;) {
      while (reading && queue.length < count * BLOCKS_PER_WORKER) {
        const block = await reader.next();
        if (block === null) {
          reading = false;
          break;
        }
        const entry = pool.reduce((a, b) => (b.busy < a.busy ? b : a));
        entry.busy++;
        const task = { id, buffer: block.buffer, start: block.start, end: block.end, firstBlock: id === 0 };
        id++;
        const done = new Promise((resolve, reject) => waiting.set(task.id, { resolve, reject }));
        done.catch(() => undefined); // judged (and its error thrown) in order, below
        queue.push(done);
        entry.worker.postMessage(task, [block.buffer]);
      }
      if (queue.length === 0) return;
      const m = await queue.shift();
      reader.recycle(m.input);
      const results = new LineResults(m.size, m.buffer);
      results.texts = m.texts;
      if (!checker.results(results, m.size)) return;
    }
  } finally {
    for (const { worker } of pool) {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }
}

const WORKER_ROLE = 'cert-ledger-bundle/1 line analyser';

/** Worker thread: analyse the blocks it is sent, send the results (and the block's buffer) back. */
function runWorker() {
  const { parentPort } = require('node:worker_threads');
  parentPort.on('message', (/** @type {any} */ task) => {
    const r = analyzeBlock(task.buffer, task.start, task.end, task.firstBlock);
    parentPort.postMessage({ id: task.id, size: r.size, buffer: r.buffer, texts: r.texts, input: task.buffer }, [r.buffer, task.buffer]);
  });
}

/**
 * A readable stream of bytes (UTF-8) or strings, split into lines in this thread.
 * @param {NodeJS.ReadableStream} stream @param {BundleChecker} checker
 */
async function checkStream(stream, checker) {
  const decoder = new StringDecoder('utf8');
  const judge = (/** @type {string} */ line) => checker.line(line);
  /** @type {string[]} text read since the last line break we could use */
  let pending = [];
  /** @param {string} s @returns {boolean} */
  const feed = (s) => {
    // The last line break in s; a final "\r" does not count yet: a "\n" may follow in the next chunk.
    let cut = s.length - 1;
    if (cut >= 0 && s.charCodeAt(cut) === 13) cut--;
    while (cut >= 0 && s.charCodeAt(cut) !== 10 && s.charCodeAt(cut) !== 13) cut--;
    if (cut < 0) {
      if (s !== '') pending.push(s);
      return true;
    }
    pending.push(s.slice(0, cut + 1));
    const text = pending.join('');
    pending = cut + 1 < s.length ? [s.slice(cut + 1)] : [];
    return splitLines(text, judge);
  };
  for await (const chunk of stream) {
    if (!feed(typeof chunk === 'string' ? chunk : decoder.write(chunk))) return;
  }
  const rest = pending.join('') + decoder.end();
  if (rest !== '') splitLines(rest, judge);
}

/** @param {unknown} e */
const errorMessage = (e) => (e instanceof Error ? e.message : String(e));

/** @param {string} text @returns {any} the parsed object, or null if the line is not a JSON object */
function parseObject(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Checks on the older checkpoint that can be made as soon as the header is known.
 * @param {import('./verify-bundle').PreviousCheckpoint} previous @param {any} header
 * @param {crypto.KeyObject} key @returns {string|null}
 */
function previousProblem(previous, header, key) {
  if (previous.origin !== undefined && previous.origin !== header.origin) {
    return `the previous checkpoint belongs to another ledger (origin ${JSON.stringify(previous.origin)})`;
  }
  // An unsigned previous checkpoint (e.g. a head the regulator noted down) is accepted as is.
  if (previous.signature !== undefined && !verifyCheckpointSignature(previous, key)) {
    return 'the previous checkpoint is not signed by this bundle\'s key';
  }
  if (previous.size < header.from - 1) {
    return `cannot prove append-only: bundle starts after the previous checkpoint (bundle starts at seq ${header.from}, previous checkpoint covers ${previous.size} events)`;
  }
  if (previous.size === header.from - 1 && previous.head !== header.previousHead) {
    return 'history was rewritten: the bundle\'s previousHead differs from the previous export\'s head';
  }
  return null;
}

/** @param {any} cp @param {string} what */
function assertCheckpointShape(cp, what) {
  if (cp === null || typeof cp !== 'object' || !Number.isSafeInteger(cp.size) || cp.size < 0 || !isHex64(cp.head)) {
    throw new TypeError(`${what} is not a checkpoint {size: integer >= 0, head: 64-hex, ...}`);
  }
}

/**
 * Load the older checkpoint for an append-only proof: either an older bundle (its last
 * checkpoint line is used; the older bundle is streamed, never held in memory) or a JSON
 * file containing one checkpoint object.
 * @param {string} path @returns {Promise<import('./verify-bundle').PreviousCheckpoint>}
 */
async function loadPrevious(path) {
  const input = fs.createReadStream(path);
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let isBundle = null; // decided by the first line
  let last = null;
  try {
    for await (const text of lines) {
      if (isBundle === null) {
        const first = parseObject(text); // null for e.g. the "{" of a pretty-printed checkpoint file
        isBundle = first !== null && first.kind === 'header';
        if (!isBundle) break; // a checkpoint JSON file: small, read as a whole below
      } else if (text.includes('checkpoint')) {
        const rec = JSON.parse(text);
        if (rec && rec.kind === 'checkpoint') last = rec;
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  const cp = isBundle ? last : JSON.parse(fs.readFileSync(path, 'utf8'));
  if (cp === null) throw new Error(`${path} is a bundle without any checkpoint`);
  assertCheckpointShape(cp, path);
  return cp;
}

// ---- Command line -----------------------------------------------------------------------------

const USAGE = 'usage: node verify-bundle.js <bundle.ndjson> [--previous <older bundle or checkpoint json>] [--key <public key PEM file>]';

/** @param {string[]} argv @returns {{bundle:string, previous?:string, key?:string} | null} null on bad arguments */
function parseArgs(argv) {
  /** @type {{bundle?: string, previous?: string, key?: string}} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s) : [argv[i]];
    if (flag === '--previous' || flag === '--key') {
      const value = inline !== undefined ? inline : argv[++i];
      const name = flag === '--key' ? 'key' : 'previous';
      if (!value || out[name] !== undefined) return null;
      out[name] = value;
    } else if (flag.startsWith('-') || out.bundle !== undefined) {
      return null;
    } else {
      out.bundle = flag;
    }
  }
  return out.bundle === undefined ? null : { ...out, bundle: out.bundle };
}

/** @param {number} n @param {string} word */
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** @param {string[]} argv @returns {Promise<number>} the exit code: 0 intact, 1 fault found, 2 bad arguments or unreadable input */
async function main(argv) {
  const args = parseArgs(argv);
  if (!args) return fail2(USAGE);
  let publicKeyPem;
  let previous;
  try {
    if (args.key !== undefined) keyFingerprint((publicKeyPem = fs.readFileSync(args.key, 'utf8'))); // must be Ed25519
  } catch (e) {
    return fail2(`cannot use the public key ${args.key}: ${errorMessage(e)}`);
  }
  try {
    if (args.previous !== undefined) previous = await loadPrevious(args.previous);
  } catch (e) {
    return fail2(`cannot read the previous export ${args.previous}: ${errorMessage(e)}`);
  }
  // Progress only for a human watching a terminal; never pollute redirected output.
  let shown = false;
  /** @param {number} seq */
  const onProgress = (seq) => {
    if (seq % PROGRESS_EVERY !== 0) return;
    shown = true;
    process.stderr.write(`\rverified up to seq ${seq}...`);
  };
  let result;
  try {
    result = await verifyBundle(args.bundle, { previous, publicKeyPem, onProgress: process.stderr.isTTY ? onProgress : undefined });
  } catch (e) {
    return fail2(`cannot read the bundle ${args.bundle}: ${errorMessage(e)}`);
  } finally {
    if (shown) process.stderr.write('\n');
  }
  if (!result.ok) {
    console.error(`FAILED at seq ${result.firstBadSeq}: ${result.reason}\n  (line ${result.line} of ${args.bundle})`);
    return 1;
  }
  const range = result.events > 0 ? ` (seq ${result.from}..${result.lastSeq})` : '';
  const extension = previous !== undefined ? `, extends previous export of ${plural(previous.size, 'event')}` : '';
  console.log(`OK: ${plural(result.events, 'event')}${range}, ${plural(result.checkpoints, 'signed checkpoint')}, ` +
    `head ${result.head}, key ${result.keyFingerprint}${extension}`);
  return 0;
}

/** Report a usage or input problem (not a verification result) and return exit code 2. @param {string} message */
function fail2(message) {
  console.error(message);
  return 2;
}

module.exports = {
  canonicalize, sha256Hex, leafHash, chainHash, GENESIS, BUNDLE_FORMAT,
  signCheckpoint, verifyCheckpointSignature, keyFingerprint, verifyBundle, loadPrevious,
};

if (!require('node:worker_threads').isMainThread && require('node:worker_threads').workerData?.role === WORKER_ROLE) {
  runWorker();
} else if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}

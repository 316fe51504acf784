// @ts-check
'use strict';
/**
 * The checks of the offline verifier (see verify-bundle.js): what one line says, and what the
 * lines say together, in bundle order. Node.js built-ins, canonical.js, key-chain.js and witness.js only.
 */
const { BUNDLE_FORMAT, chainHashOfBytes, GENESIS, isHex64, keyFingerprint, leafHash, verifyCheckpointSignature } = require('./canonical');
const { chainKey, followRotations, isRotation, KeyChain, rotationCosigners } = require('./key-chain');
const { preverify, rawPublicKey, WITNESS_EVENT_TYPES, WitnessChecks } = require('./witness');

/** @typedef {import('./key-chain').ChainKey} ChainKey */

/**
 * An older checkpoint that a newer bundle must extend (origin, time and signature optional: a head
 * noted down by hand will do), with the key rotations the older bundle held, if any (statements, in
 * ledger order): they lead from the key the regulator pinned to the key of a newer bundle's header.
 * @typedef {{size: number, head: string, origin?: string, time?: string, signature?: string, rotations?: any[]}} PreviousCheckpoint
 */
/**
 * @typedef {object} VerifyOk
 * @property {true} ok
 * @property {number} events number of event lines verified
 * @property {number} lastSeq seq of the last event (from - 1 when the bundle holds no event)
 * @property {string} head h(lastSeq), recomputed
 * @property {number} checkpoints number of signed checkpoints verified
 * @property {string} keyFingerprint the key in force at the start of the bundle (its header key)
 * @property {string} lastKeyFingerprint the key in force at its end, after `rotations` rotations
 * @property {number} rotations key rotations followed
 * @property {number} from
 * @property {string} origin
 * @property {number} cosignatures number of witness cosignatures verified
 */
/**
 * @typedef {object} VerifyFailure
 * @property {false} ok
 * @property {number} firstBadSeq sequence number at which verification failed (for a header fault: the bundle's first seq)
 * @property {number} line 1-based line number where the fault was detected (the last line for end-of-bundle faults)
 * @property {string} reason what is wrong, as an English sentence
 */
/** @typedef {VerifyOk | VerifyFailure} VerifyResult */

// ---- One line, on its own (in a worker thread for a large file) ----------------------------------

// Per-line results. A line that is a well-formed event (integer seq, an event body that can be
// canonicalized) is FAST: we keep its seq, the leaf recomputed from its content, whether that
// equals the leaf it states, and the chain value it states. Any other line (the header,
// checkpoints, anything malformed) keeps its text, and the checker parses and judges it itself.
const FAST = 1;
const LEAF_MATCHES = 2; // the stated leaf is the 64-hex spelling of the recomputed one
const CHAIN_STATED = 4; // the stated chain is a 64-hex digest (copied into `chains`)
const COSIGNATURE_VERIFIED = 8; // not FAST: a witness cosignature whose signature verifies (witness.js preverify)

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

/** @param {string} text @returns {any} the parsed object, or null if the line is not a JSON object */
function parseObject(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Value of each lowercase hex digit by char code, -1 for any other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

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
    // A key rotation is judged in full by the checker (it needs the statement, not only the leaf).
    if (rec !== null && rec.kind === 'event' && Number.isSafeInteger(rec.seq) && rec.event !== null && typeof rec.event === 'object' && !isRotation(rec.event)) {
      // Witness events are judged on their content too (witness.js): the slow path, in file order.
      if (WITNESS_EVENT_TYPES.includes(rec.event.type)) return analyzeWitnessLine(rec, into, i, text);
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

/** A witness event line: judged in file order, its cosignature's signature checked here already. @param {any} rec @param {LineResults} into @param {number} i @param {string} text */
function analyzeWitnessLine(rec, into, i, text) {
  into.flags[i] = preverify(rec.event) ? COSIGNATURE_VERIFIED : 0;
  into.texts.set(i, text);
}

// ---- The lines together, in bundle order ---------------------------------------------------------

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
 * Checks on the older checkpoint that can be made as soon as the header is known.
 * @param {PreviousCheckpoint} previous @param {any} header
 * @param {import('node:crypto').KeyObject} key @returns {string|null}
 */
function previousProblem(previous, header, key) {
  if (previous.origin !== undefined && previous.origin !== header.origin) {
    return `the previous checkpoint belongs to another ledger (origin ${JSON.stringify(previous.origin)})`;
  }
  // An unsigned previous checkpoint (e.g. a head the regulator noted down) is accepted as is. One
  // inside the bundle is checked when the bundle reaches it, with the key in force there.
  if (previous.signature !== undefined && previous.size <= header.from - 1 && !verifyCheckpointSignature(previous, key)) {
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

/**
 * The order-dependent checks, fed one line at a time in bundle order. Each method returns false
 * once a fault has been found (and result() then reports it).
 */
class BundleChecker {
  /**
   * @param {PreviousCheckpoint | undefined} previous
   * @param {ChainKey|null} pinned the key the header key must be, or lead to through the previous export's rotations
   * @param {((seq: number) => void) | undefined} onProgress
   * @param {WitnessChecks} [witness] pinned witness keys and the checkpoints an older export had cosigned
   * @param {ReadonlyArray<ChainKey>} [witnesses] witness keys that may cosign a rotation the lost previous key could not sign
   */
  constructor(previous, pinned, onProgress, witness = new WitnessChecks(), witnesses = []) {
    this.previous = previous;
    this.witness = witness;
    /** seq at which WitnessChecks.chainAt must see the chain (a head cosigned in the older export) */
    this.watchSeq = witness.watchSize;
    this.pinned = pinned;
    this.onProgress = onProgress;
    this.witnesses = witnesses;
    this.lineNo = 0;
    /** @type {any} */
    this.header = null;
    /** @type {KeyChain | undefined} the key in force (the header key, then each rotation's), once the header is validated */
    this.keys = undefined;
    this.lastKind = ''; // kind of the previous line: a checkpoint may only follow the header or an event
    this.lastSeq = 0; // seq of the last event read (from-1 before the first one)
    /** h(lastSeq), recomputed by us, never taken from the bundle; its 32 bytes are kept in pair[0..32) */
    this.running = GENESIS;
    this.covered = 0; // size of the last valid checkpoint
    this.events = 0;
    this.checkpoints = 0;
    /** @type {VerifyFailure | null} */
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
        ok = this.record(/** @type {string} */ (texts.get(i)), (flag & COSIGNATURE_VERIFIED) !== 0);
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
   * @param {any} [rotation] the event, when it rotates the key: the new key is in force from this seq on
   */
  extend(seq, leafMatches, leaves, at, chainStated, chains, cat, rotation) {
    if (!leafMatches) return this.fail(seq, `event ${seq} was modified: leaf hash mismatch`);
    const pair = this.pair;
    for (let k = 0; k < 32; k++) pair[32 + k] = leaves[at + k];
    this.running = chainHashOfBytes(pair); // h(seq) = SHA-256(h(seq-1) || leaf(seq))
    hexInto(this.running, pair, 0); // (a hex string rather than a Buffer: no native allocation per event)
    if (!chainStated || !sameBytes(pair, 0, chains, cat)) return this.fail(seq, `event ${seq}: chain hash mismatch (the hash chain is broken)`);
    this.lastSeq = seq;
    this.events++;
    this.lastKind = 'event';
    if (seq === this.watchSeq) {
      const split = this.witness.chainAt(seq, this.running);
      this.watchSeq = this.witness.watchSize;
      if (split) return this.fail(seq, split);
    }
    if (rotation) {
      const problem = /** @type {KeyChain} */ (this.keys).rotate(rotation.data, seq);
      if (problem) return this.fail(seq, `event ${seq}: key rotation refused: ${problem}`);
      for (const k of rotationCosigners(rotation.data, this.witnesses)) this.witness.rotationCosignedBy(rawPublicKey(k.key));
    }
    // Append-only proof: when we pass the older checkpoint's size, our chain must equal its head.
    const previous = this.previous;
    if (previous !== undefined && previous.size === seq) {
      if (previous.head !== this.running) return this.fail(seq, `history was rewritten: the chain at seq ${seq} differs from the previous export's head`);
      const keys = /** @type {KeyChain} */ (this.keys);
      if (previous.signature !== undefined && !verifyCheckpointSignature(previous, keys.current.key)) {
        return this.fail(seq, `the previous checkpoint is not signed by the key in force at size ${seq} (${keys.current.fingerprint})`);
      }
    }
    if (this.onProgress) this.onProgress(seq);
    return true;
  }

  /**
   * Any line that is not a well-formed event, witness events, and the first line: parsed and judged here.
   * @param {string} text @param {boolean} [cosignatureVerified] a witness cosignature already checked (analyzeLine)
   */
  record(text, cosignatureVerified = false) {
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
      this.keys = new KeyChain(chainKey(rec.publicKey), rec.origin, this.witnesses);
      if (this.pinned !== null && rec.keyFingerprint !== this.pinned.fingerprint) {
        // An increment that starts after a rotation: the older export's rotations lead from the pinned key to it.
        const reached = this.previous && this.previous.rotations ? followRotations(this.pinned, this.previous.rotations, rec.origin, this.witnesses) : [];
        if (!reached.some((k) => k.fingerprint === rec.keyFingerprint)) {
          return this.fail(rec.from, `bundle signed by an unexpected key (fingerprint ${rec.keyFingerprint}, expected ${this.pinned.fingerprint}${reached.length > 1 ? ` or a key it rotated to: ${reached.slice(1).map((k) => k.fingerprint).join(', ')}` : ''})`);
        }
      }
      this.lastSeq = this.covered = rec.from - 1;
      this.running = rec.previousHead;
      this.keys.vouched(rec.from - 1, rec.previousHead);
      hexInto(rec.previousHead, this.pair, 0);
      if (this.previous !== undefined) {
        const problem2 = previousProblem(this.previous, rec, this.keys.start.key);
        if (problem2) return this.fail(rec.from, problem2);
      }
      const split = this.witness.start(rec.origin, rec.from, rec.previousHead);
      this.watchSeq = this.witness.watchSize;
      if (split) return this.fail(rec.from, split);
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
      const rotation = isRotation(rec.event) ? rec.event : undefined;
      if (!this.extend(expected, leaf === rec.leaf, this.leaf, 0, hexInto(rec.chain, this.statedChain, 0), this.statedChain, 0, rotation)) return false;
      if (WITNESS_EVENT_TYPES.includes(rec.event.type)) {
        const problem = this.witness.event(expected, rec.event, cosignatureVerified);
        if (problem) return this.fail(expected, problem);
      }
      return true;
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
      // 3b. Signed by the key in force at its size: the header key, or the one the last rotation before it named.
      const keys = /** @type {KeyChain} */ (this.keys);
      if (rec.keyFingerprint !== undefined && rec.keyFingerprint !== keys.current.fingerprint) {
        return this.fail(at, `checkpoint at size ${rec.size} is signed by key ${rec.keyFingerprint}, which no key rotation announced (key in force: ${keys.current.fingerprint})`);
      }
      if (!verifyCheckpointSignature(rec, keys.current.key)) {
        const replaced = keys.replaced.find((k) => verifyCheckpointSignature(rec, k.key));
        if (replaced) return this.fail(at, `checkpoint at size ${rec.size} is signed by key ${replaced.fingerprint}, which a key rotation replaced (key in force: ${keys.current.fingerprint})`);
        return this.fail(at, `checkpoint at size ${rec.size}: bad signature${keys.rotations > 0 ? ` (key in force: ${keys.current.fingerprint})` : ''}`);
      }
      // The field is not signed, so its presence is fixed too: there exactly when the key in force is not the header's.
      if ((rec.keyFingerprint !== undefined) !== (keys.current.fingerprint !== header.keyFingerprint)) {
        return this.fail(at, `checkpoint at size ${rec.size}: "keyFingerprint" must be present exactly when the key in force (${keys.current.fingerprint}) is not the header key`);
      }
      keys.vouched(rec.size, rec.head);
      this.covered = rec.size;
      this.checkpoints++;
      this.witness.checkpoint(rec.size, rec.head);
    } else if (rec.kind === 'header') {
      return this.fail(this.lastSeq + 1, `line ${lineNo}: unexpected second header`);
    } else {
      return this.fail(this.lastSeq + 1, `line ${lineNo}: unknown record kind ${JSON.stringify(rec.kind)}`);
    }
    this.lastKind = rec.kind;
    return true;
  }

  /** 4. End of bundle: everything must be vouched for by a signature, and nothing may be missing. @returns {VerifyResult} */
  result() {
    const { header, lastSeq, covered, previous } = this;
    if (this.failure === null) {
      if (header === null) this.fail(1, 'the bundle is empty: no header line');
      else if (lastSeq > covered) this.fail(covered + 1, `the tail is not covered by a signed checkpoint: events after seq ${covered}`);
      else if (previous !== undefined && previous.size > lastSeq) {
        this.fail(lastSeq + 1, `the newer bundle is shorter than the previous export (it ends at seq ${lastSeq}, the previous checkpoint covers ${previous.size} events)`);
      } else {
        const problem = this.witness.end();
        if (problem) this.fail(lastSeq, problem);
      }
    }
    if (this.failure !== null) return this.failure;
    const keys = /** @type {KeyChain} */ (this.keys);
    return {
      ok: true,
      events: this.events,
      lastSeq,
      head: this.running,
      checkpoints: this.checkpoints,
      keyFingerprint: header.keyFingerprint,
      lastKeyFingerprint: keys.current.fingerprint,
      rotations: keys.rotations,
      from: header.from,
      origin: header.origin,
      cosignatures: this.witness.cosignatures,
    };
  }
}

/** @param {Uint8Array} a @param {number} i @param {Uint8Array} b @param {number} j */
function sameBytes(a, i, b, j) {
  for (let k = 0; k < 32; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}

/** @param {any} cp @param {string} what */
function assertCheckpointShape(cp, what) {
  if (cp === null || typeof cp !== 'object' || !Number.isSafeInteger(cp.size) || cp.size < 0 || !isHex64(cp.head)) {
    throw new TypeError(`${what} is not a checkpoint {size: integer >= 0, head: 64-hex, ...}`);
  }
}

/** @param {unknown} e */
const errorMessage = (e) => (e instanceof Error ? e.message : String(e));

module.exports = { LineResults, analyzeLine, BundleChecker, assertCheckpointShape, parseObject, errorMessage };

#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Offline verifier for cert-ledger bundles (format "cert-ledger-bundle/1").
 *
 * Five files, Node.js >= 20 built-ins only, so that a regulator can read them in full and run them
 * without installing anything (copy them into one folder):
 *
 *   verify-bundle.js   this file: the command line and verifyBundle()
 *   bundle-checker.js  the checks, line by line and in bundle order
 *   bundle-reader.js   reading a file (in worker threads when large), a stream or lines
 *   key-chain.js       rotations of the signing key: which key is in force at each size
 *   canonical.js       canonical JSON, the leaf, the chain, checkpoint signatures; the server
 *                      hashes and signs with this same file
 *   witness.js         witness cosignatures (C2SP cosignature/v1) and their checks
 *
 *   node verify-bundle.js <bundle.ndjson> [--previous <older bundle or checkpoint.json>] [--key <public-key.pem>]
 *                         [--witness-key <witness public key file>]...
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
 *  - Witnesses cosign checkpoints (CheckpointCosigned events in the log). Every cosignature must
 *    verify and name a head the bundle's chain reaches; with --witness-key, that witness must have
 *    cosigned at least one checkpoint (or key rotation); with --previous, every checkpoint the older export shows
 *    cosigned must have the same head here (else: a split view).
 *  - The signing key may be rotated: a SigningKeyRotated event, signed by the key in force and by
 *    the new key, hands over to the new key from its seq on; every checkpoint must be signed by the
 *    key in force at its size. With --previous, the older bundle's rotations lead from the pinned
 *    key to a newer header key. A rotation the lost previous key could not sign is followed only
 *    when a --witness-key cosigned it.
 *
 * The bundle is read in blocks of whole lines, so memory use does not grow with the size of the ledger.
 */
const fs = require('node:fs');
const readline = require('node:readline');
const { keyFingerprint } = require('./canonical');
const { chainKey, isRotation } = require('./key-chain');
const { BundleChecker, assertCheckpointShape, errorMessage, parseObject } = require('./bundle-checker');
const { BLOCK_BYTES, BlockReader, checkFile, checkFileInWorkers, checkStream, defaultWorkers } = require('./bundle-reader');
const { CHECKPOINT_COSIGNED, checkCosignature, rawPublicKey, WitnessChecks } = require('./witness');

/** @typedef {import('./bundle-checker').PreviousCheckpoint} PreviousCheckpoint */
/** @typedef {import('./bundle-checker').VerifyOk} VerifyOk */
/** @typedef {import('./bundle-checker').VerifyFailure} VerifyFailure */
/** @typedef {import('./bundle-checker').VerifyResult} VerifyResult */
/**
 * @typedef {object} VerifyOptions
 * @property {PreviousCheckpoint} [previous] older checkpoint (see loadPrevious): the bundle must extend it
 * @property {string | import('node:crypto').KeyObject} [publicKeyPem] pinned public key: the bundle header key must be this key
 *   (or one it rotated to, by the rotations of `previous`)
 * @property {(seq: number) => void} [onProgress] called after each verified event with its seq
 * @property {import('./witness').PinnedWitness[]} [witnessKeys] witnesses that must have cosigned a checkpoint of the bundle;
 *   by default they are also the witnesses that may cosign a key rotation the lost previous key could not sign
 * @property {Array<string | import('node:crypto').KeyObject | {raw: Uint8Array}>} [rotationWitnessKeys] witness public keys
 *   (PEM, KeyObject, or the 32 raw bytes) that may cosign such a rotation, when they are not `witnessKeys`
 * @property {import('./witness').CosignedCheckpoint[]} [previousCosigned] checkpoints an older export shows
 *   cosigned (see loadCosigned): the bundle's chain must have the same head at their sizes
 * @property {number} [workers] file input only: worker threads recomputing leaves (0 = all in this
 *   thread). Default: one per CPU core (at most 8) for a file of 32 MiB or more on a machine with
 *   several cores, else 0. The verdict does not depend on it.
 * @property {number} [blockBytes] file input only: bytes read at a time (default 120,000); a smaller value is for tests
 */

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
 * @param {VerifyOptions} [options]
 * @returns {Promise<VerifyResult>} I/O errors reject instead.
 */
async function verifyBundle(input, options = {}) {
  const { previous, publicKeyPem, onProgress } = options;
  if (previous !== undefined) assertCheckpointShape(previous, 'options.previous');
  const pinned = publicKeyPem === undefined ? null : chainKey(publicKeyPem);
  const witnesses = new WitnessChecks(options.witnessKeys, options.previousCosigned);
  const rotationWitnesses = (options.rotationWitnessKeys ?? (options.witnessKeys || []).map((w) => ({ raw: w.raw }))).map(chainKey);
  const checker = new BundleChecker(previous, pinned, onProgress, witnesses, rotationWitnesses);

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

/**
 * Load the older checkpoint for an append-only proof: either an older bundle (its last
 * checkpoint line is used, with the key rotations it holds; the older bundle is streamed, never
 * held in memory) or a JSON file containing one checkpoint object.
 * @param {string} path @returns {Promise<PreviousCheckpoint>}
 */
async function loadPrevious(path) {
  const input = fs.createReadStream(path);
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let isBundle = null; // decided by the first line
  let last = null;
  /** @type {any[]} */
  const rotations = [];
  try {
    for await (const text of lines) {
      if (isBundle === null) {
        const first = parseObject(text); // null for e.g. the "{" of a pretty-printed checkpoint file
        isBundle = first !== null && first.kind === 'header';
        if (!isBundle) break; // a checkpoint JSON file: small, read as a whole below
      } else if (text.includes('checkpoint')) {
        const rec = JSON.parse(text);
        if (rec && rec.kind === 'checkpoint') last = rec;
        else if (rec && rec.kind === 'event' && isRotation(rec.event)) rotations.push(rec.event.data);
      } else if (text.includes('SigningKeyRotated')) {
        const rec = JSON.parse(text);
        if (rec && rec.kind === 'event' && isRotation(rec.event)) rotations.push(rec.event.data);
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  const cp = isBundle ? last : JSON.parse(fs.readFileSync(path, 'utf8'));
  if (cp === null) throw new Error(`${path} is a bundle without any checkpoint`);
  assertCheckpointShape(cp, path);
  return isBundle && rotations.length > 0 ? { ...cp, rotations } : cp;
}

/**
 * The checkpoints an older bundle shows cosigned by a witness (its CheckpointCosigned events whose
 * signature verifies), streamed. A checkpoint JSON file has none.
 * @param {string} path @returns {Promise<import('./witness').CosignedCheckpoint[]>}
 */
async function loadCosigned(path) {
  const input = fs.createReadStream(path);
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  /** @type {import('./witness').CosignedCheckpoint[]} */
  const cosigned = [];
  let origin = null;
  try {
    for await (const text of lines) {
      if (origin === null) {
        const first = parseObject(text);
        if (first === null || first.kind !== 'header') break;
        origin = first.origin;
      } else if (text.includes(`"${CHECKPOINT_COSIGNED}"`)) {
        const rec = parseObject(text);
        const data = rec && rec.kind === 'event' && rec.event && rec.event.type === CHECKPOINT_COSIGNED ? rec.event.data : null;
        if (data === null || typeof data !== 'object') continue;
        const checked = checkCosignature({ origin, size: data.size, head: data.head }, { name: data.witness, publicKey: data.publicKey, signature: data.signature });
        if ('timestamp' in checked) cosigned.push({ size: data.size, head: data.head, witness: data.witness });
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return cosigned;
}

// ---- Command line -----------------------------------------------------------------------------

const PROGRESS_EVERY = 100000; // events between two progress lines on a terminal

const USAGE = 'usage: node verify-bundle.js <bundle.ndjson> [--previous <older bundle or checkpoint json>] [--key <public key PEM file>] [--witness-key <witness public key file>]...';

/** @param {string[]} argv @returns {{bundle:string, previous?:string, key?:string, witnessKeys: string[]} | null} null on bad arguments */
function parseArgs(argv) {
  /** @type {{bundle?: string, previous?: string, key?: string, witnessKeys: string[]}} */
  const out = { witnessKeys: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s) : [argv[i]];
    if (flag === '--witness-key') {
      const value = inline !== undefined ? inline : argv[++i];
      if (!value) return null;
      out.witnessKeys.push(value);
    } else if (flag === '--previous' || flag === '--key') {
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
  /** @type {import('./witness').CosignedCheckpoint[] | undefined} */
  let previousCosigned;
  /** @type {import('./witness').PinnedWitness[]} */
  const witnessKeys = [];
  try {
    if (args.key !== undefined) keyFingerprint((publicKeyPem = fs.readFileSync(args.key, 'utf8'))); // must be Ed25519
  } catch (e) {
    return fail2(`cannot use the public key ${args.key}: ${errorMessage(e)}`);
  }
  for (const file of args.witnessKeys) {
    try {
      witnessKeys.push({ file, raw: rawPublicKey(fs.readFileSync(file, 'utf8')) });
    } catch (e) {
      return fail2(`cannot use the witness key ${file}: ${errorMessage(e)}`);
    }
  }
  try {
    if (args.previous !== undefined) {
      previous = await loadPrevious(args.previous);
      previousCosigned = await loadCosigned(args.previous);
    }
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
    result = await verifyBundle(args.bundle, { previous, publicKeyPem, witnessKeys, previousCosigned, onProgress: process.stderr.isTTY ? onProgress : undefined });
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
  const cosigned = result.cosignatures > 0 || witnessKeys.length > 0 ? `, ${plural(result.cosignatures, 'witness cosignature')}` : '';
  const keys = result.rotations > 0 ? `keys ${result.keyFingerprint} -> ${result.lastKeyFingerprint} (${plural(result.rotations, 'rotation')})` : `key ${result.keyFingerprint}`;
  console.log(`OK: ${plural(result.events, 'event')}${range}, ${plural(result.checkpoints, 'signed checkpoint')}${cosigned}, head ${result.head}, ${keys}${extension}`);
  return 0;
}

/** Report a usage or input problem (not a verification result) and return exit code 2. @param {string} message */
function fail2(message) {
  console.error(message);
  return 2;
}

module.exports = { verifyBundle, loadPrevious, loadCosigned };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}

// @ts-check
'use strict';
/**
 * Signed attestations (the certificate of blocks, docs/paths.md "Certificates of blocks"): the
 * attested content is a JSON object; its canonical JSON (RFC 8785, canonical.js) is hashed with
 * SHA-256 and signed with the certifier's Ed25519 key (the key that seals records and signs
 * checkpoints). The PDF carries all of it in its document information dictionary, ASCII only
 * (each value in place or as an uncompressed indirect string object), so this file reads it
 * back from the PDF's bytes with no PDF library:
 *
 *   /CertAttestation (<base64 of the canonical JSON>)   /CertHash (<hex SHA-256 of those bytes>)
 *   /CertSignature (<base64 Ed25519 signature of those bytes>)
 *   /CertKeyFingerprint (sha256:<hex of the public key's SPKI DER>)   /CertPublicKey (<base64 SPKI DER>)
 *
 * Run as a script it checks a PDF offline:
 *   node libs/proof/src/attestation.js <certificate.pdf> [--key <certifier public key PEM>]
 * exit 0 when the hash and the signature verify (and the key is the pinned one), 1 otherwise.
 * The embedded public key proves integrity only; --key (or comparing the printed fingerprint with
 * the certifier's published one) proves who signed.
 */
const crypto = require('node:crypto');
const { canonicalize, sha256Hex, keyFingerprint } = require('./canonical');

/** The `format` of the attested content of a certificate of blocks. */
const ATTESTATION_FORMAT = /** @type {const} */ ('cert-blocks-attestation/1');

/** The information dictionary keys, in the order they are written. */
const PDF_KEYS = /** @type {const} */ (['CertAttestation', 'CertHash', 'CertSignature', 'CertKeyFingerprint', 'CertPublicKey']);

/**
 * @typedef {object} SignedAttestation
 * @property {string} canonical the canonical JSON of the content
 * @property {string} hash hex SHA-256 of its UTF-8 bytes
 * @property {string} signature base64 Ed25519 signature of the same bytes
 * @property {string} keyFingerprint
 * @property {string} publicKey base64 SPKI DER of the signing key
 */

/**
 * @param {unknown} content @param {crypto.KeyObject} privateKey an Ed25519 private key
 * @returns {SignedAttestation}
 */
function signAttestation(content, privateKey) {
  const canonical = canonicalize(content);
  const bytes = Buffer.from(canonical, 'utf8');
  const publicKey = crypto.createPublicKey(privateKey);
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    canonical,
    hash: sha256Hex(bytes),
    signature: crypto.sign(null, bytes, privateKey).toString('base64'),
    keyFingerprint: keyFingerprint(pem),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/** The information dictionary entries of a signed attestation, ASCII only. @param {SignedAttestation} s @returns {Record<string, string>} */
function pdfInfoOf(s) {
  return {
    CertAttestation: Buffer.from(s.canonical, 'utf8').toString('base64'),
    CertHash: s.hash,
    CertSignature: s.signature,
    CertKeyFingerprint: s.keyFingerprint,
    CertPublicKey: s.publicKey,
  };
}

/**
 * The signed attestation a PDF carries, or null when it carries none. The last occurrence of each
 * key wins, as a PDF reader takes the last revision of the information dictionary.
 * @param {Buffer} pdf @returns {SignedAttestation | null}
 */
function attestationOfPdf(pdf) {
  const text = pdf.toString('latin1');
  /** @type {Record<string, string>} */
  const found = {};
  for (const key of PDF_KEYS) {
    // The value is written in place, `/Key (value)`, or as an indirect object, `/Key 14 0 R` … `14 0 obj (value) endobj` (pdfkit).
    const all = [...text.matchAll(new RegExp(`/${key}\\s*(?:\\(([A-Za-z0-9+/=:]*)\\)|(\\d+)\\s+(\\d+)\\s+R)`, 'g'))];
    if (all.length === 0) return null;
    const [, direct, objectNumber, generation] = all[all.length - 1];
    if (direct !== undefined) {
      found[key] = direct;
      continue;
    }
    const objects = [...text.matchAll(new RegExp(`(?:^|\\s)${objectNumber}\\s+${generation}\\s+obj\\s*\\(([A-Za-z0-9+/=:]*)\\)\\s*endobj`, 'g'))];
    if (objects.length === 0) return null;
    found[key] = objects[objects.length - 1][1];
  }
  return {
    canonical: Buffer.from(found.CertAttestation, 'base64').toString('utf8'),
    hash: found.CertHash,
    signature: found.CertSignature,
    keyFingerprint: found.CertKeyFingerprint,
    publicKey: found.CertPublicKey,
  };
}

/**
 * @typedef {object} AttestationCheck
 * @property {boolean} verified
 * @property {string[]} errors
 * @property {unknown} content the attested content (parsed), when it parses
 * @property {string | undefined} keyFingerprint
 */

/**
 * Checks a signed attestation: the content is canonical, its hash is the one given, the signature
 * verifies with the embedded key, the fingerprint names that key, and (when pinned) the key is the
 * pinned one. Never throws.
 * @param {SignedAttestation | null} s @param {crypto.KeyObject | undefined} [pinned] @returns {AttestationCheck}
 */
function verifyAttestation(s, pinned) {
  if (!s) return { verified: false, errors: ['no signed attestation in this document'], content: undefined, keyFingerprint: undefined };
  /** @type {string[]} */
  const errors = [];
  let content;
  try {
    content = JSON.parse(s.canonical);
    if (canonicalize(content) !== s.canonical) errors.push('the attested content is not in canonical form');
  } catch {
    errors.push('the attested content is not JSON');
  }
  const bytes = Buffer.from(s.canonical, 'utf8');
  if (sha256Hex(bytes) !== s.hash) errors.push('the hash does not match the attested content');
  try {
    const key = crypto.createPublicKey({ key: Buffer.from(s.publicKey, 'base64'), format: 'der', type: 'spki' });
    const pem = key.export({ type: 'spki', format: 'pem' }).toString();
    if (keyFingerprint(pem) !== s.keyFingerprint) errors.push('the key fingerprint does not name the embedded key');
    if (!crypto.verify(null, bytes, key, Buffer.from(s.signature, 'base64'))) errors.push('the signature does not verify');
    if (pinned && keyFingerprint(pinned.export({ type: 'spki', format: 'pem' }).toString()) !== s.keyFingerprint) errors.push('signed by another key than the pinned one');
  } catch {
    errors.push('the embedded public key is not an Ed25519 key');
  }
  return { verified: errors.length === 0, errors, content, keyFingerprint: s.keyFingerprint };
}

/** @param {string[]} args @returns {number} the exit code */
function main(args) {
  const at = args.indexOf('--key');
  const keyFile = at >= 0 ? args[at + 1] : undefined;
  const files = args.filter((a, i) => a !== '--key' && (at < 0 || i !== at + 1));
  if (files.length !== 1 || (at >= 0 && !keyFile)) {
    process.stderr.write('usage: node libs/proof/src/attestation.js <certificate.pdf> [--key <certifier public key PEM>]\n');
    return 2;
  }
  const fs = require('node:fs');
  const pinned = keyFile ? crypto.createPublicKey(fs.readFileSync(keyFile, 'utf8')) : undefined;
  const check = verifyAttestation(attestationOfPdf(fs.readFileSync(files[0])), pinned);
  process.stdout.write(`${JSON.stringify({ ...check, pinned: !!pinned }, null, 2)}\n`);
  return check.verified ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { ATTESTATION_FORMAT, PDF_KEYS, signAttestation, pdfInfoOf, attestationOfPdf, verifyAttestation, main };

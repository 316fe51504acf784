import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { attestationOfPdf, pdfInfoOf, signAttestation, verifyAttestation } from './attestation';
import { canonicalize, sha256Hex } from './canonical';

const { privateKey } = generateKeyPairSync('ed25519');
const content = { format: 'cert-blocks-attestation/1', holder: { candidateId: 'c-1', givenName: 'Zoé', familyName: 'Lefèvre' }, certifications: [{ code: 'RNCP00000', blocks: [{ rncpCode: 'RNCP00000BC01' }] }] };

/** A PDF's information dictionary as pdfkit writes it: each value an indirect string object. */
function pdfWith(info: Record<string, string>, direct = false): Buffer {
  const keys = Object.keys(info);
  const objects = keys.map((k, i) => `${20 + i} 0 obj\n(${info[k]})\nendobj\n`).join('');
  const dict = keys.map((k, i) => (direct ? `/${k} (${info[k]})` : `/${k} ${20 + i} 0 R`)).join('\n');
  return Buffer.from(`%PDF-1.7\n${direct ? '' : objects}9 0 obj\n<<\n/Title (x)\n${dict}\n>>\nendobj\n%%EOF\n`, 'latin1');
}

describe('signed attestations', () => {
  it('hashes and signs the canonical JSON of the content, deterministically', () => {
    const signed = signAttestation(content, privateKey);
    expect(signed.canonical).toBe(canonicalize(content));
    expect(signed.hash).toBe(sha256Hex(Buffer.from(canonicalize(content), 'utf8')));
    expect(signAttestation({ ...content }, privateKey)).toEqual(signed);
    expect(Object.values(pdfInfoOf(signed)).every((v) => /^[\x20-\x7e]+$/.test(v) && !/[()\\]/.test(v))).toBe(true);
  });

  it('reads the attestation back from a PDF, the values in place or indirect, and verifies it', () => {
    const signed = signAttestation(content, privateKey);
    for (const direct of [false, true]) {
      const read = attestationOfPdf(pdfWith(pdfInfoOf(signed), direct));
      expect(read).toEqual(signed);
      expect(verifyAttestation(read, createPublicKey(privateKey))).toEqual({ verified: true, errors: [], content, keyFingerprint: signed.keyFingerprint });
    }
  });

  it('refuses changed content, a changed hash or signature, another key, and a PDF without attestation', () => {
    const signed = signAttestation(content, privateKey);
    const changed = { ...signed, canonical: signed.canonical.replace('Zoé', 'Zoe') };
    expect(verifyAttestation(changed).errors).toEqual(['the hash does not match the attested content', 'the signature does not verify']);
    expect(verifyAttestation({ ...signed, hash: '0'.repeat(64) }).errors).toEqual(['the hash does not match the attested content']);
    const other = signAttestation({ other: true }, privateKey);
    expect(verifyAttestation({ ...signed, signature: other.signature }).errors).toEqual(['the signature does not verify']);
    expect(verifyAttestation({ ...signed, canonical: '{"b":1,"a":2}', hash: sha256Hex(Buffer.from('{"b":1,"a":2}')) }).errors).toContain('the attested content is not in canonical form');
    const stranger = generateKeyPairSync('ed25519').privateKey;
    expect(verifyAttestation(signed, createPublicKey(stranger)).errors).toEqual(['signed by another key than the pinned one']);
    const resigned = signAttestation(content, stranger);
    expect(verifyAttestation({ ...resigned, keyFingerprint: signed.keyFingerprint }).errors).toEqual(['the key fingerprint does not name the embedded key']);
    expect(attestationOfPdf(Buffer.from('%PDF-1.7\n9 0 obj\n<< /Title (x) >>\nendobj\n'))).toBeNull();
    expect(verifyAttestation(null)).toMatchObject({ verified: false, errors: ['no signed attestation in this document'] });
  });
});

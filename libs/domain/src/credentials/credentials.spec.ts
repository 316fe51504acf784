import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { ReferentialDocument } from '../referential/referential';
import { signDataIntegrity, verifyDataIntegrity } from './data-integrity';
import { didKeyOf, ed25519Multikey, publicKeyFromDidKey } from './did-key';
import { canonicalize } from '@app/proof/canonical';
import { base58btcDecode, base58btcEncode, multibaseDecode } from './multibase';
import { blockCredential, certificationCredential, credentialUrn, encodeStatusList, isRevoked, OB_CONTEXT, statusListCredential, VC_CONTEXT } from './open-badge';

const doc: ReferentialDocument = {
  code: 'RNCP38000',
  title: 'Manager marketing et commercial',
  level: 7,
  certifier: 'CDE FEDE FRANCE',
  validationRule: 'all-criteria',
  blocks: [
    {
      code: 'BC01',
      title: 'Construire les orientations de la stratégie marketing',
      competences: [{ code: 'C1', title: 'Analyser le marché', criteria: [{ code: 'CE1.1', text: 'x', core: true }, { code: 'CE1.2', text: 'y', core: false }] }],
      modalities: [{ code: 'M1', title: 'Mise en situation professionnelle reconstituée', work: 'group', production: ['written'], competences: ['C1'] }],
    },
  ],
};

function issue() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { did, verificationMethod } = didKeyOf(publicKey);
  const credential = blockCredential({
    id: credentialUrn('decision-1'),
    issuer: { id: did, name: 'CDE FEDE FRANCE' },
    validFrom: '2025-06-30T10:00:00.000Z',
    subjectId: 'urn:uuid:0b6f3a52-1a8c-4c55-9d5b-3f1e5b8c2a11',
    referentialId: 'r1',
    referentialUrl: 'https://cert.example/v1/referentials/r1',
    document: doc,
    block: 'BC01',
    status: { listUrl: 'https://cert.example/v1/credentials/status', index: 7 },
  });
  const signed = signDataIntegrity(credential as unknown as Record<string, unknown>, { privateKey, verificationMethod, created: '2025-06-30T10:00:00.000Z' });
  return { signed, privateKey, publicKey, verificationMethod };
}

describe('RFC 8785 canonical JSON', () => {
  it('sorts members, drops whitespace and serialises numbers as ECMAScript does', () => {
    expect(canonicalize({ b: [1e21, 0.000001, -0, 'é'], a: { z: null, y: true } })).toBe('{"a":{"y":true,"z":null},"b":[1e+21,0.000001,0,"é"]}');
    // RFC 8785 §3.2.3: members sorted by UTF-16 code units
    expect(canonicalize({ '\u20ac': 1, '\r': 2, '1': 3, '\ud83d\ude00': 4, '\u00f6': 5 })).toBe('{"\\r":2,"1":3,"ö":5,"€":1,"😀":4}');
    expect(() => canonicalize({ a: NaN })).toThrow();
  });
});

describe('multibase and did:key', () => {
  it('round-trips base58btc with leading zeros', () => {
    const bytes = Uint8Array.from([0, 0, 1, 2, 255, 128]);
    expect(base58btcDecode(base58btcEncode(bytes))).toEqual(bytes);
    expect(base58btcEncode(Buffer.from('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
  });

  it('derives the did:key of the vc-di-eddsa test vector key', () => {
    // W3C vc-di-eddsa test vectors: secretKeyMultibase → publicKeyMultibase.
    const secret = multibaseDecode('z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq');
    expect([...secret.slice(0, 2)]).toEqual([0x80, 0x26]);
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(secret.slice(2))]);
    const publicKey = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
    expect(ed25519Multikey(publicKey)).toBe('z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2');
    const { verificationMethod } = didKeyOf(publicKey);
    expect(publicKeyFromDidKey(verificationMethod).export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
  });
});

describe('Open Badges 3.0 credential with an eddsa-jcs-2022 proof', () => {
  it('has the VC 2.0 / OB 3.0 shape: contexts, types, issuer profile, achievement with code, title and criteria', () => {
    const { signed } = issue();
    expect(signed['@context']).toEqual([VC_CONTEXT, OB_CONTEXT]);
    expect(signed.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(signed.issuer).toMatchObject({ type: ['Profile'], name: 'CDE FEDE FRANCE' });
    const achievement = (signed as any).credentialSubject.achievement;
    expect(achievement).toMatchObject({ type: ['Achievement'], humanCode: 'RNCP38000BC01', name: 'Construire les orientations de la stratégie marketing' });
    expect(achievement.criteria.narrative).toContain('C1 — Analyser le marché');
    expect(achievement.criteria.narrative).toContain('Mise en situation professionnelle reconstituée');
    expect((signed as any).credentialStatus).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7' });
    expect(signed.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-jcs-2022', proofPurpose: 'assertionMethod' });
    expect(signed.proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]{80,90}$/);
  });

  it('verifies after a JSON round trip (key order does not matter)', () => {
    const { signed } = issue();
    const reverse = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverse) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)])) : v;
    const reordered = reverse(JSON.parse(JSON.stringify(signed))) as Record<string, unknown>;
    expect(Object.keys(reordered)[0]).toBe('proof');
    expect(verifyDataIntegrity(JSON.parse(JSON.stringify(signed)), publicKeyFromDidKey)).toMatchObject({ verified: true });
    expect(verifyDataIntegrity(reordered, publicKeyFromDidKey)).toMatchObject({ verified: true });
  });

  it('detects any change: the achievement, the subject, the dates, the proof options, the signature', () => {
    const { signed } = issue();
    const tampered: Array<(c: any) => void> = [
      (c) => (c.credentialSubject.achievement.name = 'Autre bloc'),
      (c) => (c.credentialSubject.id = 'urn:uuid:00000000-0000-4000-8000-000000000000'),
      (c) => (c.validFrom = '2020-01-01T00:00:00.000Z'),
      (c) => (c.credentialStatus.statusListIndex = '8'),
      (c) => (c.proof.created = '2025-07-01T00:00:00.000Z'),
      (c) => (c['@context'] = [VC_CONTEXT]),
      (c) => (c.proof.proofValue = c.proof.proofValue.slice(0, -2) + (c.proof.proofValue.endsWith('11') ? '22' : '11')),
      (c) => (c.extra = true),
    ];
    for (const change of tampered) {
      const copy = JSON.parse(JSON.stringify(signed));
      change(copy);
      expect(verifyDataIntegrity(copy, publicKeyFromDidKey).verified).toBe(false);
    }
  });

  it('refuses a proof whose verification method names another key', () => {
    const { signed } = issue();
    const other = didKeyOf(generateKeyPairSync('ed25519').publicKey).verificationMethod;
    const copy = JSON.parse(JSON.stringify(signed));
    copy.proof.verificationMethod = other;
    expect(verifyDataIntegrity(copy, publicKeyFromDidKey).verified).toBe(false);
    expect(verifyDataIntegrity({ ...signed, proof: undefined }, publicKeyFromDidKey)).toEqual({ verified: false, error: 'no proof' });
  });

  it('builds the certification credential from the referential', () => {
    const c = certificationCredential({
      id: credentialUrn('award'),
      issuer: { id: 'did:web:cert.example', name: 'CDE FEDE FRANCE' },
      validFrom: '2025-06-30T10:00:00.000Z',
      subjectId: 'urn:uuid:x',
      referentialId: 'r1',
      referentialUrl: 'https://cert.example/v1/referentials/r1',
      document: doc,
      status: { listUrl: 'https://cert.example/v1/credentials/status', index: 8 },
    });
    expect(c.credentialSubject.achievement).toMatchObject({ achievementType: 'Certification', humanCode: 'RNCP38000', name: 'Manager marketing et commercial' });
    expect(c.credentialSubject.achievement.criteria.narrative).toContain('BC01');
  });
});

describe('Bitstring status list', () => {
  it('sets exactly the revoked indexes, in a 16 KiB list', () => {
    const list = encodeStatusList([0, 7, 8, 131_071]);
    for (const i of [0, 7, 8, 131_071]) expect(isRevoked(list, i)).toBe(true);
    for (const i of [1, 6, 9, 100, 131_070]) expect(isRevoked(list, i)).toBe(false);
    const credential = statusListCredential({ url: 'https://x/status', issuer: { id: 'did:web:x', name: 'X' }, validFrom: '2025-01-01T00:00:00Z', revoked: [3] });
    expect(credential.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    expect(isRevoked(credential.credentialSubject.encodedList, 3)).toBe(true);
  });
});

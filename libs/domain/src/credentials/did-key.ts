import { createPublicKey, KeyObject } from 'node:crypto';
import { multibaseDecode, multibaseEncode } from './multibase';

/** Multicodec prefix of an Ed25519 public key (0xed, varint-encoded). */
const ED25519_PUB = [0xed, 0x01];

/** The Multikey `publicKeyMultibase` of an Ed25519 public key: z6Mk… */
export function ed25519Multikey(publicKey: KeyObject): string {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('an Ed25519 key is required');
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string };
  const raw = Buffer.from(jwk.x, 'base64url');
  return multibaseEncode(Uint8Array.from([...ED25519_PUB, ...raw]));
}

/** did:key of an Ed25519 key, and its verification method id (did:key:z…#z…). */
export function didKeyOf(publicKey: KeyObject): { did: string; verificationMethod: string } {
  const mk = ed25519Multikey(publicKey);
  return { did: `did:key:${mk}`, verificationMethod: `did:key:${mk}#${mk}` };
}

/** Resolves a did:key verification method to its Ed25519 public key (no network: the key is the identifier). */
export function publicKeyFromDidKey(verificationMethod: string): KeyObject {
  const m = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(?:#(z[1-9A-HJ-NP-Za-km-z]+))?$/.exec(verificationMethod);
  if (!m) throw new Error('not a did:key verification method');
  if (m[2] && m[2] !== m[1]) throw new Error('did:key fragment does not match the key');
  const bytes = multibaseDecode(m[1]);
  if (bytes.length !== 34 || bytes[0] !== ED25519_PUB[0] || bytes[1] !== ED25519_PUB[1]) throw new Error('did:key is not an Ed25519 key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(bytes.slice(2)).toString('base64url') }, format: 'jwk' });
}

import { createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { canonicalize, sha256Hex } from '@app/proof/canonical';
import { SEAL_FORMAT, SealedRecordContent, SealFormat, sealSigningPayload } from '@app/domain/jury/seal';

/**
 * The seal of a procès-verbal: sealHash = hex SHA-256 of the RFC 8785
 * canonical JSON of the record content; signature = base64 Ed25519 over the
 * UTF-8 canonical JSON of { format, juryId, sealHash }. docs/jury.md says how
 * to check both without this code.
 */
export function sealHashOf(content: SealedRecordContent): string {
  return sha256Hex(canonicalize(content));
}

export function signSeal(juryId: string, sealHash: string, privateKey: KeyObject, format: SealFormat = SEAL_FORMAT): string {
  return sign(null, Buffer.from(canonicalize(sealSigningPayload(juryId, sealHash, format)), 'utf8'), privateKey).toString('base64');
}

export function verifySeal(juryId: string, sealHash: string, signature: string, publicKeyPem: string, format: SealFormat = SEAL_FORMAT): boolean {
  try {
    return verify(null, Buffer.from(canonicalize(sealSigningPayload(juryId, sealHash, format)), 'utf8'), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

import { createHash, KeyObject, sign, verify } from 'node:crypto';
import { canonicalize } from '@app/proof/canonical';
import { multibaseDecode, multibaseEncode } from './multibase';

/**
 * W3C Data Integrity EdDSA Cryptosuites v1.0, `eddsa-jcs-2022`:
 * hashData = SHA-256(JCS(proof config)) ‖ SHA-256(JCS(document without proof)),
 * proofValue = multibase base58btc of the Ed25519 signature of hashData.
 * Keys come in as parameters: no key store, no clock, no network here.
 */
export const CRYPTOSUITE = 'eddsa-jcs-2022';

export interface DataIntegrityProof {
  type: 'DataIntegrityProof';
  cryptosuite: typeof CRYPTOSUITE;
  created: string;
  verificationMethod: string;
  proofPurpose: string;
  '@context'?: unknown;
  proofValue?: string;
}

export interface ProofOptions {
  privateKey: KeyObject;
  verificationMethod: string;
  /** ISO 8601 timestamp. */
  created: string;
  proofPurpose?: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function hashData(document: Record<string, unknown>, proofConfig: Record<string, unknown>): Buffer {
  return Buffer.concat([sha256(canonicalize(proofConfig)), sha256(canonicalize(document))]);
}

/** Adds a `proof` to a copy of the document. */
export function signDataIntegrity<T extends Record<string, unknown>>(document: T, options: ProofOptions): T & { proof: DataIntegrityProof } {
  if (options.privateKey.asymmetricKeyType !== 'ed25519') throw new Error('eddsa-jcs-2022 needs an Ed25519 private key');
  const { proof: _ignored, ...unsecured } = document as Record<string, unknown>;
  const proofConfig: DataIntegrityProof = {
    type: 'DataIntegrityProof',
    cryptosuite: CRYPTOSUITE,
    created: options.created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose ?? 'assertionMethod',
  };
  // The spec binds the proof to the document's context when it has one.
  if (unsecured['@context'] !== undefined) proofConfig['@context'] = unsecured['@context'];
  const signature = sign(null, hashData(unsecured, proofConfig as unknown as Record<string, unknown>), options.privateKey);
  return { ...(unsecured as T), proof: { ...proofConfig, proofValue: multibaseEncode(signature) } };
}

export type VerifyOutcome = { verified: true; verificationMethod: string } | { verified: false; error: string };

/** Checks the proof with the key `resolveKey` gives for its verification method; never throws. */
export function verifyDataIntegrity(secured: unknown, resolveKey: (verificationMethod: string) => KeyObject): VerifyOutcome {
  try {
    if (!secured || typeof secured !== 'object' || Array.isArray(secured)) return { verified: false, error: 'the credential must be a JSON object' };
    const { proof, ...unsecured } = secured as Record<string, unknown>;
    if (!proof || typeof proof !== 'object' || Array.isArray(proof)) return { verified: false, error: 'no proof' };
    const { proofValue, ...proofConfig } = proof as Record<string, unknown>;
    if (proofConfig.type !== 'DataIntegrityProof' || proofConfig.cryptosuite !== CRYPTOSUITE) return { verified: false, error: `unsupported proof (expected DataIntegrityProof ${CRYPTOSUITE})` };
    if (typeof proofValue !== 'string') return { verified: false, error: 'proofValue missing' };
    if (typeof proofConfig.verificationMethod !== 'string') return { verified: false, error: 'verificationMethod missing' };
    if (proofConfig.proofPurpose !== 'assertionMethod') return { verified: false, error: 'proofPurpose must be assertionMethod' };
    if (proofConfig['@context'] !== undefined && canonicalize(proofConfig['@context']) !== canonicalize(unsecured['@context'] ?? null)) {
      return { verified: false, error: 'the proof context differs from the document context' };
    }
    const key = resolveKey(proofConfig.verificationMethod);
    const signature = Buffer.from(multibaseDecode(proofValue));
    if (signature.length !== 64) return { verified: false, error: 'proofValue is not an Ed25519 signature' };
    const ok = verify(null, hashData(unsecured, proofConfig), key, signature);
    return ok ? { verified: true, verificationMethod: proofConfig.verificationMethod } : { verified: false, error: 'signature does not verify: the credential was changed or signed by another key' };
  } catch (error) {
    return { verified: false, error: (error as Error).message };
  }
}

import { readFileSync } from 'node:fs';
import { CommandInput, pinnedKeyFlag, UsageError } from '../command';

/**
 * Offline check of a credential's eddsa-jcs-2022 proof: the did:key in the
 * proof is the public key, so no network and no database are needed. Pin the
 * certifier's key with --key to refuse a credential signed by anyone else.
 * Revocation needs the status list: POST /v1/credentials/verify checks it.
 */
export async function run(input: CommandInput): Promise<number> {
  const positional = input.positionals;
  if (positional.length !== 1) throw new UsageError('give exactly one credential file');
  let credential: unknown;
  try {
    credential = JSON.parse(readFileSync(positional[0], 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${positional[0]} as JSON: ${(error as Error).message}`);
  }
  const pinned = pinnedKeyFlag(input);
  const { verifyOffline } = await import('../../../api/src/credentials/credential-issuer');
  const result = verifyOffline(credential, pinned);
  const c = (credential ?? {}) as Record<string, any>;
  process.stdout.write(
    `${JSON.stringify({ ...result, id: c.id, issuer: typeof c.issuer === 'string' ? c.issuer : c.issuer?.id, achievement: c.credentialSubject?.achievement?.humanCode, note: 'revocation is not checked offline: POST /v1/credentials/verify does' }, null, 2)}\n`,
  );
  return result.verified ? 0 : 1;
}

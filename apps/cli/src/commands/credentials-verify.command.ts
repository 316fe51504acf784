import { createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CliCommand, parseArgs, UsageError } from '../command';

/**
 * Offline check of a credential's eddsa-jcs-2022 proof: the did:key in the
 * proof is the public key, so no network and no database are needed. Pin the
 * certifier's key with --key to refuse a credential signed by anyone else.
 * Revocation needs the status list: POST /v1/credentials/verify checks it.
 */
export const credentialsVerifyCommand: CliCommand = {
  name: 'credentials verify',
  summary: "verify an Open Badges credential's signature offline (exit 0 valid, 1 not); --key pins the certifier's public key",
  usage: 'credentials verify <credential.json> [--key <certifier public key PEM file>]',
  async run(args) {
    const { flags, positional } = parseArgs(args);
    if (positional.length !== 1) throw new UsageError('give exactly one credential file');
    let credential: unknown;
    try {
      credential = JSON.parse(readFileSync(positional[0], 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read ${positional[0]} as JSON: ${(error as Error).message}`);
    }
    let pinned: KeyObject | undefined;
    if (flags.key?.[0]) {
      try {
        pinned = createPublicKey(readFileSync(flags.key[0], 'utf8'));
      } catch {
        throw new UsageError(`--key: ${flags.key[0]} is not a readable public key PEM`);
      }
    }
    const { verifyOffline } = await import('../../../api/src/credentials/credential-issuer');
    const result = verifyOffline(credential, pinned);
    const c = (credential ?? {}) as Record<string, any>;
    process.stdout.write(
      `${JSON.stringify({ ...result, id: c.id, issuer: typeof c.issuer === 'string' ? c.issuer : c.issuer?.id, achievement: c.credentialSubject?.achievement?.humanCode, note: 'revocation is not checked offline: POST /v1/credentials/verify does' }, null, 2)}\n`,
    );
    return result.verified ? 0 : 1;
  },
};

import { readFileSync } from 'node:fs';
import { attestationOfPdf, verifyAttestation } from '@app/proof/attestation';
import { CommandInput, pinnedKeyFlag, UsageError } from '../command';

/**
 * Offline check of a certificate of blocks: the attested content, its hash,
 * the Ed25519 signature and the key fingerprint, all read from the PDF's
 * metadata (libs/proof/src/attestation.js). --key pins the certifier's public
 * key, so a certificate signed by anyone else is refused.
 */
export async function run(input: CommandInput): Promise<number> {
  if (input.positionals.length !== 1) throw new UsageError('give exactly one certificate PDF');
  let pdf: Buffer;
  try {
    pdf = readFileSync(input.positionals[0]);
  } catch (error) {
    throw new UsageError(`cannot read ${input.positionals[0]}: ${(error as Error).message}`);
  }
  const pinned = pinnedKeyFlag(input);
  const check = verifyAttestation(attestationOfPdf(pdf), pinned);
  process.stdout.write(`${JSON.stringify({ ...check, pinned: !!pinned }, null, 2)}\n`);
  return check.verified ? 0 : 1;
}

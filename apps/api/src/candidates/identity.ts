import { Injectable } from '@nestjs/common';
import { Identity } from '@app/domain/candidate/candidate';
import { isSealed, PersonalDataVault, Sealed } from '@app/platform/personal-data/vault';

/**
 * The one place a candidate's identity is sealed and read back. Everything
 * else carries the Sealed value; erasure (crypto-shredding) and
 * pseudonymisation plug in here.
 */
@Injectable()
export class CandidateIdentity {
  constructor(private readonly vault: PersonalDataVault) {}

  seal(candidateId: string, identity: Identity): Promise<Sealed> {
    return this.vault.seal(candidateId, identity);
  }

  /** The plaintext identity, or null once the candidate's key was erased. */
  async read(sealed: unknown): Promise<Identity | null> {
    return isSealed(sealed) ? this.vault.open<Identity>(sealed) : null;
  }
}

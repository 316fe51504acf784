import { Injectable } from '@nestjs/common';
import { Identity } from '@app/domain/candidate/candidate';
import { PersonalDataVault, Sealed } from '@app/platform/personal-data/vault';

/**
 * The one place a candidate's identity is sealed. Everything else carries the
 * Sealed value; reading it back, as each role may see it, goes through
 * IdentityViews (libs/platform/src/personal-data/identity-view.ts).
 */
@Injectable()
export class CandidateIdentity {
  constructor(private readonly vault: PersonalDataVault) {}

  seal(candidateId: string, identity: Identity): Promise<Sealed> {
    return this.vault.seal(candidateId, identity);
  }
}

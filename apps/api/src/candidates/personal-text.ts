import { Injectable } from '@nestjs/common';
import { conflict } from '@app/domain/shared/errors';
import { isSealed, PersonalDataVault, Sealed } from '@app/platform/personal-data/vault';

/**
 * Free texts that may speak of health (accommodation details and
 * justification, referent motivations) are sealed under the candidate's key
 * before the domain sees them. A blank text becomes null so the domain can
 * still say "motivation required" without reading the plaintext.
 */
@Injectable()
export class PersonalText {
  constructor(private readonly vault: PersonalDataVault) {}

  async seal(candidateId: string, text: string | undefined | null): Promise<Sealed | null> {
    if (typeof text !== 'string' || text.trim() === '') return null;
    try {
      return await this.vault.seal(candidateId, text.trim());
    } catch (error) {
      // The key was erased between loading the file and sealing: the file is closed, not broken.
      if (error instanceof Error && /erased/.test(error.message)) throw conflict('PERSONAL_DATA_ERASED', `the personal data of candidate ${candidateId} was erased`);
      throw error;
    }
  }

  /** The text, or null once the candidate's key was erased. */
  async open(sealed: unknown): Promise<string | null> {
    if (!isSealed(sealed)) return null;
    const plain = await this.vault.open<unknown>(sealed);
    return plain === null ? null : String(plain);
  }
}

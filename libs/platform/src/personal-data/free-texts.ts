import { Inject, Injectable } from '@nestjs/common';
import { conflict } from '@app/domain/shared/errors';
import { DEFAULT_MOTIVATION_MIN_LENGTH, meaningfulText, SealedMotivation, SealedText, TextRule } from '@app/domain/shared/free-text';
import type { AppConfig } from '../config';
import { APP_CONFIG } from '../persistence.module';
import { PersonalDataVault } from './vault';

/** A reason, note or comment: non-blank once trimmed, at most 2000 characters (motivations: `motivation()`). */
export type FreeTextRule = Omit<TextRule, 'min' | 'requiredCode'>;

/**
 * The one place free texts about a candidate (reasons, notes, comments,
 * motivations) are checked and sealed under the candidate's key before a
 * command's `decide` sees them. A blank text becomes null, so the domain can
 * still say "required" without reading the plaintext.
 */
@Injectable()
export class FreeTexts {
  readonly motivationMinLength: number;

  constructor(
    private readonly vault: PersonalDataVault,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.motivationMinLength = config.motivationMinLength ?? DEFAULT_MOTIVATION_MIN_LENGTH;
  }

  /** Trimmed and checked (400 when too long), without sealing: for callers that seal later. */
  check(value: unknown, textRule: FreeTextRule): string | null {
    return meaningfulText(value, textRule);
  }

  /** Checks then seals under the candidate's key; null when blank. */
  async seal(candidateId: string, value: unknown, textRule: FreeTextRule): Promise<SealedText | null> {
    const text = this.check(value, textRule);
    return text === null ? null : this.sealChecked(candidateId, text);
  }

  /**
   * A motivation: trimmed, at most 2000 characters (400), sealed, and handed
   * to the decider with its length so the minimum is checked there, after
   * the rules that say who may act. Null when blank.
   */
  async motivation(candidateId: string, value: unknown, path = 'motivation'): Promise<SealedMotivation | null> {
    const text = meaningfulText(value, { path });
    if (text === null) return null;
    return { sealed: await this.sealChecked(candidateId, text), length: [...text].length, minLength: this.motivationMinLength };
  }

  async sealChecked(candidateId: string, text: string): Promise<SealedText> {
    try {
      return (await this.vault.seal(candidateId, text)) as SealedText;
    } catch (error) {
      // The key was erased between loading the file and sealing: the file is closed, not broken.
      if (error instanceof Error && /erased/.test(error.message)) throw conflict('PERSONAL_DATA_ERASED', `the personal data of candidate ${candidateId} was erased`);
      throw error;
    }
  }
}

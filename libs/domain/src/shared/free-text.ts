import { CodeOfKind } from './error-codes';
import { invalid, rule } from './errors';

/**
 * Free texts people type about a candidate (reasons, notes, comments,
 * motivations) may name them or speak of their health, so they are sealed
 * under the candidate's key before they reach `decide` (docs/security.md,
 * "Who sees what"). The domain therefore never reads them: the caller checks
 * them here first, then seals what this returns.
 */

/** Ciphertext under the candidate's key, as every personal value is stored (libs/platform personal-data/vault.ts). */
export interface SealedText {
  alg: 'A256GCM';
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}

/**
 * A free text as events hold it: sealed since schema version 2 of the events
 * that carry one; a plain string in events written before (schema version 1),
 * which stay as they are: the log is never rewritten. Readers accept both.
 */
export type StoredText = SealedText | string;

/**
 * What a text may reveal, which decides who reads it in clear:
 * - `health`: accommodation justification and details, referent opinions,
 *   accommodation decision reasons and application notes (admin, referent);
 * - `personal`: score comments and correction reasons, jury motivations,
 *   recusal and appeal reasons (every reader who sees the identity in clear).
 */
export type TextKind = 'health' | 'personal';

export const TEXT_MAX_LENGTH = 2000;
/** A motivation or reason shorter than this says nothing a reader could check ("…", "ok"). */
export const DEFAULT_MOTIVATION_MIN_LENGTH = 10;

export interface TextRule {
  /** The field, for the error (e.g. `motivation`). */
  path: string;
  /** Required motivations refuse a missing or too short text with this code (e.g. MOTIVATION_REQUIRED). */
  requiredCode?: CodeOfKind<'rule'>;
  /** Minimum length after trimming; 1 when unset. */
  min?: number;
  max?: number;
}

/**
 * The text trimmed, or null when absent or blank. A text shorter than `min`
 * is refused (422 `requiredCode`, or MOTIVATION_TOO_SHORT when the text is
 * optional), one longer than `max` is a 400.
 */
export function meaningfulText(value: unknown, textRule: TextRule): string | null {
  const { path, requiredCode, min = 1, max = TEXT_MAX_LENGTH } = textRule;
  if (value !== undefined && value !== null && typeof value !== 'string') throw invalid(`${path} must be a string`, [{ path, message: 'type' }]);
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed.length > max) throw invalid(`${path} must be at most ${max} characters`, [{ path, message: 'length' }]);
  if (trimmed === '') return null; // "required" is the decider's rule: it sees null
  if ([...trimmed].length < min) {
    const message = `${path} must say something a reader can check: at least ${min} characters`;
    throw rule(requiredCode ?? 'MOTIVATION_TOO_SHORT', message, { path, minLength: min });
  }
  return trimmed;
}

/**
 * A motivation sealed by the caller, with what the rule needs to know of it
 * without reading it: its length once trimmed and the configured minimum
 * (MOTIVATION_MIN_LENGTH). The decider applies the rule in its own order
 * (who may act first, then what they wrote).
 */
export interface SealedMotivation {
  sealed: SealedText;
  length: number;
  minLength: number;
}

/**
 * The motivation rule: a required motivation is missing or too short →
 * 422 `MOTIVATION_REQUIRED`; an optional one given but too short →
 * 422 `MOTIVATION_TOO_SHORT`. Returns the sealed text to store, or null.
 */
export function motivationRule(motivation: SealedMotivation | null | undefined, required: boolean, what: string): SealedText | null {
  if (motivation && motivation.length < motivation.minLength) {
    throw rule(required ? 'MOTIVATION_REQUIRED' : 'MOTIVATION_TOO_SHORT', `${what}: a motivation must say something a reader can check, at least ${motivation.minLength} characters`, {
      minLength: motivation.minLength,
    });
  }
  if (required && !motivation) throw rule('MOTIVATION_REQUIRED', `${what} needs a motivation`);
  return motivation?.sealed ?? null;
}

import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { Role } from '@app/domain/shared/decider';
import type { AppConfig } from '../config';
import { APP_CONFIG } from '../persistence.module';
import { ERASED, isSealed, PersonalDataVault, Sealed } from './vault';

/** The plaintext sealed in `CandidateRegistered.identity` (docs/events.md). */
export interface CandidateIdentity {
  givenName: string;
  familyName: string;
  birthDate: string;
  email: string;
  /** The registration's optional fields (API.md), shown when given. */
  usageName?: string;
  sex?: 'M' | 'F';
  birthPlaceCode?: string;
  birthCountryCode?: string;
}

const OPTIONAL_IDENTITY_FIELDS = ['usageName', 'sex', 'birthPlaceCode', 'birthCountryCode'] as const;

/**
 * What a reader shows of a candidate's identity:
 * - `identified`: the plaintext (roles whose work needs the person's name);
 * - `pseudonymised`: a stable pseudonym, never the name (regulators);
 * - `erased`: the key was destroyed, every field reads "[erased]".
 * `pseudonym` is always there, so lists can be joined across views.
 */
export type IdentityView =
  | ({ status: 'identified'; pseudonym: string } & CandidateIdentity)
  | { status: 'pseudonymised'; pseudonym: string }
  | { status: 'erased'; pseudonym: string; givenName: typeof ERASED; familyName: typeof ERASED; birthDate: typeof ERASED; email: typeof ERASED };

/**
 * Roles that may see a candidate's identity in clear when the candidate is in
 * their scope. Regulators audit decisions, not people. Whether a candidate is
 * in a reader's scope is WhoSeesWhat's answer (who-sees-what.ts), which read
 * routes ask first.
 */
export const IDENTIFIED_ROLES: readonly Role[] = ['admin', 'assessor', 'referent', 'jury'];
export const WITHHELD = '[withheld]';

/**
 * The one place read routes turn sealed personal data into what a role may
 * see: decrypt for roles allowed to see identity, a pseudonym for regulators,
 * "[erased]" once the candidate's key is gone. Read models keep the Sealed
 * value (never plaintext), so erasure reaches them without a rebuild.
 */
@Injectable()
export class IdentityViews {
  private pseudonymKey?: Promise<Buffer>;

  constructor(
    private readonly vault: PersonalDataVault,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A stable, non-reversible label for a candidate: "C-" + 16 hex digits of HMAC-SHA-256(key, candidateId). */
  async pseudonym(candidateId: string): Promise<string> {
    const key = await this.key();
    return `C-${createHmac('sha256', key).update(candidateId, 'utf8').digest('hex').slice(0, 16).toUpperCase()}`;
  }

  /** The identity as `role` may see it. */
  identity(candidateId: string, sealed: Sealed | null | undefined, role: Role): Promise<IdentityView> {
    return this.identityShown(candidateId, sealed, IDENTIFIED_ROLES.includes(role));
  }

  /** The identity in clear when `clear`, the pseudonym otherwise; "[erased]" once the key is gone. */
  async identityShown(candidateId: string, sealed: Sealed | null | undefined, clear: boolean): Promise<IdentityView> {
    const pseudonym = await this.pseudonym(candidateId);
    const plain = isSealed(sealed) ? await this.vault.open<CandidateIdentity>(sealed) : null;
    if (!plain) return { status: 'erased', pseudonym, givenName: ERASED, familyName: ERASED, birthDate: ERASED, email: ERASED };
    if (!clear) return { status: 'pseudonymised', pseudonym };
    const optional: Partial<CandidateIdentity> = {};
    for (const field of OPTIONAL_IDENTITY_FIELDS) if (typeof plain[field] === 'string') Object.assign(optional, { [field]: plain[field] });
    return { status: 'identified', pseudonym, givenName: plain.givenName, familyName: plain.familyName, birthDate: plain.birthDate, email: plain.email, ...optional };
  }

  /**
   * Sealed free text (accommodation justification and details, referent
   * motivations: health information): the text when `reveal`, "[withheld]"
   * otherwise, "[erased]" once the key is gone.
   */
  async text(sealed: Sealed | null | undefined, reveal: boolean): Promise<string> {
    if (!isSealed(sealed)) return ERASED;
    const plain = await this.vault.open<unknown>(sealed);
    if (plain === null) return ERASED;
    if (!reveal) return WITHHELD;
    return typeof plain === 'string' ? plain : JSON.stringify(plain);
  }

  private key(): Promise<Buffer> {
    const configured = this.config.security?.pseudonymKey;
    this.pseudonymKey ??= (configured ? Promise.resolve(configured) : this.vault.secret('pseudonym')).catch((error: unknown) => {
      this.pseudonymKey = undefined; // a database hiccup must not poison every later call
      throw error;
    });
    return this.pseudonymKey;
  }
}

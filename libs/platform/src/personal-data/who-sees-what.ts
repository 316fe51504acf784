import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@app/domain/shared/decider';
import { forbidden, notFound } from '@app/domain/shared/errors';
import { candidateSpec, CandidateState, candidateStream } from '@app/domain/candidate/candidate';
import { StoredText, TextKind } from '@app/domain/shared/free-text';
import { sessionSpec, sessionStream } from '@app/domain/session/session';
import { Database } from '@app/event-store/database';
import { juriesOfSessions } from '@app/event-store/jury-sittings';
import { StreamStates } from '../commands/stream-states';
import { DATABASE } from '../persistence.module';
import { IdentityView, IdentityViews, WITHHELD } from './identity-view';
import { ERASED, isSealed, PersonalDataVault, Sealed } from './vault';

/**
 * Every free text events carry about a candidate, by event type and field,
 * with the kind that decides who reads it (docs/events.md lists them as
 * sealed). `accommodations[].details` is written `accommodations.details`.
 */
export const FREE_TEXT_FIELDS: Readonly<Record<string, Readonly<Record<string, TextKind>>>> = {
  AccommodationRequested: { justification: 'health', 'accommodations.details': 'health' },
  ReferentOpinionGiven: { motivation: 'health' },
  NeutralisationRecommended: { motivation: 'health' },
  AccommodationGranted: { reason: 'health' },
  AccommodationRefused: { reason: 'health' },
  AccommodationApplied: { note: 'health' },
  CriterionScored: { comment: 'personal' },
  CriterionScoreCorrected: { comment: 'personal', correctionReason: 'personal' },
  BlockDecided: { motivation: 'personal' },
  MemberRecused: { reason: 'personal' },
  AppealLodged: { reason: 'personal' },
  // The VAE path (docs/paths.md): the candidate's working life, not their health.
  VaeApplicationFiled: { summary: 'personal' },
  VaeAdmissibilityDecided: { motivation: 'personal' },
  VaeFileSubmitted: { file: 'personal' },
  VaeInterviewHeld: { notes: 'personal' },
  // Paths beyond the first session (docs/paths.md): an absence's reason may be medical; a fraud's description and the jury's motivation are personal.
  CandidateAbsent: { reason: 'health' },
  FraudReported: { description: 'personal' },
  FraudDecided: { motivation: 'personal' },
  // Not about one candidate: sealed under the jury record's key (`jury-record:{juryId}`), shown by the same table.
  RecordApproved: { comment: 'personal' },
};

/** Who reads: the token's subject and the roles it holds that the route allows. */
export interface Reader {
  id: string;
  roles: readonly Role[];
}

/** What one reader may see of one candidate (docs/security.md, "Who sees what"). */
export interface ReaderView {
  /** `clear`: the identity decrypted; `pseudonym`: a stable pseudonym, never the name. */
  identity: 'clear' | 'pseudonym';
  /** Health texts in clear (accommodation justification and details, referent opinions, accommodation decision reasons and notes). */
  health: boolean;
  /** Other free texts in clear (score comments, correction reasons, jury motivations, recusal and appeal reasons). */
  personal: boolean;
}

/** Where the candidate stands for this reader: the facts the table's scope column asks about. */
export interface ReaderScope {
  /** The reader is assigned as assessor to a session the candidate is enrolled in. */
  assessesTheCandidate: boolean;
  /** The reader sits on a jury convened for a session the candidate is enrolled in. */
  judgesTheCandidate: boolean;
}

/**
 * The table itself, one row per role: null when the role does not put the
 * candidate in the reader's scope. Regulators audit decisions, not people:
 * the pseudonym only, and no free text (any of them may name the person).
 */
export function viewOfRole(role: Role, scope: ReaderScope): ReaderView | null {
  switch (role) {
    case 'admin':
    case 'referent':
      return { identity: 'clear', health: true, personal: true };
    case 'assessor':
      return scope.assessesTheCandidate ? { identity: 'clear', health: false, personal: true } : null;
    case 'jury':
      return scope.judgesTheCandidate ? { identity: 'clear', health: false, personal: true } : null;
    case 'regulator':
      return { identity: 'pseudonym', health: false, personal: false };
    default: {
      const unknown: never = role;
      return unknown;
    }
  }
}

/** A reader with several roles gets the widest view their roles allow; null when none puts the candidate in scope. */
export function widestView(roles: readonly Role[], scope: ReaderScope): ReaderView | null {
  let view: ReaderView | null = null;
  for (const role of roles) {
    const v = viewOfRole(role, scope);
    if (!v) continue;
    view = view
      ? { identity: view.identity === 'clear' || v.identity === 'clear' ? 'clear' : 'pseudonym', health: view.health || v.health, personal: view.personal || v.personal }
      : v;
  }
  return view;
}

/** Whether the table's answer for these roles can depend on the reader's work (assessor and jury rows). */
const needsScope = (roles: readonly Role[]) => {
  const full = widestView(roles, { assessesTheCandidate: false, judgesTheCandidate: false });
  const widest = widestView(roles, { assessesTheCandidate: true, judgesTheCandidate: true });
  return JSON.stringify(full) !== JSON.stringify(widest);
};

/**
 * The one place read routes ask what a reader may see of a candidate:
 * in scope or 403, identity clear or pseudonym or "[erased]", health and
 * other free texts clear or "[withheld]" or "[erased]". Scope comes from the
 * candidate's enrolments (the caller has folded the file), the sessions'
 * assessors (session streams, folded incrementally) and the juries convened
 * for those sessions (one indexed read of the log).
 */
@Injectable()
export class WhoSeesWhat {
  constructor(
    private readonly states: StreamStates,
    @Inject(DATABASE) private readonly db: Database,
    private readonly identities: IdentityViews,
    private readonly vault: PersonalDataVault,
  ) {}

  /** The reader's view of a candidate enrolled in `sessionIds`, or 403 FORBIDDEN when the candidate is out of their scope. */
  async view(reader: Reader, candidateId: string, sessionIds: readonly string[]): Promise<ReaderView> {
    const scope = needsScope(reader.roles) ? await this.scope(reader, sessionIds) : { assessesTheCandidate: false, judgesTheCandidate: false };
    const view = widestView(reader.roles, scope);
    if (!view) throw forbidden(`candidate ${candidateId} is outside the work of ${reader.id}: assessors read the candidates of their sessions, jury members those of their juries' sessions`);
    return view;
  }

  /**
   * The same for routes that do not fold the candidate's file themselves
   * (progress, history, credentials): the file is folded incrementally
   * (StreamStates), 404 when the candidate does not exist.
   */
  async viewOfCandidate(reader: Reader, candidateId: string): Promise<{ view: ReaderView; candidate: CandidateState }> {
    const candidate = (await this.states.fold(candidateStream(candidateId), candidateSpec)).state;
    if (!candidate.registered) throw notFound('candidate', candidateId);
    return { view: await this.view(reader, candidateId, Object.keys(candidate.enrolments)), candidate };
  }

  /**
   * Only the 403 (routes that show no identity and no text: progress,
   * credentials, which answer their own 404). Readers whose roles alone
   * decide (admin, referent, regulator) cost no read at all.
   */
  async assertInScope(reader: Reader, candidateId: string): Promise<void> {
    if (widestView(reader.roles, { assessesTheCandidate: false, judgesTheCandidate: false })) return; // in scope whatever their work
    const candidate = (await this.states.fold(candidateStream(candidateId), candidateSpec)).state;
    if (!candidate.registered) return;
    await this.view(reader, candidateId, Object.keys(candidate.enrolments));
  }

  /** The reader's view of the candidates of a jury's record: its members judge every candidate of its session. */
  viewForJury(reader: Reader, memberIds: readonly string[]): ReaderView {
    const view = widestView(reader.roles, { assessesTheCandidate: false, judgesTheCandidate: memberIds.includes(reader.id) });
    if (!view) throw forbidden('only members of this jury may read its record');
    return view;
  }

  async scope(reader: Reader, sessionIds: readonly string[]): Promise<ReaderScope> {
    let assessesTheCandidate = false;
    if (reader.roles.includes('assessor')) {
      for (const sessionId of sessionIds) {
        if ((await this.states.fold(sessionStream(sessionId), sessionSpec)).state.assessors.includes(reader.id)) {
          assessesTheCandidate = true;
          break;
        }
      }
    }
    const judgesTheCandidate = reader.roles.includes('jury') && (await juriesOfSessions(this.db.pool, sessionIds)).some((j) => j.memberIds.includes(reader.id));
    return { assessesTheCandidate, judgesTheCandidate };
  }

  /** The identity as the view allows: plaintext, pseudonym, or "[erased]" once the key is gone. */
  identity(candidateId: string, sealed: Sealed | null | undefined, view: ReaderView): Promise<IdentityView> {
    return this.identities.identityShown(candidateId, sealed, view.identity === 'clear');
  }

  pseudonym(candidateId: string): Promise<string> {
    return this.identities.pseudonym(candidateId);
  }

  /** A texts opener for one candidate's values: call `load` once with every value, then `show` synchronously. */
  texts(view: ReaderView, erased: boolean): CandidateTexts {
    return new CandidateTexts(this.vault, view, erased);
  }
}

/**
 * Opens a candidate's free texts as one reader may see them. Every value is
 * opened in one batch (one key look-up per candidate), then shown:
 * - "[erased]" once the candidate's key is gone, for sealed texts and for the
 *   clear texts of events written before texts were sealed alike;
 * - "[withheld]" when the reader's view does not cover that kind of text;
 * - the text otherwise.
 */
export class CandidateTexts {
  private readonly opened = new Map<string, string | null>();

  constructor(
    private readonly vault: PersonalDataVault,
    readonly view: ReaderView,
    private readonly erased: boolean,
  ) {}

  async load(values: Iterable<unknown>): Promise<this> {
    const sealed = [...values].filter((v): v is Sealed => isSealed(v) && !this.opened.has(keyOf(v)));
    if (sealed.length === 0) return this;
    let plain: unknown[];
    try {
      plain = await this.vault.openMany(sealed);
    } catch {
      plain = sealed.map(() => null); // not decryptable: shown as erased, never a 500
    }
    sealed.forEach((s, i) => this.opened.set(keyOf(s), plain[i] === null || plain[i] === undefined ? null : typeof plain[i] === 'string' ? (plain[i] as string) : JSON.stringify(plain[i])));
    return this;
  }

  /** The text as this reader may see it; null when there is no text at all. */
  show(value: StoredText | null | undefined | unknown, kind: TextKind): string | null {
    if (value === undefined || value === null) return null;
    const allowed = kind === 'health' ? this.view.health : this.view.personal;
    if (isSealed(value)) {
      const plain = this.opened.get(keyOf(value));
      if (plain === undefined || plain === null) return ERASED;
      return allowed ? plain : WITHHELD;
    }
    if (typeof value !== 'string') return null;
    // A text stored in clear before texts were sealed: erasure still hides it from every reader.
    if (this.erased) return ERASED;
    return allowed ? value : WITHHELD;
  }
}

const keyOf = (s: Sealed) => `${s.kid}\u0000${s.iv}\u0000${s.ct}`;

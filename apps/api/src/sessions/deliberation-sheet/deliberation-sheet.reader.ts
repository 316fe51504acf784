import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@app/domain/shared/decider';
import { forbidden, invalid, notFound } from '@app/domain/shared/errors';
import { sessionStream } from '@app/domain/session/session';
import type { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { CandidateIdentity } from '@app/platform/personal-data/identity-view';
import { ERASED, isSealed, PersonalDataVault } from '@app/platform/personal-data/vault';
import { Reader, ReaderView, WhoSeesWhat, widestView } from '@app/platform/personal-data/who-sees-what';
import type { BlockProgressView } from '@app/projections/candidate-progress/candidate-progress.evolve';
import { filterToken } from '@app/projections/back-office/back-office.evolve';
import { BackOfficeQuery } from '@app/projections/back-office/back-office.query';
import { decodeCursor, encodeCursor, Page } from '../../http/pagination';

export interface SheetFilter {
  block?: string;
  proposal?: string;
  decision?: string;
}

/** The identity on the sheet: names for readers who see them, the pseudonym always, "[erased]" once the key is gone. */
export type SheetIdentity =
  | { status: 'identified'; pseudonym: string; familyName: string; givenName: string; birthDate: string; usageName?: string }
  | { status: 'pseudonymised'; pseudonym: string }
  | { status: 'erased'; pseudonym: string; familyName: typeof ERASED; givenName: typeof ERASED; birthDate: typeof ERASED };

export interface SheetItem {
  candidateId: string;
  identity: SheetIdentity;
  blocks: BlockProgressView[];
  neutralisations: Array<{ block: string; criterion: string }>;
  /** Accommodation types applied in this session's evaluations. */
  accommodations: string[];
  /** Accommodation requests still waiting for the disability referent's opinion. */
  pendingOpinions: number;
  certified: boolean;
}

/**
 * A line's place in the sheet. Readers who see names: family name, given
 * name (French collation, case and accents ignored; see clip), then the candidate id;
 * erased candidates after every named one, by id. Regulators: pseudonym,
 * then id.
 */
interface Placed {
  candidateId: string;
  identity: SheetIdentity;
  /** 0: named or pseudonymised, 1: erased. */
  rank: 0 | 1;
  first: string;
  second: string;
}

const collator = new Intl.Collator('fr', { sensitivity: 'base', numeric: true });

function compare(a: Pick<Placed, 'rank' | 'first' | 'second' | 'candidateId'>, b: Pick<Placed, 'rank' | 'first' | 'second' | 'candidateId'>): number {
  return a.rank - b.rank || collator.compare(a.first, b.first) || collator.compare(a.second, b.second) || (a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0);
}

/**
 * The deliberation sheet of a session. The read model keeps identities as
 * ciphertext (sorted data in clear would be personal data in the database), so
 * the order by name is made at query time: the session's identities are
 * opened in one batch (one key look-up query for all), sorted in memory, and
 * only the page's lines are read in full. The cursor of a page that ends on a
 * named candidate carries that name sealed under the candidate's own key, so
 * a cursor never shows a name and dies with the candidate's key.
 */
@Injectable()
export class DeliberationSheetReader {
  constructor(
    private readonly lists: BackOfficeQuery,
    private readonly who: WhoSeesWhat,
    private readonly vault: PersonalDataVault,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** 404 for an unknown session, 403 when it is outside the reader's work; else what the reader sees of its candidates. */
  async viewOf(reader: Reader & { roles: readonly Role[] }, sessionId: string): Promise<ReaderView> {
    if ((await this.store.streamVersion(sessionStream(sessionId))) === 0) throw notFound('session', sessionId);
    const view = widestView(reader.roles, await this.who.scope(reader, [sessionId]));
    if (!view) throw forbidden(`session ${sessionId} is outside the work of ${reader.id}: assessors read the sheets of their sessions, jury members those of their juries' sessions`);
    return view;
  }

  async page(view: ReaderView, sessionId: string, filter: SheetFilter, limit: number, cursor: string | undefined): Promise<Page<SheetItem>> {
    const placed = await this.placed(view, sessionId, filter);
    let start = 0;
    if (cursor) {
      const after = await this.cursorKey(cursor, view);
      while (start < placed.length && compare(placed[start], after) <= 0) start++;
    }
    const chosen = placed.slice(start, start + limit);
    const items = await this.items(sessionId, chosen);
    const last = chosen[chosen.length - 1];
    return { items, next: start + limit < placed.length && last ? await this.cursorOf(last) : null };
  }

  /** The whole sheet in order (the CSV export). */
  async all(view: ReaderView, sessionId: string, filter: SheetFilter): Promise<SheetItem[]> {
    const placed = await this.placed(view, sessionId, filter);
    const out: SheetItem[] = [];
    for (let i = 0; i < placed.length; i += 500) out.push(...(await this.items(sessionId, placed.slice(i, i + 500))));
    return out;
  }

  private async placed(view: ReaderView, sessionId: string, filter: SheetFilter): Promise<Placed[]> {
    const keys = await this.lists.sheetKeys(sessionId, filterToken(filter));
    const pseudonyms = await Promise.all(keys.map((k) => this.who.pseudonym(k.candidateId)));
    let opened: Array<CandidateIdentity | null> = keys.map(() => null);
    if (view.identity === 'clear') {
      const sealed = keys.map((k, i) => [k, i] as const).filter(([k]) => !k.erased && isSealed(k.identity));
      let plain: Array<CandidateIdentity | null>;
      try {
        plain = await this.vault.openMany<CandidateIdentity>(sealed.map(([k]) => k.identity!));
      } catch {
        plain = sealed.map(() => null); // not decryptable: shown as erased, never a 500
      }
      opened = keys.map(() => null);
      sealed.forEach(([, i], n) => (opened[i] = plain[n]));
    }
    const placed = keys.map((k, i): Placed => {
      const pseudonym = pseudonyms[i];
      const plain = opened[i];
      if (view.identity !== 'clear') {
        return k.erased
          ? { candidateId: k.candidateId, identity: erasedIdentity(pseudonym), rank: 0, first: pseudonym, second: '' }
          : { candidateId: k.candidateId, identity: { status: 'pseudonymised', pseudonym }, rank: 0, first: pseudonym, second: '' };
      }
      if (!plain) return { candidateId: k.candidateId, identity: erasedIdentity(pseudonym), rank: 1, first: '', second: '' };
      const identity: SheetIdentity = { status: 'identified', pseudonym, familyName: plain.familyName, givenName: plain.givenName, birthDate: plain.birthDate };
      if (typeof plain.usageName === 'string') identity.usageName = plain.usageName;
      return { candidateId: k.candidateId, identity, rank: 0, first: clip(plain.familyName), second: clip(plain.givenName) };
    });
    return placed.sort(compare);
  }

  private async items(sessionId: string, chosen: Placed[]): Promise<SheetItem[]> {
    const lines = new Map((await this.lists.sheetLines(sessionId, chosen.map((p) => p.candidateId))).map((l) => [l.candidateId, l]));
    return chosen.flatMap((p) => {
      const line = lines.get(p.candidateId);
      if (!line) return [];
      return [
        {
          candidateId: p.candidateId,
          identity: p.identity,
          blocks: line.blocks,
          neutralisations: line.neutralisations,
          accommodations: line.accommodations,
          pendingOpinions: line.pendingOpinions,
          certified: line.certified,
        },
      ];
    });
  }

  /**
   * Cursors: ['p', pseudonym, id] (pseudonym readers), ['e', '', id] (an
   * erased candidate), ['n', id, sealed [familyName, givenName]] (a named one).
   */
  private async cursorOf(p: Placed): Promise<string> {
    if (p.identity.status === 'pseudonymised' || (p.identity.status === 'erased' && p.rank === 0)) return encodeCursor(['p', p.first, p.candidateId]);
    if (p.rank === 1) return encodeCursor(['e', '', p.candidateId]);
    const sealed = await this.vault.seal(p.candidateId, [p.first, p.second]);
    return encodeCursor(['n', p.candidateId, `${sealed.iv}.${sealed.ct}.${sealed.tag}`]);
  }

  private async cursorKey(cursor: string, view: ReaderView): Promise<Pick<Placed, 'rank' | 'first' | 'second' | 'candidateId'>> {
    const [kind, a, b] = decodeCursor(cursor, 3);
    const stale = () => invalid('cursor is not a cursor this API gave for this reader');
    if (kind === 'p' && view.identity !== 'clear') return { rank: 0, first: a, second: '', candidateId: b };
    if (kind === 'e' && view.identity === 'clear') return { rank: 1, first: '', second: '', candidateId: b };
    if (kind !== 'n' || view.identity !== 'clear') throw stale();
    const [iv, ct, tag] = b.split('.');
    let names: unknown = null;
    try {
      names = await this.vault.open({ alg: 'A256GCM', kid: a, iv, ct, tag });
    } catch {
      throw stale();
    }
    if (names === null) throw invalid("the cursor's candidate was erased meanwhile: start again from the first page");
    if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string')) throw stale();
    return { rank: 0, first: names[0], second: names[1], candidateId: a };
  }
}

/**
 * Names sort on their first 64 bytes (UTF-8): a cursor carries the sort key
 * sealed, and must stay within the 400 characters a cursor may have. Two
 * names equal that far are ordered by candidate id.
 */
function clip(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= 64) return name;
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > 64) break;
    out += ch;
  }
  return out;
}

const erasedIdentity = (pseudonym: string): SheetIdentity => ({ status: 'erased', pseudonym, familyName: ERASED, givenName: ERASED, birthDate: ERASED });

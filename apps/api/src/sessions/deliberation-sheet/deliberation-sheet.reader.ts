import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@app/domain/shared/decider';
import { forbidden, invalid, notFound } from '@app/domain/shared/errors';
import { sessionStream } from '@app/domain/session/session';
import type { EventStore } from '@app/event-store/event-store';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { CandidateIdentity } from '@app/platform/personal-data/identity-view';
import type { SealedText } from '@app/domain/shared/free-text';
import { freshIv } from '@app/platform/personal-data/fresh-iv';
import { ERASED, isSealed, PersonalDataVault } from '@app/platform/personal-data/vault';
import { Reader, ReaderView, WhoSeesWhat, widestView } from '@app/platform/personal-data/who-sees-what';
import type { BlockProgressView } from '@app/projections/candidate-progress/candidate-progress.evolve';
import { filterToken } from '@app/projections/back-office/back-office.evolve';
import { BackOfficeQuery } from '@app/projections/back-office/back-office.query';
import { decodeCursor, encodeCursor, Page } from '../../http/pagination';
import { SortKeyCache } from './sort-keys';

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
 * name (case and accents ignored, see sortName), then the candidate id;
 * erased candidates after every named one, by id. Regulators: pseudonym,
 * then id.
 */
interface Placed {
  candidateId: string;
  erased: boolean;
  /** 0: named or pseudonymised, 1: erased. */
  rank: 0 | 1;
  first: string;
  second: string;
}

const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Sort keys compare as plain strings (thousands of comparisons per request): names are folded first (sortName). */
function compare(a: Pick<Placed, 'rank' | 'first' | 'second' | 'candidateId'>, b: Pick<Placed, 'rank' | 'first' | 'second' | 'candidateId'>): number {
  return a.rank - b.rank || ordinal(a.first, b.first) || ordinal(a.second, b.second) || ordinal(a.candidateId, b.candidateId);
}

/**
 * The deliberation sheet of a session. The read model keeps identities as
 * ciphertext (a sort key in clear would be personal data in the database),
 * so the order by name is made at query time: the sort keys of the session's
 * candidates come from a memory cache checked against the stored ciphertext
 * (sort-keys.ts), the identities it lacks are opened in one batch (one key
 * look-up query for all), the session is sorted in memory, and only the
 * page's lines are read in full, their identities opened afresh. A cursor
 * carries the last sort key sealed (cursorOf).
 */
@Injectable()
export class DeliberationSheetReader {
  /** Clipped [familyName, givenName] by candidate, valid for one sealed identity (sort-keys.ts). */
  private readonly names = new SortKeyCache<[string, string]>();
  /** Pseudonyms never change for a candidate: computed once per process. */
  private readonly pseudonyms = new SortKeyCache<string>();

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
      const after = await this.afterCursor(cursor, view);
      while (start < placed.length && compare(placed[start], after) <= 0) start++;
    }
    const chosen = placed.slice(start, start + limit);
    const items = await this.items(view, sessionId, chosen);
    const last = chosen[chosen.length - 1];
    return { items, next: start + limit < placed.length && last ? await this.cursorOf(last, view) : null };
  }

  /** The whole sheet in order (the CSV export). */
  async all(view: ReaderView, sessionId: string, filter: SheetFilter): Promise<SheetItem[]> {
    const placed = await this.placed(view, sessionId, filter);
    const out: SheetItem[] = [];
    for (let i = 0; i < placed.length; i += 500) out.push(...(await this.items(view, sessionId, placed.slice(i, i + 500))));
    return out;
  }

  private async placed(view: ReaderView, sessionId: string, filter: SheetFilter): Promise<Placed[]> {
    const keys = await this.lists.sheetKeys(sessionId, filterToken(filter));
    const placed: Placed[] = [];
    if (view.identity !== 'clear') {
      for (const k of keys) placed.push({ candidateId: k.candidateId, erased: k.erased, rank: 0, first: await this.pseudonym(k.candidateId), second: '' });
      return placed.sort(compare);
    }
    const missing = keys.filter((k) => !k.erased && k.identityTag !== null && !this.names.get(k.candidateId, k.identityTag));
    if (missing.length) await this.openNames(sessionId, missing.map((k) => k.candidateId));
    for (const k of keys) {
      const names = k.erased || k.identityTag === null ? undefined : this.names.get(k.candidateId, k.identityTag);
      placed.push(names ? { candidateId: k.candidateId, erased: false, rank: 0, first: names[0], second: names[1] } : { candidateId: k.candidateId, erased: true, rank: 1, first: '', second: '' });
    }
    return placed.sort(compare);
  }

  /** Opens these candidates' identities in one batch (one key look-up for all) and keeps their sort keys. */
  private async openNames(sessionId: string, candidateIds: string[]): Promise<void> {
    const sealed = (await this.lists.sheetIdentities(sessionId, candidateIds)).filter((r) => isSealed(r.identity));
    const plain = await this.open(sealed.map((r) => r.identity!));
    sealed.forEach((r, i) => {
      const identity = plain[i];
      if (identity) this.names.set(r.candidateId, r.identity!.tag, [sortName(identity.familyName), sortName(identity.givenName)]);
    });
  }

  private async open(sealed: SealedText[]): Promise<Array<CandidateIdentity | null>> {
    try {
      return await this.vault.openMany<CandidateIdentity>(sealed);
    } catch {
      return sealed.map(() => null); // not decryptable: shown as erased, never a 500
    }
  }

  private async pseudonym(candidateId: string): Promise<string> {
    let pseudonym = this.pseudonyms.get(candidateId, '');
    if (pseudonym === undefined) {
      pseudonym = await this.who.pseudonym(candidateId);
      this.pseudonyms.set(candidateId, '', pseudonym);
    }
    return pseudonym;
  }

  /** The page's lines in full, identities opened afresh (erasure shows at once). */
  private async items(view: ReaderView, sessionId: string, chosen: Placed[]): Promise<SheetItem[]> {
    const lines = new Map((await this.lists.sheetLines(sessionId, chosen.map((p) => p.candidateId))).map((l) => [l.candidateId, l]));
    const sealed = view.identity === 'clear' ? [...lines.values()].filter((l) => !l.erased && isSealed(l.identity)) : [];
    const plain = await this.open(sealed.map((l) => l.identity!));
    const opened = new Map(sealed.map((l, i) => [l.candidateId, plain[i]]));
    const items: SheetItem[] = [];
    for (const p of chosen) {
      const line = lines.get(p.candidateId);
      if (!line) continue;
      const pseudonym = await this.pseudonym(p.candidateId);
      const identity = opened.get(p.candidateId);
      let shown: SheetIdentity;
      if (line.erased || (view.identity === 'clear' && !identity)) shown = erasedIdentity(pseudonym);
      else if (view.identity !== 'clear' || !identity) shown = { status: 'pseudonymised', pseudonym };
      else {
        shown = { status: 'identified', pseudonym, familyName: identity.familyName, givenName: identity.givenName, birthDate: identity.birthDate };
        if (typeof identity.usageName === 'string') shown.usageName = identity.usageName;
      }
      items.push({
        candidateId: p.candidateId,
        identity: shown,
        blocks: line.blocks,
        neutralisations: line.neutralisations,
        accommodations: line.accommodations,
        pendingOpinions: line.pendingOpinions,
        certified: line.certified,
      });
    }
    return items;
  }

  /**
   * Cursors: ['p', pseudonym, id] (readers who see pseudonyms), ['e', '', id]
   * (an erased candidate, for readers who see names), ['n', id, sealed
   * [familyName, givenName]] (a named one). Names travel sealed under an
   * application secret kept with the data keys (AES-256-GCM, the candidate id
   * as associated data): the client holds an opaque token, never a name.
   */
  private async cursorOf(p: Placed, view: ReaderView): Promise<string> {
    if (view.identity !== 'clear') return encodeCursor(['p', p.first, p.candidateId]);
    if (p.rank === 1) return encodeCursor(['e', '', p.candidateId]);
    const iv = freshIv();
    const cipher = createCipheriv('aes-256-gcm', await this.cursorKey(), iv);
    cipher.setAAD(Buffer.from(p.candidateId, 'utf8'));
    const ct = Buffer.concat([cipher.update(JSON.stringify([p.first, p.second]), 'utf8'), cipher.final()]);
    return encodeCursor(['n', p.candidateId, Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')]);
  }

  private async afterCursor(cursor: string, view: ReaderView): Promise<Pick<Placed, 'rank' | 'first' | 'second' | 'candidateId'>> {
    const [kind, a, b] = decodeCursor(cursor, 3);
    const stale = () => invalid('cursor is not a cursor this API gave for this reader');
    if (kind === 'p' && view.identity !== 'clear') return { rank: 0, first: a, second: '', candidateId: b };
    if (kind === 'e' && view.identity === 'clear') return { rank: 1, first: '', second: '', candidateId: b };
    if (kind !== 'n' || view.identity !== 'clear') throw stale();
    let names: unknown;
    try {
      const sealed = Buffer.from(b, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', await this.cursorKey(), sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(a, 'utf8'));
      decipher.setAuthTag(sealed.subarray(12, 28));
      names = JSON.parse(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8'));
    } catch {
      throw stale();
    }
    if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string')) throw stale();
    return { rank: 0, first: names[0], second: names[1], candidateId: a };
  }

  private cursorSecret?: Promise<Buffer>;

  private cursorKey(): Promise<Buffer> {
    this.cursorSecret ??= this.vault.secret('list-cursor').catch((error: unknown) => {
      this.cursorSecret = undefined; // a database hiccup must not poison every later call
      throw error;
    });
    return this.cursorSecret;
  }
}

/**
 * A name as it sorts: accents and case dropped (Émile and emile side by side,
 * as a French reader expects), then clipped to 64 bytes of UTF-8, because a
 * cursor carries the sort key sealed and must stay within the 400 characters
 * a cursor may have. Two names equal that far are ordered by candidate id.
 */
function sortName(name: string): string {
  const folded = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  if (Buffer.byteLength(folded, 'utf8') <= 64) return folded;
  let out = '';
  for (const ch of folded) {
    if (Buffer.byteLength(out + ch, 'utf8') > 64) break;
    out += ch;
  }
  return out;
}

const erasedIdentity = (pseudonym: string): SheetIdentity => ({ status: 'erased', pseudonym, familyName: ERASED, givenName: ERASED, birthDate: ERASED });

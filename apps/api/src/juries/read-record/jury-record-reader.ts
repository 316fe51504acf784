import { Inject, Injectable } from '@nestjs/common';
import { RecordedEvent } from '@app/domain/shared/decider';
import { notFound } from '@app/domain/shared/errors';
import { Role } from '@app/domain/shared/decider';
import { JuryState, jurySpec, juryStream } from '@app/domain/jury/jury';
import { buildJuryRecord, CandidateRecord, candidatesOf, JuryRecord } from '@app/domain/jury/record';
import { recordContent, RollEntry, rollOf, SEAL_FORMAT_V1, SEAL_FORMATS, SealedRecordContent, SealFormat } from '@app/domain/jury/seal';
import { closingFromOutcomes } from '@app/domain/jury/closing';
import { CandidateView, candidateView, NeutralisationOpinion, sessionView } from '@app/domain/jury/views';
import { candidateSpec, candidateStream } from '@app/domain/candidate/candidate';
import { sessionSpec, sessionStream } from '@app/domain/session/session';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { EventStore } from '@app/event-store/event-store';
import { asRecorded } from '@app/platform/commands/command-runner';
import { DATABASE, EVENT_STORE } from '@app/platform/persistence.module';
import { Database } from '@app/event-store/database';
import { candidatesEnrolledIn } from '@app/event-store/jury-sittings';
import { publicKeyOfFingerprint } from '@app/event-store/ledger/key-rotation';
import { ERASED, isSealed, PersonalDataVault, Sealed } from '@app/platform/personal-data/vault';
import { WITHHELD } from '@app/platform/personal-data/identity-view';
import { CandidateTexts, ReaderView, WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { Principal } from '@app/platform/auth/token-verifier';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { Cut, foldCut, within } from '../../http/time-travel';
import { sealHashOf, verifySeal } from '../jury-seal';

/** Per candidate, the pseudonym beside the name: the only label a regulator reads. */
export type CandidateRecordView = CandidateRecord & { pseudonym: string };

export interface JuryRecordView extends Omit<JuryRecord, 'candidates'> {
  candidates: CandidateRecordView[];
  /** Recomputed from the log on every read: the content the seal covers, its hash, and whether both match the seal. */
  sealVerification: { content: SealedRecordContent; contentHash: string; intact: boolean; signatureValid: boolean | null } | null;
  asOf?: string;
  atPosition?: number;
}

/**
 * The procès-verbal, folded on each request from the jury's stream and the
 * streams it points to, cut at `asOf` / `atPosition`. No read model: the
 * record is the log itself, so it can never disagree with the seal. What the
 * reader sees of each candidate follows WhoSeesWhat: members of this jury and
 * admins read names, regulators pseudonyms; health texts (referent opinions,
 * accommodation reasons and notes) in clear for admins only.
 */
@Injectable()
export class JuryRecordReader {
  /** RECORD_APPROVAL_REQUIRED: the record is final once the president approved it (else once sealed). */
  readonly approvalRequired = loadOperationsConfig().record.approvalRequired;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    private readonly who: WhoSeesWhat,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  async read(juryId: string, cut: Cut, principal: Principal & { grantedRoles?: Role[] }): Promise<JuryRecordView> {
    return (await this.readWithVersion(juryId, cut, principal)).record;
  }

  /**
   * The record and the version of the jury's stream it was read at: the
   * version a client sends back as `If-Match` with its next jury command, so
   * that a change made meanwhile by someone else answers 412 instead of being
   * overwritten (the record's ETag, docs/jury.md).
   */
  async readWithVersion(juryId: string, cut: Cut, principal: Principal & { grantedRoles?: Role[] }): Promise<{ record: JuryRecordView; version: number }> {
    const stored = await this.store.readStream(juryStream(juryId), { upcast: true });
    const version = stored.length ? stored[stored.length - 1].version : 0;
    const juryEvents = stored.map(asRecorded);
    const jury = foldCut(jurySpec, juryEvents, cut);
    if (jury.status === 'none') throw notFound('jury', juryId);
    // Admins and regulators read every record; a user acting only as jury reads those of juries they sit on.
    const view = this.who.viewForJury({ id: principal.id, roles: principal.grantedRoles ?? principal.roles }, jury.members.map((m) => m.userId));
    const referential = foldCut(referentialSpec, await this.events(referentialStream(jury.referentialId!)), cut);
    const session = sessionView(foldCut(sessionSpec, await this.events(sessionStream(jury.sessionId!)), cut));
    const streams = new Map<string, RecordedEvent[]>();
    const streamOf = async (id: string) => streams.get(id) ?? streams.set(id, await this.events(candidateStream(id))).get(id)!;
    const candidates: Record<string, CandidateView> = {};
    for (const id of candidatesOf(jury)) candidates[id] = candidateView(foldCut(candidateSpec, await streamOf(id), cut));
    // The record of a session's jury lists every candidate enrolled in the session, undecided ones
    // included; a revision jury's lists the candidates it revises. Once closed, the list and each
    // candidate's enrolled blocks are those of the closing, whatever was enrolled after it: the seal
    // (format 3) covers that roll, and the record reads the same on every replay.
    const closing = jury.status === 'closed' ? juryEvents.find((e) => e.type === 'DeliberationClosed' && within(e, cut)) : undefined;
    const foldedAtClosing = new Map<string, CandidateView>();
    const atClosing = async (id: string) => {
      const known = foldedAtClosing.get(id);
      if (known) return known;
      const then = candidateView(foldCut(candidateSpec, await streamOf(id), { atPosition: closing!.globalPosition ?? 0 }));
      foldedAtClosing.set(id, then);
      return then;
    };
    const sessionId = jury.sessionId!;
    const listed: Record<string, CandidateView> = { ...candidates };
    const closingViews: Record<string, CandidateView> = {};
    for (const id of jury.revises ? [] : await candidatesEnrolledIn(this.db.pool, sessionId)) {
      if (listed[id]) continue;
      const events = await streamOf(id);
      if (!(closing ? await atClosing(id) : candidateView(foldCut(candidateSpec, events, cut))).enrolments[sessionId]) continue;
      listed[id] = candidateView(foldCut(candidateSpec, events, cut));
    }
    if (closing) {
      for (const id of Object.keys(listed)) {
        const then = (closingViews[id] = await atClosing(id));
        const { [sessionId]: _later, ...others } = listed[id].enrolments;
        listed[id] = { ...listed[id], enrolments: then.enrolments[sessionId] ? { ...others, [sessionId]: then.enrolments[sessionId] } : others };
      }
    }

    // A revision jury decides VAE blocks on the interview the revised jury held: the record shows it.
    const revised = jury.revises ? foldCut(jurySpec, await this.events(juryStream(jury.revises.juryId)), cut) : null;
    const texts = await this.texts(jury, listed, view, revised);
    const identities = await this.identities(listed, view);
    // Approval comments speak of the record as a whole: "other free texts" of the table (regulators read "[withheld]").
    const comments = await this.who.texts(view, false).load(view.personal ? jury.approvals.map((a) => a.comment) : []);
    const record = buildJuryRecord({
      jury,
      referential,
      session,
      candidates: listed,
      reveal: (value) => identities.get(value as Sealed) ?? null,
      text: (value, kind, candidateId) => texts.get(candidateId)?.show(value, kind) ?? (value === undefined || value === null ? null : ERASED),
      approvalComment: (value) => (view.personal ? comments.show(value, 'personal') : WITHHELD),
      approvalRequired: this.approvalRequired,
      revised,
    });
    const pseudonyms = new Map(await Promise.all(record.candidates.map(async (c) => [c.candidateId, await this.who.pseudonym(c.candidateId)] as const)));
    return {
      version,
      record: {
        ...record,
        candidates: record.candidates.map((c) => ({ ...c, pseudonym: pseudonyms.get(c.candidateId)! })),
        sealVerification: this.verification(jury, referential.document?.code ?? '', referential.version, candidates, texts, rollOf(jury, closingViews), await this.sealKey(jury)),
        ...(cut.asOf !== undefined ? { asOf: cut.asOf } : {}),
        ...(cut.atPosition !== undefined ? { atPosition: cut.atPosition } : {}),
      },
    };
  }

  private async events(streamId: string): Promise<RecordedEvent[]> {
    return (await this.store.readStream(streamId, { upcast: true })).map(asRecorded);
  }

  /**
   * The public key that sealed the record: the current signing key, or, for a record sealed before
   * a rotation of that key, the one the ledger's key chain names; null when neither is known.
   */
  private async sealKey(jury: JuryState): Promise<string | null> {
    if (!jury.seal) return null;
    if (jury.seal.keyFingerprint === this.key.fingerprint) return this.key.publicKeyPem;
    return publicKeyOfFingerprint(this.db.pool, jury.seal.keyFingerprint);
  }

  /**
   * The content the seal covers, recomputed from the log: personal values as
   * stored (ciphertext), so the hash never changes after an erasure. Texts of
   * deliberations recorded before texts were sealed are plain strings there:
   * the hash is computed on them, then they are shown as the reader may see them.
   */
  private verification(
    jury: JuryState,
    code: string,
    version: number,
    candidates: Record<string, CandidateView>,
    texts: Map<string, CandidateTexts>,
    roll: RollEntry[],
    sealKey: string | null,
  ): JuryRecordView['sealVerification'] {
    if (!jury.seal) return null;
    const opinions: Record<string, NeutralisationOpinion> = {};
    for (const view of Object.values(candidates)) Object.assign(opinions, view.opinions);
    const outcomes = Object.fromEntries(Object.entries(candidates).map(([id, view]) => [id, view.outcome]));
    const referential = { id: jury.referentialId!, code, version };
    const contentOf = (format: SealFormat) =>
      format === SEAL_FORMAT_V1
        ? recordContent(jury, referential, opinions, jury.seal!.closedAt, undefined, format)
        : recordContent(jury, referential, opinions, jury.seal!.closedAt, closingFromOutcomes(jury.juryId!, outcomes), format, roll);
    // Each record is checked as it was sealed: format 3 (the roll), else 2 (awards), else 1; none matching, the newest is shown.
    const tried = SEAL_FORMATS.map((format) => {
      const content = contentOf(format);
      return { content, contentHash: sealHashOf(content) };
    });
    const { content, contentHash } = tried.find((x) => x.contentHash === jury.seal!.sealHash) ?? tried[0];
    const signatureValid = sealKey !== null ? verifySeal(jury.juryId!, jury.seal.sealHash, jury.seal.signature, sealKey, content.format) : null;
    const plain = (value: unknown, candidateId: string) => (typeof value === 'string' ? texts.get(candidateId)?.show(value, 'personal') ?? WITHHELD : value);
    const shown = {
      ...content,
      recusals: content.recusals.map((r) => ({ ...r, reason: plain(r.reason, r.candidateId) })),
      decisions: content.decisions.map((d) => ({ ...d, motivation: plain(d.motivation, d.candidateId) })),
    } as SealedRecordContent;
    return { content: shown, contentHash, intact: contentHash === jury.seal.sealHash, signatureValid };
  }

  /** One texts opener per candidate, every sealed text of the record opened in one batch per candidate. */
  private async texts(jury: JuryState, candidates: Record<string, CandidateView>, view: ReaderView, revised: JuryState | null): Promise<Map<string, CandidateTexts>> {
    const out = new Map<string, CandidateTexts>();
    for (const [candidateId, candidate] of Object.entries(candidates)) {
      const values: unknown[] = [];
      for (const d of jury.decisions) if (d.candidateId === candidateId) values.push(d.motivation);
      for (const r of jury.recusals) if (r.candidateId === candidateId) values.push(r.reason);
      for (const o of Object.values(candidate.opinions)) values.push(o.motivation);
      for (const a of candidate.accommodations) values.push(a.reason, ...a.applied.map((x) => x.note));
      for (const a of candidate.vaeApplications ?? []) values.push(a.summary, a.admissibility?.motivation, a.file?.description);
      for (const i of [...(jury.vaeInterviews ?? []), ...(revised?.vaeInterviews ?? [])]) if (i.candidateId === candidateId) values.push(i.notes);
      for (const f of jury.frauds ?? []) if (f.candidateId === candidateId) values.push(f.motivation);
      for (const r of candidate.fraudReports ?? []) values.push(r.description);
      out.set(candidateId, await this.who.texts(view, candidate.erased).load(values));
    }
    return out;
  }

  /** The identities opened for readers who see names; for the others an empty identity (not erased, no name) or null once erased. */
  private async identities(candidates: Record<string, CandidateView>, view: ReaderView): Promise<Map<Sealed, unknown>> {
    const out = new Map<Sealed, unknown>();
    for (const candidate of Object.values(candidates)) {
      const sealed = candidate.identity;
      if (!isSealed(sealed)) continue;
      if (view.identity !== 'clear') {
        out.set(sealed, candidate.erased || (await this.vault.isErased(sealed.kid)) ? null : {});
        continue;
      }
      try {
        out.set(sealed, await this.vault.open(sealed));
      } catch {
        out.set(sealed, null); // not decryptable: shown as unavailable, never a 500
      }
    }
    return out;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { RecordedEvent } from '@app/domain/shared/decider';
import { forbidden, invalid, notFound } from '@app/domain/shared/errors';
import { JuryState, jurySpec, juryStream } from '@app/domain/jury/jury';
import { buildJuryRecord, candidatesOf, JuryRecord } from '@app/domain/jury/record';
import { recordContent, SEAL_FORMAT_V1, SealedRecordContent } from '@app/domain/jury/seal';
import { closingFromOutcomes } from '@app/domain/jury/closing';
import { CandidateView, candidateViewSpec, candidateViewStream, NeutralisationOpinion, SealedValue, sessionViewSpec, sessionViewStream } from '@app/domain/jury/views';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { EventStore } from '@app/event-store/event-store';
import { asRecorded } from '@app/platform/commands/command-runner';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { PersonalDataVault, Sealed } from '@app/platform/personal-data/vault';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { Principal } from '@app/platform/auth/token-verifier';
import { Cut, foldCut } from '../jury-http';
import { sealHashOf, verifySeal } from '../jury-seal';

export interface JuryRecordView extends JuryRecord {
  /** Recomputed from the log on every read: the content the seal covers, its hash, and whether both match the seal. */
  sealVerification: { content: SealedRecordContent; contentHash: string; intact: boolean; signatureValid: boolean | null } | null;
  asOf?: string;
  atPosition?: number;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseCut(asOf: unknown, atPosition: unknown): Cut {
  const cut: Cut = {};
  if (asOf !== undefined) {
    if (typeof asOf !== 'string' || !ISO.test(asOf) || Number.isNaN(Date.parse(asOf))) throw invalid('asOf must be an ISO 8601 timestamp, e.g. 2026-06-30T12:00:00Z');
    cut.asOf = new Date(asOf).toISOString();
  }
  if (atPosition !== undefined) {
    if (typeof atPosition !== 'string' || !/^\d{1,15}$/.test(atPosition)) throw invalid('atPosition must be a non-negative integer (a global log position)');
    cut.atPosition = Number(atPosition);
  }
  return cut;
}

/**
 * The procès-verbal, folded on each request from the jury's stream and the
 * streams it points to, cut at `asOf` / `atPosition`. No read model: the
 * record is the log itself, so it can never disagree with the seal.
 */
@Injectable()
export class JuryRecordReader {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
  ) {}

  async read(juryId: string, cut: Cut, principal: Principal): Promise<JuryRecordView> {
    const juryEvents = await this.events(juryStream(juryId));
    const jury = foldCut(jurySpec, juryEvents, cut);
    if (jury.status === 'none') throw notFound('jury', juryId);
    // Admins and regulators read every record; a user acting only as jury reads those of juries they sit on.
    if (!principal.roles.includes('admin') && !principal.roles.includes('regulator') && !jury.members.some((m) => m.userId === principal.id)) {
      throw forbidden('only members of this jury may read its record');
    }
    const referential = foldCut(referentialSpec, await this.events(referentialStream(jury.referentialId!)), cut);
    const session = foldCut(sessionViewSpec, await this.events(sessionViewStream(jury.sessionId!)), cut);
    const candidates: Record<string, CandidateView> = {};
    for (const id of candidatesOf(jury)) candidates[id] = foldCut(candidateViewSpec, await this.events(candidateViewStream(id)), cut);

    const reveal = await this.revealer(jury, candidates);
    const record = buildJuryRecord({ jury, referential, session, candidates, reveal });
    return {
      ...record,
      sealVerification: this.verification(jury, referential.document?.code ?? '', referential.version, candidates),
      ...(cut.asOf !== undefined ? { asOf: cut.asOf } : {}),
      ...(cut.atPosition !== undefined ? { atPosition: cut.atPosition } : {}),
    };
  }

  private async events(streamId: string): Promise<RecordedEvent[]> {
    return (await this.store.readStream(streamId)).map(asRecorded);
  }

  private verification(jury: JuryState, code: string, version: number, candidates: Record<string, CandidateView>): JuryRecordView['sealVerification'] {
    if (!jury.seal) return null;
    const opinions: Record<string, NeutralisationOpinion> = {};
    for (const view of Object.values(candidates)) Object.assign(opinions, view.opinions);
    const outcomes = Object.fromEntries(Object.entries(candidates).map(([id, view]) => [id, view.outcome]));
    const referential = { id: jury.referentialId!, code, version };
    let content = recordContent(jury, referential, opinions, jury.seal.closedAt, closingFromOutcomes(jury.juryId!, outcomes));
    let contentHash = sealHashOf(content);
    if (contentHash !== jury.seal.sealHash) {
      // A record sealed before the seal covered awards (format 1) is checked as it was sealed.
      const v1 = recordContent(jury, referential, opinions, jury.seal.closedAt, undefined, SEAL_FORMAT_V1);
      if (sealHashOf(v1) === jury.seal.sealHash) [content, contentHash] = [v1, jury.seal.sealHash];
    }
    const signatureValid =
      jury.seal.keyFingerprint === this.key.fingerprint ? verifySeal(jury.juryId!, jury.seal.sealHash, jury.seal.signature, this.key.publicKeyPem, content.format) : null;
    return { content, contentHash, intact: contentHash === jury.seal.sealHash, signatureValid };
  }

  /** Opens the identities and referent motivations the record shows; an erased key reads as null. */
  private async revealer(jury: JuryState, candidates: Record<string, CandidateView>): Promise<(value: SealedValue) => unknown> {
    const wanted: SealedValue[] = [];
    for (const view of Object.values(candidates)) if (view.identity) wanted.push(view.identity);
    for (const n of jury.neutralisations) {
      const opinion = candidates[n.candidateId]?.opinions[n.opinionId];
      if (opinion) wanted.push(opinion.motivation);
    }
    const keyOf = (s: SealedValue) => `${s.kid}\u0000${s.iv}\u0000${s.ct}`;
    const opened = new Map<string, unknown>();
    for (const sealed of wanted) {
      if (opened.has(keyOf(sealed))) continue;
      try {
        opened.set(keyOf(sealed), await this.vault.open(sealed as Sealed));
      } catch {
        opened.set(keyOf(sealed), null); // not decryptable: shown as unavailable, never a 500
      }
    }
    return (value) => opened.get(keyOf(value)) ?? null;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { candidateSpec } from '@app/domain/candidate/candidate';
import { targetOf } from '@app/domain/candidate/outcome';
import { jurySpec, juryStream, recordIsFinal } from '@app/domain/jury/jury';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { sessionSpec, sessionStream } from '@app/domain/session/session';
import { fold, RecordedEvent, StateSpec } from '@app/domain/shared/decider';
import { rule } from '@app/domain/shared/errors';
import { EventStore } from '@app/event-store/event-store';
import { asRecorded } from '@app/platform/commands/command-runner';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { EVENT_STORE } from '@app/platform/persistence.module';
import { isSealed } from '@app/platform/personal-data/vault';
import { Reader, ReaderView, WhoSeesWhat } from '@app/platform/personal-data/who-sees-what';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { ATTESTATION_FORMAT, signAttestation } from '@app/proof/attestation';
import { attestedCertifications, BlocksAttestation, CertificationSource, DeliberationFacts } from './blocks-attestation';
import { renderCertificatePdf } from './certificate-pdf';

/**
 * The certificate of blocks of a candidate (docs/paths.md "Certificates of
 * blocks"): folded on each request from the candidate's file and the streams
 * it names (juries, sessions, referentials), like the procès-verbal, so it
 * never disagrees with the records; signed with the certifier's key.
 */
@Injectable()
export class BlocksCertificates {
  private readonly approvalRequired = loadOperationsConfig().record.approvalRequired;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly who: WhoSeesWhat,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
  ) {}

  /** 404 unknown candidate, 403 out of the reader's scope, 422 NO_BLOCK_IN_FORCE when nothing is to be attested. */
  async content(candidateId: string, reader: Reader, now = new Date()): Promise<BlocksAttestation> {
    const { view, candidate } = await this.who.viewOfCandidate(reader, candidateId);
    const outcome = candidate.outcome;
    const deliberations: Record<string, DeliberationFacts> = {};
    for (const juryId of [...new Set(outcome.decisions.map((d) => d.juryId))].sort()) {
      const jury = await this.fold(juryStream(juryId), jurySpec);
      const session = jury.sessionId ? await this.fold(sessionStream(jury.sessionId), sessionSpec) : null;
      deliberations[juryId] = { final: recordIsFinal(jury, this.approvalRequired), closedAt: jury.seal?.closedAt ?? null, sealHash: jury.seal?.sealHash ?? null, sessionTitle: session?.title ?? null };
    }
    const sources: CertificationSource[] = [];
    for (const pinned of Object.values(outcome.sessions)) {
      const referential = await this.fold(referentialStream(pinned.referentialId), referentialSpec);
      if (referential.document) sources.push({ target: targetOf(pinned.referentialId, referential.version, referential.document), document: referential.document });
    }
    const certifications = attestedCertifications(outcome, sources, deliberations, now.toISOString());
    if (certifications.length === 0) throw rule('NO_BLOCK_IN_FORCE', `candidate ${candidateId} has no block validated and in force on a final record`);
    return { format: ATTESTATION_FORMAT, certifier: sources.find((s) => s.document.code === certifications[0].code)?.document.certifier ?? null, holder: await this.holder(candidateId, candidate, view), certifications };
  }

  async pdf(candidateId: string, reader: Reader): Promise<{ pdf: Buffer; hash: string }> {
    const content = await this.content(candidateId, reader);
    const signed = signAttestation(content, this.key.privateKey);
    return { pdf: await renderCertificatePdf(content, signed), hash: signed.hash };
  }

  private async holder(candidateId: string, candidate: { identity: unknown; erased: boolean }, view: ReaderView): Promise<BlocksAttestation['holder']> {
    const shown = await this.who.identity(candidateId, isSealed(candidate.identity) ? candidate.identity : null, view);
    if (candidate.erased || shown.status === 'erased') return { candidateId, erased: true };
    if (shown.status === 'pseudonymised') return { candidateId, pseudonym: shown.pseudonym };
    return { candidateId, givenName: shown.givenName, familyName: shown.familyName, ...(shown.usageName ? { usageName: shown.usageName } : {}), birthDate: shown.birthDate };
  }

  private async fold<S>(streamId: string, spec: StateSpec<S, RecordedEvent>): Promise<S> {
    return fold(spec, (await this.store.readStream(streamId, { upcast: true })).map(asRecorded));
  }
}

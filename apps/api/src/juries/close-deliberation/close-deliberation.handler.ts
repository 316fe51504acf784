import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider, streamOfJuryDecision } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { recordContent, rollOf, SEAL_FORMAT } from '@app/domain/jury/seal';
import { candidatesOf } from '@app/domain/jury/record';
import { closingOutcome } from '@app/domain/jury/closing';
import { NeutralisationOpinion } from '@app/domain/candidate/candidate';
import { CertificationTarget, Outcome, targetOf } from '@app/domain/candidate/outcome';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { DATABASE } from '@app/platform/persistence.module';
import { Database } from '@app/event-store/database';
import { candidatesEnrolledIn } from '@app/event-store/jury-sittings';
import { loadCandidateFiles, loadClosings, loadJury, loadReferential } from '../jury-loading';
import { sealHashOf, signSeal } from '../jury-seal';

export class CloseDeliberationCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * Closing seals the record: the content is hashed and signed with the
 * certifier's key at the closing time, from the state read in this unit of
 * work; anything appended to the jury meanwhile makes the command run again.
 */
@CommandHandler(CloseDeliberationCommand)
export class CloseDeliberationHandler implements ICommandHandler<CloseDeliberationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  execute({ juryId, meta }: CloseDeliberationCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      let seal = { sealHash: '', signature: '', keyFingerprint: this.key.fingerprint };
      let inputs: { target: CertificationTarget; candidates: Record<string, Outcome>; closings: Record<string, string | null> } = {
        target: { referentialId: jury.referentialId ?? '', code: '', version: 0, blocks: [] },
        candidates: {},
        closings: {},
      };
      if (jury.status === 'open') {
        // The awards and withdrawals are computed here over the same inputs the decider gets, so the seal covers them.
        const referential = await loadReferential(uow, jury.referentialId!);
        // The roll the record lists (format 3): a session's jury, every candidate enrolled in the session now.
        // Loaded in the unit of work with the decided ones, so an enrolment written to one of them meanwhile
        // makes the command run again.
        const decided = [...new Set(jury.decisions.map((d) => d.candidateId))].sort();
        const touched = candidatesOf(jury);
        const enrolled = jury.revises ? [] : await candidatesEnrolledIn(this.db.pool, jury.sessionId!);
        const loaded = await loadCandidateFiles(uow, [...new Set([...touched, ...enrolled])].sort());
        const views = Object.fromEntries(decided.map((id) => [id, loaded[id]]));
        const roll = rollOf(jury, Object.fromEntries(Object.entries(loaded).filter(([id, v]) => touched.includes(id) || v.enrolments[jury.sessionId!])));
        inputs = {
          target: targetOf(jury.referentialId!, referential.version, referential.document),
          candidates: Object.fromEntries(Object.entries(views).map(([id, v]) => [id, v.outcome])),
          closings: await loadClosings(uow, Object.values(views), juryId),
        };
        const outcome = closingOutcome({ jury, ...inputs, closedAt: context.now });
        const opinions: Record<string, NeutralisationOpinion> = {};
        for (const n of jury.neutralisations) Object.assign(opinions, loaded[n.candidateId]?.neutralisationOpinions ?? {});
        const content = recordContent(jury, { id: jury.referentialId!, code: referential.document.code, version: referential.version }, opinions, context.now, outcome, SEAL_FORMAT, roll);
        const sealHash = sealHashOf(content);
        seal = { sealHash, signature: signSeal(juryId, sealHash, this.key.privateKey), keyFingerprint: this.key.fingerprint };
      }
      // decide refuses non-members, non-presidents and a deliberation not open before the seal is used.
      const events = juryDecider.decide({ type: 'CloseDeliberation', data: { seal } }, jury, { ...context, ...inputs });
      for (const e of events) uow.append(streamOfJuryDecision(e), [e]);
      const deferred = closingOutcome({ jury, ...inputs, closedAt: context.now }).deferred;
      return {
        id: juryId,
        primaryStream: juryStream(juryId),
        extra: {
          ...seal,
          awarded: events.flatMap((e) => (e.type === 'CertificationAwarded' ? [e.data.candidateId] : [])),
          withdrawn: events.flatMap((e) => (e.type === 'CertificationWithdrawn' ? [e.data.candidateId] : [])),
          deferred,
        },
      };
    });
  }
}

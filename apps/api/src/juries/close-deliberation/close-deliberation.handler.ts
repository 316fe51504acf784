import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { JuryState, juryStream } from '@app/domain/jury/jury';
import { recordContent } from '@app/domain/jury/seal';
import { NeutralisationOpinion } from '@app/domain/jury/views';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner, UnitOfWork } from '@app/platform/commands/command-runner';
import { SIGNING_KEY, SigningKey } from '@app/platform/signing/signing-key';
import { JuryClock } from '../jury-clock';
import { loadCandidate, loadJury, loadReferential } from '../jury-http';
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
    private readonly clock: JuryClock,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
  ) {}

  execute({ juryId, meta }: CloseDeliberationCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const context = { ...uow.context, now: this.clock.now() };
      const jury = await loadJury(uow, juryId);
      let seal = { sealHash: '', signature: '', keyFingerprint: this.key.fingerprint };
      if (jury.status === 'open') {
        const content = await this.content(uow, jury, context.now);
        const sealHash = sealHashOf(content);
        seal = { sealHash, signature: signSeal(juryId, sealHash, this.key.privateKey), keyFingerprint: this.key.fingerprint };
      }
      // decide refuses non-members, non-presidents and a deliberation not open before the seal is used.
      const events = juryDecider.decide({ type: 'CloseDeliberation', seal }, jury, context);
      uow.append(juryStream(juryId), events);
      return { id: juryId, primaryStream: juryStream(juryId), extra: { ...seal } };
    });
  }

  private async content(uow: UnitOfWork, jury: JuryState, closedAt: string) {
    const referential = await loadReferential(uow, jury.referentialId!);
    const opinions: Record<string, NeutralisationOpinion> = {};
    for (const candidateId of [...new Set(jury.neutralisations.map((n) => n.candidateId))]) {
      Object.assign(opinions, (await loadCandidate(uow, candidateId)).opinions);
    }
    return recordContent(jury, { id: jury.referentialId!, code: referential.document.code, version: referential.version }, opinions, closedAt);
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { Sealed } from '@app/platform/personal-data/vault';
import { loadCandidate } from '../candidate-loading';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { SealedMotivation } from '@app/domain/shared/free-text';

export class GiveReferentOpinionCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly requestId: string,
    readonly favourable: boolean,
    readonly motivation: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** The disability referent's motivated opinion on a pending accommodation request. */
@CommandHandler(GiveReferentOpinionCommand)
export class GiveReferentOpinionHandler implements ICommandHandler<GiveReferentOpinionCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ candidateId, requestId, favourable, motivation, meta }: GiveReferentOpinionCommand): Promise<CommandResult> {
    let sealed: SealedMotivation | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.motivation(candidateId, motivation);
      uow.append(stream, decideCandidate({ type: 'GiveReferentOpinion', data: { candidateId, requestId, favourable, motivation: sealed ?? null } }, state, uow.context));
      return { id: candidateId, primaryStream: stream, extra: { requestId } };
    });
  }
}

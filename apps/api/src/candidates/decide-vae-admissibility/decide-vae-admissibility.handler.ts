import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { SealedMotivation } from '@app/domain/shared/free-text';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidate } from '../candidate-loading';

export class DecideVaeAdmissibilityCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly admissible: boolean,
    readonly motivation: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Recevabilité: the motivation speaks of the candidate's experience, sealed under their key. */
@CommandHandler(DecideVaeAdmissibilityCommand)
export class DecideVaeAdmissibilityHandler implements ICommandHandler<DecideVaeAdmissibilityCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ candidateId, admissible, motivation, meta }: DecideVaeAdmissibilityCommand): Promise<CommandResult> {
    let sealed: SealedMotivation | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.motivation(candidateId, motivation);
      uow.append(stream, decideCandidate({ type: 'DecideVaeAdmissibility', data: { candidateId, admissible, motivation: sealed ?? null } }, state, uow.context));
      return { id: candidateId, primaryStream: stream };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidate } from '../candidate-loading';

export class DecideAccommodationCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly requestId: string,
    readonly granted: boolean,
    readonly reason: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * The certifier grants or refuses, with its reason; more than one third extra
 * time needs a favourable opinion first. The reason speaks of the candidate's
 * health: it is sealed under their key before the decider sees it.
 */
@CommandHandler(DecideAccommodationCommand)
export class DecideAccommodationHandler implements ICommandHandler<DecideAccommodationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ candidateId, requestId, granted, reason, meta }: DecideAccommodationCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.seal(candidateId, reason, { path: 'reason' });
      uow.append(stream, decideCandidate({ type: 'DecideAccommodation', data: { candidateId, requestId, granted, reason: sealed ?? null } }, state, uow.context));
      return { id: candidateId, primaryStream: stream, extra: { requestId } };
    });
  }
}

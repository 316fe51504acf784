import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
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

/** The certifier grants or refuses, with its reason; more than one third extra time needs a favourable opinion first. */
@CommandHandler(DecideAccommodationCommand)
export class DecideAccommodationHandler implements ICommandHandler<DecideAccommodationCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ candidateId, requestId, granted, reason, meta }: DecideAccommodationCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      uow.append(stream, decideCandidate({ type: 'DecideAccommodation', data: { candidateId, requestId, granted, reason } }, state, uow.context));
      return { id: candidateId, primaryStream: stream, extra: { requestId } };
    });
  }
}

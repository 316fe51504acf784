import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { JuryClock } from '../jury-clock';
import { loadCandidate, loadJury } from '../jury-http';

/** A member declares a conflict of interest for a candidate and takes no part in their decisions. */
export class RecuseMemberCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly candidateId: string,
    readonly reason: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(RecuseMemberCommand)
export class RecuseMemberHandler implements ICommandHandler<RecuseMemberCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly clock: JuryClock,
  ) {}

  execute({ juryId, candidateId, reason, meta }: RecuseMemberCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const context = { ...uow.context, now: this.clock.now() };
      const jury = await loadJury(uow, juryId);
      const candidate = await loadCandidate(uow, candidateId);
      uow.append(juryStream(juryId), juryDecider.decide({ type: 'RecuseMember', candidateId, reason, candidate }, jury, context));
      return { id: juryId, primaryStream: juryStream(juryId) };
    });
  }
}

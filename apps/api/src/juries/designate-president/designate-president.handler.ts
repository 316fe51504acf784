import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { loadJury } from '../jury-loading';

export class DesignatePresidentCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly userId: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** The admin names a substitute president (PresidentDesignated) so a jury whose president is recused can finish. */
@CommandHandler(DesignatePresidentCommand)
export class DesignatePresidentHandler implements ICommandHandler<DesignatePresidentCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
  ) {}

  execute({ juryId, userId, meta }: DesignatePresidentCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      uow.append(juryStream(juryId), juryDecider.decide({ type: 'DesignatePresident', data: { userId } }, jury, context));
      return { id: juryId, primaryStream: juryStream(juryId), extra: { president: userId } };
    });
  }
}

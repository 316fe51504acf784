import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { loadJury } from '../jury-loading';

export class OpenDeliberationCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(OpenDeliberationCommand)
export class OpenDeliberationHandler implements ICommandHandler<OpenDeliberationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
  ) {}

  execute({ juryId, meta }: OpenDeliberationCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      uow.append(juryStream(juryId), juryDecider.decide({ type: 'OpenDeliberation', data: {} }, jury, context));
      return { id: juryId, primaryStream: juryStream(juryId) };
    });
  }
}

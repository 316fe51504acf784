import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { referentialDecider } from '@app/domain/referential/referential-decider';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';

/** Publishes a draft: from then on the version never changes and sessions may pin it. */
export class PublishReferentialCommand extends Command<CommandResult> {
  constructor(
    readonly referentialId: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(PublishReferentialCommand)
export class PublishReferentialHandler implements ICommandHandler<PublishReferentialCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ referentialId, meta }: PublishReferentialCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const stream = referentialStream(referentialId);
      const { state } = await uow.loadExisting(stream, referentialSpec, 'referential', referentialId);
      uow.append(stream, referentialDecider.decide({ type: 'PublishReferential', data: { referentialId } }, state, uow.context));
      return { id: referentialId, primaryStream: stream };
    });
  }
}

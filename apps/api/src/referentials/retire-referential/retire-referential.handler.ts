import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { referentialDecider } from '@app/domain/referential/referential-decider';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';

/** Retires a version: no new session may use it; sessions that pinned it keep it. */
export class RetireReferentialCommand extends Command<CommandResult> {
  constructor(
    readonly referentialId: string,
    readonly reason: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(RetireReferentialCommand)
export class RetireReferentialHandler implements ICommandHandler<RetireReferentialCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ referentialId, reason, meta }: RetireReferentialCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const stream = referentialStream(referentialId);
      const { state } = await uow.loadExisting(stream, referentialSpec, 'referential', referentialId);
      uow.append(stream, referentialDecider.decide({ type: 'RetireReferential', data: { referentialId, reason } }, state, uow.context));
      return { id: referentialId, primaryStream: stream };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { sessionStream, sessionSpec } from '@app/domain/session/session';
import { decideSession } from '@app/domain/session/session-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';

export class AssignAssessorCommand extends Command<CommandResult> {
  constructor(
    readonly sessionId: string,
    readonly userId: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** From then on that user (token `sub`) may score the session's candidates. */
@CommandHandler(AssignAssessorCommand)
export class AssignAssessorHandler implements ICommandHandler<AssignAssessorCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ sessionId, userId, meta }: AssignAssessorCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const stream = sessionStream(sessionId);
      const { state } = await uow.loadExisting(stream, sessionSpec, 'session', sessionId);
      uow.append(stream, decideSession({ type: 'AssignAssessor', data: { sessionId, userId } }, state, uow.context));
      return { id: sessionId, primaryStream: stream };
    });
  }
}

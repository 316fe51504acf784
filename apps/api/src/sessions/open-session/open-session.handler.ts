import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { sessionStream, sessionSpec } from '@app/domain/session/session';
import { decideSession } from '@app/domain/session/session-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';

export class OpenSessionCommand extends Command<CommandResult> {
  constructor(
    readonly body: { referentialId: string; title: string; startsOn: string; endsOn: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Opens a session pinned to a published referential version. */
@CommandHandler(OpenSessionCommand)
export class OpenSessionHandler implements ICommandHandler<OpenSessionCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ body, meta }: OpenSessionCommand): Promise<CommandResult> {
    const referentialId = body.referentialId.toLowerCase();
    return this.runner.run(meta, async (uow) => {
      const sessionId = uow.context.newId();
      const stream = sessionStream(sessionId);
      const referential = await uow.load(referentialStream(referentialId), referentialSpec);
      const { state } = await uow.load(stream, sessionSpec);
      uow.append(stream, decideSession({ type: 'OpenSession', data: { sessionId, referentialId, title: body.title, startsOn: body.startsOn, endsOn: body.endsOn } }, state, { ...uow.context, referential: referential.state }));
      return { id: sessionId, primaryStream: stream };
    });
  }
}

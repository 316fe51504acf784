import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { CandidateContextReader } from '../candidate-loading';

export class ApplyAccommodationCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly requestId: string,
    readonly body: { sessionId: string; evaluation: string; note?: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Records that a granted accommodation was actually applied in an evaluation: what an appeal asks first. */
@CommandHandler(ApplyAccommodationCommand)
export class ApplyAccommodationHandler implements ICommandHandler<ApplyAccommodationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly reader: CandidateContextReader,
  ) {}

  async execute({ candidateId, requestId, body, meta }: ApplyAccommodationCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, body.sessionId);
      uow.append(stream, decideCandidate({ type: 'ApplyAccommodation', data: { candidateId, requestId, ...body } }, state, { ...uow.context, ...deps }));
      return { id: candidateId, primaryStream: stream, extra: { requestId } };
    });
  }
}

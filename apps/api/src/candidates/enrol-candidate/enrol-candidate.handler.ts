import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { CandidateContextReader } from '../candidate-loading';

export class EnrolCandidateCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly sessionId: string,
    readonly blocks: string[],
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Enrols the candidate in a session for some or all blocks of the referential the session pins. */
@CommandHandler(EnrolCandidateCommand)
export class EnrolCandidateHandler implements ICommandHandler<EnrolCandidateCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly reader: CandidateContextReader,
  ) {}

  async execute({ candidateId, sessionId, blocks, meta }: EnrolCandidateCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, sessionId);
      uow.append(stream, decideCandidate({ type: 'EnrolCandidate', data: { candidateId, sessionId, blocks } }, state, { ...uow.context, ...deps }));
      return { id: candidateId, primaryStream: stream };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { SealedText } from '@app/domain/shared/free-text';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidate } from '../candidate-loading';

export class SubmitVaeFileCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly blocks: string[],
    readonly description: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** The file describes the candidate's experience: its reference or description is sealed under their key. */
@CommandHandler(SubmitVaeFileCommand)
export class SubmitVaeFileHandler implements ICommandHandler<SubmitVaeFileCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ candidateId, blocks, description, meta }: SubmitVaeFileCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.seal(candidateId, description, { path: 'description' });
      uow.append(stream, decideCandidate({ type: 'SubmitVaeFile', data: { candidateId, blocks, file: sealed ?? null } }, state, uow.context));
      return { id: candidateId, primaryStream: stream };
    });
  }
}

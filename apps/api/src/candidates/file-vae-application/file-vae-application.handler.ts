import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { SealedText } from '@app/domain/shared/free-text';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { CandidateContextReader, loadCandidate } from '../candidate-loading';

export class FileVaeApplicationCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly referentialId: string,
    readonly blocks: string[],
    readonly summary: string | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** The back office files a VAE application; the summary speaks of the candidate's working life: sealed under their key. */
@CommandHandler(FileVaeApplicationCommand)
export class FileVaeApplicationHandler implements ICommandHandler<FileVaeApplicationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
    private readonly reader: CandidateContextReader,
  ) {}

  execute({ candidateId, referentialId, blocks, summary, meta }: FileVaeApplicationCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      const referential = await this.reader.referential(uow, referentialId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.seal(candidateId, summary, { path: 'summary' });
      const events = decideCandidate({ type: 'FileVaeApplication', data: { candidateId, referentialId, blocks, summary: sealed ?? null } }, state, { ...uow.context, referential });
      uow.append(stream, events);
      const [filed] = events;
      return { id: candidateId, primaryStream: stream, extra: { applicationId: filed?.type === 'VaeApplicationFiled' ? filed.data.applicationId : undefined } };
    });
  }
}

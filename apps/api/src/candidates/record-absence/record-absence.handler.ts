import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { CandidateContextReader } from '../candidate-loading';

export class RecordAbsenceCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly body: { sessionId: string; modality: string | null; block: string | null; justified: boolean; reason?: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Records an absence from an evaluation: the block it concerns is not evaluated in that session. */
@CommandHandler(RecordAbsenceCommand)
export class RecordAbsenceHandler implements ICommandHandler<RecordAbsenceCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly reader: CandidateContextReader,
    private readonly texts: FreeTexts,
  ) {}

  async execute({ candidateId, body, meta }: RecordAbsenceCommand): Promise<CommandResult> {
    // The reason may speak of the candidate's health (a medical certificate): sealed under their key.
    const { reason, ...rest } = body;
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, body.sessionId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.seal(candidateId, reason, { path: 'reason' });
      uow.append(stream, decideCandidate({ type: 'RecordAbsence', data: { candidateId, ...rest, reason: sealed ?? null } }, state, { ...uow.context, ...deps }));
      return { id: candidateId, primaryStream: stream };
    });
  }
}

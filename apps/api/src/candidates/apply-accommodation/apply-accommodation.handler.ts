import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
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
    private readonly texts: FreeTexts,
  ) {}

  async execute({ candidateId, requestId, body, meta }: ApplyAccommodationCommand): Promise<CommandResult> {
    // The note may say how the candidate's condition was met: sealed under their key.
    const { note, ...rest } = body;
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, body.sessionId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.seal(candidateId, note, { path: 'note' });
      uow.append(stream, decideCandidate({ type: 'ApplyAccommodation', data: { candidateId, requestId, ...rest, note: sealed ?? null } }, state, { ...uow.context, ...deps }));
      return { id: candidateId, primaryStream: stream, extra: { requestId } };
    });
  }
}

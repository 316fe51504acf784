import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { invalid } from '@app/domain/shared/errors';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidateFile, loadJury } from '../jury-loading';

/** A member declares a conflict of interest for a candidate and takes no part in their decisions. */
export class RecuseMemberCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly candidateId: string,
    readonly reason: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(RecuseMemberCommand)
export class RecuseMemberHandler implements ICommandHandler<RecuseMemberCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ juryId, candidateId, reason, meta }: RecuseMemberCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined; // the reason names the tie to the candidate: under their key
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      const candidate = await loadCandidateFile(uow, candidateId);
      if (sealed === undefined && candidate.candidateId && !candidate.erased) sealed = await this.texts.seal(candidateId, reason, { path: 'reason' });
      if (candidate.candidateId && !candidate.erased && !sealed) throw invalid('reason is required', [{ path: 'reason', message: 'required' }]);
      uow.append(juryStream(juryId), juryDecider.decide({ type: 'RecuseMember', data: { candidateId, reason: sealed! } }, jury, { ...context, candidate }));
      return { id: juryId, primaryStream: juryStream(juryId) };
    });
  }
}

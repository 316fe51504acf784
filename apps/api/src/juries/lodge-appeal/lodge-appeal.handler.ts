import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { invalid } from '@app/domain/shared/errors';
import { appealDecider } from '@app/domain/jury/jury-decider';
import { jurySpec, juryStream } from '@app/domain/jury/jury';
import { candidateStream } from '@app/domain/candidate/candidate';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidateFile } from '../jury-loading';

export class LodgeAppealCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly juryId: string,
    readonly reason: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(LodgeAppealCommand)
export class LodgeAppealHandler implements ICommandHandler<LodgeAppealCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ candidateId, juryId, reason, meta }: LodgeAppealCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined; // the appeal's reason, under the candidate's key
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const candidate = await loadCandidateFile(uow, candidateId);
      const { state: jury } = await uow.load(juryStream(juryId), jurySpec);
      if (sealed === undefined && candidate.candidateId && !candidate.erased) sealed = await this.texts.seal(candidateId, reason, { path: 'reason' });
      if (candidate.candidateId && !sealed) throw invalid('reason is required', [{ path: 'reason', message: 'required' }]);
      const events = appealDecider.decide({ type: 'LodgeAppeal', data: { candidateId, juryId, reason: sealed! } }, candidate, { ...context, jury });
      const stream = candidateStream(candidateId);
      uow.append(stream, events);
      return { id: candidateId, primaryStream: stream, extra: { appealId: events[0].data.appealId } };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { SealedText } from '@app/domain/shared/free-text';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidateFile, loadJury } from '../jury-loading';

export class HoldVaeInterviewCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly candidateId: string,
    readonly heldOn: string,
    readonly notes: string | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * The interview is the jury's act: written to the jury's stream, so it is
 * ordered with the closing there (no interview slips in after the seal) and
 * belongs to the record the seal covers. The notes speak of the candidate:
 * sealed under their key.
 */
@CommandHandler(HoldVaeInterviewCommand)
export class HoldVaeInterviewHandler implements ICommandHandler<HoldVaeInterviewCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ juryId, candidateId, heldOn, notes, meta }: HoldVaeInterviewCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const jury = await loadJury(uow, juryId);
      const candidate = await loadCandidateFile(uow, candidateId);
      if (sealed === undefined && candidate.candidateId && !candidate.erased) sealed = await this.texts.seal(candidateId, notes, { path: 'notes' });
      uow.append(juryStream(juryId), juryDecider.decide({ type: 'HoldVaeInterview', data: { candidateId, heldOn, notes: sealed ?? null } }, jury, { ...uow.context, candidate }));
      return { id: juryId, primaryStream: juryStream(juryId) };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { loadCandidateFile, loadJury, loadReferential } from '../jury-loading';

export class NeutraliseCriterionCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly candidateId: string,
    readonly criterion: string,
    readonly opinionId: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(NeutraliseCriterionCommand)
export class NeutraliseCriterionHandler implements ICommandHandler<NeutraliseCriterionCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
  ) {}

  execute({ juryId, candidateId, criterion, opinionId, meta }: NeutraliseCriterionCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      const candidate = await loadCandidateFile(uow, candidateId);
      const referential = await loadReferential(uow, jury.referentialId!);
      uow.append(juryStream(juryId), juryDecider.decide({ type: 'NeutraliseCriterion', data: { candidateId, criterion, opinionId } }, jury, { ...context, candidate, referential: referential.document }));
      return { id: juryId, primaryStream: juryStream(juryId) };
    });
  }
}

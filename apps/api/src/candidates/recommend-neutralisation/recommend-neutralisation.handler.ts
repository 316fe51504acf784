import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { ReferentialState } from '@app/domain/referential/referential-state';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { Sealed } from '@app/platform/personal-data/vault';
import { CandidateContextReader, loadCandidate } from '../candidate-loading';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { SealedMotivation } from '@app/domain/shared/free-text';

export class RecommendNeutralisationCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly criteria: string[],
    readonly motivation: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** The referent's motivated opinion naming criteria the disability makes irrelevant; the jury decides on it later. */
@CommandHandler(RecommendNeutralisationCommand)
export class RecommendNeutralisationHandler implements ICommandHandler<RecommendNeutralisationCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
    private readonly reader: CandidateContextReader,
  ) {}

  execute({ candidateId, criteria, motivation, meta }: RecommendNeutralisationCommand): Promise<CommandResult> {
    let sealed: SealedMotivation | null | undefined;
    const referentials: Record<string, ReferentialState> = {};
    return this.runner.run(meta, async (uow) => {
      const { stream, state } = await loadCandidate(uow, candidateId);
      for (const { referentialId } of Object.values(state.enrolments)) referentials[referentialId] ??= await this.reader.referential(uow, referentialId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.motivation(candidateId, motivation);
      const events = decideCandidate({ type: 'RecommendNeutralisation', data: { candidateId, criteria, motivation: sealed ?? null } }, state, { ...uow.context, referentials });
      uow.append(stream, events);
      const recommended = events[0];
      return { id: candidateId, primaryStream: stream, extra: { opinionId: recommended?.type === 'NeutralisationRecommended' ? recommended.data.opinionId : undefined } };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CriterionResult } from '@app/domain/candidate/proposal';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { CandidateContextReader } from '../candidate-loading';

export class ScoreCriterionCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly body: { sessionId: string; criterion: string; result: CriterionResult; comment?: string; correctionReason?: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * An assessor of the session scores one criterion (or corrects it, with a
 * reason). Concurrent scores on one candidate conflict on the stream version
 * and the runner replays them on fresh state, so every one lands once.
 */
@CommandHandler(ScoreCriterionCommand)
export class ScoreCriterionHandler implements ICommandHandler<ScoreCriterionCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly reader: CandidateContextReader,
  ) {}

  async execute({ candidateId, body, meta }: ScoreCriterionCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, body.sessionId);
      const events = decideCandidate({ type: 'ScoreCriterion', data: { candidateId, ...body } }, state, { ...uow.context, ...deps });
      uow.append(stream, events);
      return { id: candidateId, primaryStream: stream, extra: { event: events[0].type } };
    });
  }
}

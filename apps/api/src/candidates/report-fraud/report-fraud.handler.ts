import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { CandidateContextReader } from '../candidate-loading';

export class ReportFraudCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly body: { sessionId: string; blocks: string[]; description: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Records a suspected fraud for the jury of the session to decide. */
@CommandHandler(ReportFraudCommand)
export class ReportFraudHandler implements ICommandHandler<ReportFraudCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly reader: CandidateContextReader,
    private readonly texts: FreeTexts,
  ) {}

  async execute({ candidateId, body, meta }: ReportFraudCommand): Promise<CommandResult> {
    // The description speaks of the candidate's conduct: sealed under their key, like a motivation.
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, body.sessionId);
      if (sealed === undefined && !state.erased) sealed = await this.texts.seal(candidateId, body.description, { path: 'description' });
      const events = decideCandidate({ type: 'ReportFraud', data: { candidateId, sessionId: body.sessionId, blocks: body.blocks, description: sealed ?? null } }, state, { ...uow.context, ...deps });
      uow.append(stream, events);
      const [reported] = events.flatMap((e) => (e.type === 'FraudReported' ? [e.data.reportId] : []));
      return { id: candidateId, primaryStream: stream, extra: { reportId: reported } };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CriterionResult } from '@app/domain/candidate/proposal';
import { decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedText } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
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
    private readonly texts: FreeTexts,
  ) {}

  async execute({ candidateId, body, meta }: ScoreCriterionCommand): Promise<CommandResult> {
    // Comments and correction reasons may speak of the person: sealed under their key (nothing to seal, no key look-up).
    const { comment, correctionReason, ...rest } = body;
    let sealed: { comment: SealedText | null; correctionReason: SealedText | null } | undefined;
    const texts = { comment: this.texts.check(comment, { path: 'comment' }), correctionReason: this.texts.check(correctionReason, { path: 'correctionReason' }) };
    return this.runner.run(meta, async (uow) => {
      const { stream, state, deps } = await this.reader.withSession(uow, candidateId, body.sessionId);
      if (!sealed && state.registered && !state.erased) {
        sealed = {
          comment: texts.comment === null ? null : await this.texts.sealChecked(candidateId, texts.comment),
          correctionReason: texts.correctionReason === null ? null : await this.texts.sealChecked(candidateId, texts.correctionReason),
        };
      }
      const events = decideCandidate({ type: 'ScoreCriterion', data: { candidateId, ...rest, comment: sealed?.comment ?? null, correctionReason: sealed?.correctionReason ?? null } }, state, {
        ...uow.context,
        ...deps,
      });
      uow.append(stream, events);
      return { id: candidateId, primaryStream: stream, extra: { event: events[0].type } };
    });
  }
}

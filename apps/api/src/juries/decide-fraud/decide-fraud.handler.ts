import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { FraudOutcome } from '@app/domain/candidate/candidate-events';
import { juryDecider, streamOfJuryDecision } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedMotivation } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidateFile, loadJury } from '../jury-loading';

export class DecideFraudCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly body: { candidateId: string; reportId: string; outcome: FraudOutcome; banUntil: string | null; motivation: string },
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * One decision, two streams, one transaction: FraudDecided in the jury's
 * record, FraudDecisionRecorded in the candidate's file, both appended at the
 * versions they were read at.
 */
@CommandHandler(DecideFraudCommand)
export class DecideFraudHandler implements ICommandHandler<DecideFraudCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ juryId, body, meta }: DecideFraudCommand): Promise<CommandResult> {
    const { candidateId, motivation, ...rest } = body;
    let sealed: SealedMotivation | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const jury = await loadJury(uow, juryId);
      const candidate = await loadCandidateFile(uow, candidateId);
      if (sealed === undefined && candidate.candidateId && !candidate.erased) sealed = await this.texts.motivation(candidateId, motivation);
      const events = juryDecider.decide({ type: 'DecideFraud', data: { candidateId, ...rest, motivation: sealed ?? null } }, jury, { ...uow.context, candidate });
      for (const e of events) uow.append(streamOfJuryDecision(e), [e]);
      return { id: juryId, primaryStream: juryStream(juryId) };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { JuryMember, juryInitialState, JuryState, jurySpec, juryStream, Revises } from '@app/domain/jury/jury';
import { candidateSpec, candidateStream } from '@app/domain/candidate/candidate';
import { sessionSpec, sessionStream } from '@app/domain/session/session';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';

export class ConveneJuryCommand extends Command<CommandResult> {
  constructor(
    readonly sessionId: string,
    readonly members: JuryMember[],
    readonly revises: Revises | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(ConveneJuryCommand)
export class ConveneJuryHandler implements ICommandHandler<ConveneJuryCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
  ) {}

  execute({ sessionId, members, revises, meta }: ConveneJuryCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const juryId = context.newId();
      const { state: session } = await uow.load(sessionStream(sessionId), sessionSpec);
      let revised: JuryState | undefined;
      const appeals: Array<{ appealId: string; juryId: string }> = [];
      if (revises) {
        revised = (await uow.load(juryStream(revises.juryId), jurySpec)).state;
        for (const candidateId of [...new Set(revised.decisions.map((d) => d.candidateId))]) {
          const { state: candidate } = await uow.load(candidateStream(candidateId), candidateSpec);
          appeals.push(...Object.values(candidate.appeals).filter((a) => a.juryId === revises.juryId));
        }
      }
      const events = juryDecider.decide({ type: 'ConveneJury', data: { juryId, sessionId, members, ...(revises ? { revises } : {}) } }, juryInitialState(), { ...context, session, revised, appeals });
      const stream = juryStream(juryId);
      uow.append(stream, events);
      return { id: juryId, primaryStream: stream };
    });
  }
}

import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { JuryMember, juryInitialState, JuryState, jurySpec, juryStream, Revises } from '@app/domain/jury/jury';
import { candidateViewSpec, candidateViewStream, sessionViewSpec, sessionViewStream } from '@app/domain/jury/views';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { JuryClock } from '../jury-clock';

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
    private readonly clock: JuryClock,
  ) {}

  execute({ sessionId, members, revises, meta }: ConveneJuryCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const context = { ...uow.context, now: this.clock.now() };
      const juryId = context.newId();
      const { state: session } = await uow.load(sessionViewStream(sessionId), sessionViewSpec);
      let revised: { state: JuryState; appeals: Array<{ appealId: string; juryId: string }> } | undefined;
      if (revises) {
        const { state } = await uow.load(juryStream(revises.juryId), jurySpec);
        const appeals: Array<{ appealId: string; juryId: string }> = [];
        for (const candidateId of [...new Set(state.decisions.map((d) => d.candidateId))]) {
          const { state: candidate } = await uow.load(candidateViewStream(candidateId), candidateViewSpec);
          appeals.push(...candidate.appeals.filter((a) => a.juryId === revises.juryId));
        }
        revised = { state, appeals };
      }
      const events = juryDecider.decide({ type: 'ConveneJury', juryId, sessionId, members, revises, session, revised }, juryInitialState(), context);
      const stream = juryStream(juryId);
      uow.append(stream, events);
      return { id: juryId, primaryStream: stream };
    });
  }
}

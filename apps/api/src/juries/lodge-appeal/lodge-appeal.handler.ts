import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { decideAppeal } from '@app/domain/jury/jury-decider';
import { jurySpec, juryStream } from '@app/domain/jury/jury';
import { candidateViewStream } from '@app/domain/jury/views';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { JuryClock } from '../jury-clock';
import { loadCandidate } from '../jury-http';

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
    private readonly clock: JuryClock,
  ) {}

  execute({ candidateId, juryId, reason, meta }: LodgeAppealCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const context = { ...uow.context, now: this.clock.now() };
      const candidate = await loadCandidate(uow, candidateId);
      const { state: jury } = await uow.load(juryStream(juryId), jurySpec);
      const events = decideAppeal({ type: 'LodgeAppeal', candidateId, juryId, reason, jury }, candidate, context);
      const stream = candidateViewStream(candidateId);
      uow.append(stream, events);
      return { id: candidateId, primaryStream: stream, extra: { appealId: (events[0].data as { appealId: string }).appealId } };
    });
  }
}

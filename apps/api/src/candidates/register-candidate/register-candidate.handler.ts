import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccessRoute, candidateSpec, candidateStream, Identity } from '@app/domain/candidate/candidate';
import { checkAccessDetails, checkIdentity, decideCandidate } from '@app/domain/candidate/candidate-decider';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { CandidateIdentity } from '../identity';

export class RegisterCandidateCommand extends Command<CommandResult> {
  constructor(
    readonly identity: Identity,
    readonly accessRoute: AccessRoute,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** Registers a candidate; the identity is checked, then sealed under the new candidate's own key. */
@CommandHandler(RegisterCandidateCommand)
export class RegisterCandidateHandler implements ICommandHandler<RegisterCandidateCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly identities: CandidateIdentity,
  ) {}

  async execute({ identity, accessRoute, meta }: RegisterCandidateCommand): Promise<CommandResult> {
    const checked = checkIdentity(identity, new Date().toISOString());
    checkAccessDetails(checked, accessRoute);
    return this.runner.run(meta, async (uow) => {
      // Drawn through the context: under an Idempotency-Key a retried registration gets the same id,
      // so a retry after a crash finds its candidate instead of creating a second one.
      const candidateId = uow.context.newId();
      const sealed = await this.identities.seal(candidateId, checked);
      const stream = candidateStream(candidateId);
      const { state } = await uow.load(stream, candidateSpec);
      uow.append(stream, decideCandidate({ type: 'RegisterCandidate', data: { candidateId, identity: sealed, accessRoute } }, state, uow.context));
      return { id: candidateId, primaryStream: stream };
    });
  }
}

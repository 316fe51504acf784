import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { notFound } from '@app/domain/shared/errors';
import { CosignatureState, cosignatureSpec, cosignatureStream, decideCosign, decideRegisterWitness, WitnessState, witnessSpec, witnessStream } from '@app/domain/witness/witness';
import { checkpointAt } from '@app/event-store/ledger/ledger-reader';
import { LedgerService } from '@app/platform/ledger/ledger.service';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';

export class RegisterWitnessCommand extends Command<CommandResult> {
  constructor(
    readonly name: string,
    readonly publicKey: string,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** WitnessRegistered, in the log: the key is then in every export from its seq on. */
@CommandHandler(RegisterWitnessCommand)
export class RegisterWitnessHandler implements ICommandHandler<RegisterWitnessCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ name, publicKey, meta }: RegisterWitnessCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      const stream = witnessStream(name);
      const { state } = await uow.load(stream, witnessSpec);
      const events = decideRegisterWitness({ name, publicKey }, state);
      uow.append(stream, events);
      return { id: name, primaryStream: stream, extra: { keyFingerprint: events[0].data.keyFingerprint } };
    });
  }
}

export class CosignCheckpointCommand extends Command<CommandResult> {
  constructor(
    readonly size: number,
    readonly witness: string,
    readonly signature: string,
    readonly previousSize: number | null,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/** CheckpointCosigned, once the signature verifies with the witness's registered key over the stored checkpoint. */
@CommandHandler(CosignCheckpointCommand)
export class CosignCheckpointHandler implements ICommandHandler<CosignCheckpointCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly ledger: LedgerService,
  ) {}

  async execute({ size, witness, signature, previousSize, meta }: CosignCheckpointCommand): Promise<CommandResult> {
    const checkpoint = await checkpointAt(this.ledger.pool, size);
    if (!checkpoint) throw notFound('checkpoint of size', String(size));
    return this.runner.run(meta, async (uow) => {
      const stream = cosignatureStream(witness, size);
      const [registration, cosignatures, previous] = await uow.loadMany([
        { streamId: witnessStream(witness), spec: witnessSpec },
        { streamId: stream, spec: cosignatureSpec },
        ...(previousSize !== null ? [{ streamId: cosignatureStream(witness, previousSize), spec: cosignatureSpec }] : []),
      ]);
      const previousCosigned = previous !== undefined && (previous.state as CosignatureState).signatures.length > 0;
      uow.append(
        stream,
        decideCosign(
          { witness, checkpoint: { origin: checkpoint.origin, size: checkpoint.size, head: checkpoint.head }, signature, previousSize },
          cosignatures.state as CosignatureState,
          { witness: registration.state as WitnessState, previousCosigned },
        ),
      );
      return { id: `${witness}@${size}`, primaryStream: stream, extra: { size, head: checkpoint.head } };
    });
  }
}

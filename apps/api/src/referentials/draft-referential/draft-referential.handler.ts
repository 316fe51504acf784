import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { referentialDecider } from '@app/domain/referential/referential-decider';
import { referentialSpec, referentialStream } from '@app/domain/referential/referential-state';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner, UnitOfWork } from '@app/platform/commands/command-runner';

/** Drafts a new referential version from an untrusted document (an HTTP body or a CLI file). */
export class DraftReferentialCommand extends Command<CommandResult> {
  constructor(
    readonly document: unknown,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(DraftReferentialCommand)
export class DraftReferentialHandler implements ICommandHandler<DraftReferentialCommand, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ document, meta }: DraftReferentialCommand): Promise<CommandResult> {
    return this.runner.run(meta, async (uow) => {
      // Under an Idempotency-Key the id is the command's first deterministic id: a retried draft lands on the same referential.
      const id = uow.context.newId();
      const stream = referentialStream(id);
      const loaded = await uow.load(stream, referentialSpec);
      // Same Idempotency-Key after a crash between the append and the stored answer: the draft is already there.
      if (meta.idempotencyKey && loaded.version > 0) return { id, primaryStream: stream };
      const code = typeof (document as { code?: unknown } | null)?.code === 'string' ? (document as { code: string }).code : '';
      const earlierDrafts = code ? await countDrafts(uow, code) : 0;
      uow.append(stream, referentialDecider.decide({ type: 'DraftReferential', data: { referentialId: id, document } }, loaded.state, { ...uow.context, earlierDrafts }));
      return { id, primaryStream: stream };
    });
  }
}

/**
 * Versions are numbered per certification code in draft order. Two drafts of
 * one code at the same instant could both read the same count; drafting is a
 * rare back-office act, and sessions pin the referential id, never the number.
 */
function countDrafts(uow: UnitOfWork, code: string): Promise<number> {
  return uow.countEvents({ types: ['ReferentialDrafted'], category: 'referential', field: { path: ['document', 'code'], equals: code } });
}

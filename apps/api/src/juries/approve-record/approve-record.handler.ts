import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider } from '@app/domain/jury/jury-decider';
import { juryStream } from '@app/domain/jury/jury';
import { SealedText } from '@app/domain/shared/free-text';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadJury } from '../jury-loading';

/**
 * The data key an approval comment is sealed under. The comment is about the
 * record as a whole, not about one candidate, yet it may name people: it is
 * sealed like every free text (ciphertext in the log and the export), under a
 * key of the jury's record, and shown by the per-role views of docs/security.md.
 */
export const approvalCommentSubject = (juryId: string) => `jury-record:${juryId}`;

/** A member approves the sealed record (after the closing), with an optional comment. */
export class ApproveRecordCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly comment: string | undefined,
    readonly sealHash: string | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(ApproveRecordCommand)
export class ApproveRecordHandler implements ICommandHandler<ApproveRecordCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ juryId, comment, sealHash, meta }: ApproveRecordCommand): Promise<CommandResult> {
    let sealed: SealedText | null | undefined;
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      // Sealed only for a member of a sealed record, so a refused request stores no key.
      const member = jury.members.some((m) => m.userId === context.actor.id);
      if (sealed === undefined && member && jury.status === 'closed') sealed = await this.texts.seal(approvalCommentSubject(juryId), comment, { path: 'comment' });
      const events = juryDecider.decide({ type: 'ApproveRecord', data: { ...(sealHash ? { sealHash } : {}), comment: sealed ?? null } }, jury, context);
      uow.append(juryStream(juryId), events);
      const approved = events[0].type === 'RecordApproved' ? events[0].data : null;
      return { id: juryId, primaryStream: juryStream(juryId), extra: { memberId: approved?.memberId, sealHash: approved?.sealHash, president: approved?.president, approvedAt: approved?.at } };
    });
  }
}

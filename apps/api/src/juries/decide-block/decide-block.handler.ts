import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { juryDecider, streamOfJuryDecision } from '@app/domain/jury/jury-decider';
import { BlockDecision, JuryState, jurySpec, juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { SealedMotivation } from '@app/domain/shared/free-text';
import { FreeTexts } from '@app/platform/personal-data/free-texts';
import { loadCandidateFile, loadClosings, loadJury, loadReferential } from '../jury-loading';

export class DecideBlockCommand extends Command<CommandResult> {
  constructor(
    readonly juryId: string,
    readonly candidateId: string,
    readonly block: string,
    readonly decision: BlockDecision,
    readonly motivation: string | undefined,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * One decision, two streams, one transaction: BlockDecided in the jury's
 * record, BlockDecisionRecorded in the candidate's file (the certification
 * is awarded at the closing, under the seal). Both streams are appended at the
 * versions they were read at, so a score landing meanwhile makes the command
 * run again on the new scores: no score slips in after a decision.
 */
@CommandHandler(DecideBlockCommand)
export class DecideBlockHandler implements ICommandHandler<DecideBlockCommand, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly texts: FreeTexts,
  ) {}

  execute({ juryId, candidateId, block, decision, motivation, meta }: DecideBlockCommand): Promise<CommandResult> {
    let sealed: SealedMotivation | null | undefined; // the motivation, under the candidate's key
    return this.runner.run(meta, async (uow) => {
      const { context } = uow;
      const jury = await loadJury(uow, juryId);
      const candidate = await loadCandidateFile(uow, candidateId);
      if (sealed === undefined && candidate.candidateId && !candidate.erased) sealed = await this.texts.motivation(candidateId, motivation);
      const referential = await loadReferential(uow, jury.referentialId!);
      let revised: JuryState | null = null;
      let closings: Record<string, string | null> | undefined;
      if (jury.revises) {
        revised = (await uow.load(juryStream(jury.revises.juryId), jurySpec)).state;
        // The four-month rule runs from the closing of the deliberation that first made the decision.
        closings = await loadClosings(uow, [candidate], juryId);
      }
      const events = juryDecider.decide(
        { type: 'DecideBlock', data: { candidateId, block, decision, motivation: sealed ?? null } },
        jury,
        { ...context, candidate, referential: referential.document, revised, ...(closings ? { closings } : {}) },
      );
      for (const e of events) uow.append(streamOfJuryDecision(e), [e]);
      const [proposal] = events.flatMap((e) => (e.type === 'BlockDecided' ? [e.data.proposal] : []));
      // Awards come with the seal (close), never with a decision: certificationAwarded stays false here for older clients.
      return { id: juryId, primaryStream: juryStream(juryId), extra: { proposal, certificationAwarded: false } };
    });
  }
}

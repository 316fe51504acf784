import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CandidateState, IssuedLetter } from '@app/domain/candidate/candidate';
import { letterDecider, letterOf, requireFinalRecord } from '@app/domain/candidate/decision-letters';
import { candidateStream } from '@app/domain/candidate/candidate';
import { juryStream } from '@app/domain/jury/jury';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import { loadOperationsConfig } from '@app/platform/operations.config';
import { loadCandidateFiles, loadJury } from '../jury-loading';

/** The letters of a jury as issued: by candidate id, the first issue of each. */
export type IssuedLetters = Map<string, IssuedLetter>;

/**
 * Issues a jury's decision letters to some of its candidates (one letter) or
 * to every candidate it decided (`candidateIds` null: the ZIP), recording
 * `DecisionLetterIssued` in each file where the letter was not issued yet, all
 * in one append. Answers every letter's first issue.
 */
export class IssueDecisionLettersCommand extends Command<CommandResult & { letters: IssuedLetters }> {
  constructor(
    readonly juryId: string,
    readonly candidateIds: string[] | null,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

@CommandHandler(IssueDecisionLettersCommand)
export class IssueDecisionLettersHandler implements ICommandHandler<IssueDecisionLettersCommand> {
  private readonly approvalRequired = loadOperationsConfig().record.approvalRequired;

  constructor(private readonly runner: CommandRunner) {}

  async execute({ juryId, candidateIds, meta }: IssueDecisionLettersCommand): Promise<CommandResult & { letters: IssuedLetters }> {
    let letters: IssuedLetters = new Map();
    const result = await this.runner.run(meta, async (uow) => {
      letters = new Map();
      const jury = await loadJury(uow, juryId);
      requireFinalRecord(jury, juryId, this.approvalRequired);
      const ids = candidateIds ?? [...new Set(jury.decisions.map((d) => d.candidateId))].sort();
      const files: Record<string, CandidateState> = ids.length ? await loadCandidateFiles(uow, ids) : {};
      for (const id of ids) {
        const events = letterDecider.decide({ type: 'IssueDecisionLetter', data: { candidateId: id, juryId } }, files[id], { ...uow.context, jury, approvalRequired: this.approvalRequired });
        uow.append(candidateStream(id), events);
        const letter = events[0]?.data ?? letterOf(files[id], juryId)!;
        letters.set(id, { juryId, sealHash: letter.sealHash, issuedAt: letter.issuedAt });
      }
      return { id: juryId, primaryStream: ids.length === 1 ? candidateStream(ids[0]) : juryStream(juryId) };
    });
    return { ...result, letters };
  }
}

import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { candidateStream } from '@app/domain/candidate/candidate';
import { CandidatePersonalDataErased, erasureDecider } from '@app/domain/personal-data/erasure';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import type { AppConfig } from '@app/platform/config';
import { loadSecurityConfig } from '@app/platform/http/security.config';
import { APP_CONFIG } from '@app/platform/persistence.module';
import { PersonalDataVault } from '@app/platform/personal-data/vault';

export class EraseCandidatePersonalDataCommand extends Command<CommandResult> {
  constructor(
    readonly candidateId: string,
    readonly reason: string,
    readonly overrideRetention: boolean,
    readonly meta: CommandMeta,
  ) {
    super();
  }
}

/**
 * Records the erasure in the candidate's file, then destroys the candidate's
 * data key. The event comes first so no key is ever destroyed unaudited; if
 * the process stops between the two, the same request again finds the event
 * and finishes the shredding instead of answering "already erased".
 */
@CommandHandler(EraseCandidatePersonalDataCommand)
export class EraseCandidatePersonalDataHandler implements ICommandHandler<EraseCandidatePersonalDataCommand, CommandResult> {
  private readonly retentionYears: number;

  constructor(
    private readonly runner: CommandRunner,
    private readonly vault: PersonalDataVault,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.retentionYears = (config.security ?? loadSecurityConfig({})).retentionYears;
  }

  async execute({ candidateId, reason, overrideRetention, meta }: EraseCandidatePersonalDataCommand): Promise<CommandResult> {
    const result = await this.runner.run(meta, async (uow) => {
      const stream = candidateStream(candidateId);
      const { state } = await uow.loadExisting(stream, erasureDecider, 'candidate', candidateId);
      if (state.candidate.erased && !(await this.vault.isErased(candidateId))) {
        return { id: candidateId, primaryStream: stream }; // the event is there: only the shredding is left to do
      }
      const events = <CandidatePersonalDataErased[]>erasureDecider.decide({ type: 'EraseCandidatePersonalData', candidateId, reason, overrideRetention, retentionYears: this.retentionYears }, state, uow.context);
      uow.append(stream, events);
      return { id: candidateId, primaryStream: stream, extra: { beforeRetentionEnd: events[0].data.beforeRetentionEnd } };
    });
    await this.vault.erase(candidateId);
    return result;
  }
}

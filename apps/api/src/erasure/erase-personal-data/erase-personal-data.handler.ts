import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { candidateStream } from '@app/domain/candidate/candidate';
import { erasureDecider } from '@app/domain/personal-data/erasure';
import { CommandMeta } from '@app/platform/commands/command-meta';
import { CommandResult, CommandRunner } from '@app/platform/commands/command-runner';
import type { AppConfig } from '@app/platform/config';
import { loadSecurityConfig } from '@app/platform/http/security.config';
import { APP_CONFIG } from '@app/platform/persistence.module';
import { invalid } from '@app/domain/shared/errors';
import { isSealed, PersonalDataVault } from '@app/platform/personal-data/vault';

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
      await this.refuseNamesIn(reason, state.candidate.identity);
      const events = erasureDecider.decide({ type: 'EraseCandidatePersonalData', data: { candidateId, reason, overrideRetention } }, state, { ...uow.context, retentionYears: this.retentionYears });
      uow.append(stream, events);
      return { id: candidateId, primaryStream: stream, extra: { beforeRetentionEnd: events[0].data.beforeRetentionEnd } };
    });
    await this.vault.erase(candidateId);
    return result;
  }

  /**
   * The reason outlives the key it documents, in clear: it must be a
   * reference (ticket, court order), so one that spells the person's name,
   * email or birth date is refused (400) while the identity can still be read.
   */
  private async refuseNamesIn(reason: string, sealed: unknown): Promise<void> {
    if (!isSealed(sealed)) return;
    const identity = await this.vault.open<Record<string, unknown>>(sealed);
    if (!identity) return;
    const fold = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    const said = fold(reason);
    const named = ['givenName', 'familyName', 'usageName', 'email', 'birthDate']
      .flatMap((field) => (typeof identity[field] === 'string' ? fold(identity[field] as string).split(/\s+/) : []))
      .filter((word) => word.length >= 3 && new RegExp(`(^|[^\\p{L}\\p{N}])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'u').test(said));
    if (named.length) {
      throw invalid('reason is kept in clear after erasure: write a reference (ticket, court order), not the person\'s name, email or birth date', [{ path: 'reason', message: 'personal data' }]);
    }
  }
}
